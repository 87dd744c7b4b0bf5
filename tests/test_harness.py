"""The harness itself: the search node, SMTP server and fixture site are real and reachable."""

from __future__ import annotations

import smtplib
import urllib.request
from email.message import EmailMessage

from opensearchpy import OpenSearch

from devsupport.site import FixtureSite
from devsupport.smtp import SmtpServer


def test_search_node_has_percolator_and_language_analyzers(es: OpenSearch) -> None:
    result = es.indices.analyze(body={"analyzer": "indonesian", "text": "menyerang peperangan"})
    assert [t["token"] for t in result["tokens"]] == ["serang", "perang"]
    plugins = {p["component"] for p in es.cat.plugins(format="json")}
    assert "org.opensearch.percolator.PercolatorPlugin" in plugins or "percolator" in plugins


def test_smtp_fixture_receives_and_parses_mail(smtp_server: SmtpServer) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.test", "b@example.test", "Halo"
    message.set_content("isi pesan")
    with smtplib.SMTP("127.0.0.1", smtp_server.port) as client:
        client.send_message(message)
    received = smtp_server.wait_for(1)
    assert received[0]["Subject"] == "Halo"
    assert received[0].get_content().strip() == "isi pesan"


def test_fixture_site_serves_logs_and_answers_conditional_requests(news_site: FixtureSite) -> None:
    news_site.set("/feed/", "<rss><channel><link>{BASE}/</link></channel></rss>", "application/rss+xml")
    with urllib.request.urlopen(news_site.url("/feed/")) as response:
        body, etag = response.read(), response.headers["ETag"]
    assert news_site.base.encode() in body
    request = urllib.request.Request(news_site.url("/feed/"), headers={"If-None-Match": etag})
    try:
        urllib.request.urlopen(request)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 304
    assert [r.status for r in news_site.requested("/feed/")] == [200, 304]
