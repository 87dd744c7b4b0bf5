"""The JSON API and the page's access rules, over real HTTP (uvicorn on 127.0.0.1), on the real search node."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from opensearchpy import OpenSearch
from pydantic import SecretStr

from devsupport.site import FixtureSite
from devsupport.smtp import free_port
from devsupport.web import WebServer
from newsmon.alerts import store as alert_store
from newsmon.alerts.ledger import AlertLedger
from newsmon.alerts.matching import to_match
from newsmon.alerts.store import WatchStore
from newsmon.config import Settings
from newsmon.index import feedstate
from newsmon.links import page_links, pause_token, secret_key
from newsmon.mail.render import render_alert
from newsmon.sources.store import list_sources
from newsmon.web.app import create_app
from tests.test_alerts_support import article, index_articles, watch

PASSWORD = "correct horse battery"
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Dunia</title><link>{BASE}/</link><description>x</description>
<item><title>Satu</title><link>{BASE}/dunia/satu/</link><guid>{BASE}/dunia/satu/</guid></item>
</channel></rss>"""
HOME = '<html><head><link rel="alternate" type="application/rss+xml" href="/rss/dunia.xml"></head><body></body></html>'


@pytest.fixture
def protected(settings: Settings) -> Settings:
    return settings.model_copy(update={"admin_password": SecretStr(PASSWORD)})


@pytest.fixture
def server(es: OpenSearch, protected: Settings) -> Iterator[WebServer]:
    alert_store.ensure(es, protected)
    feedstate.ensure(es, protected)
    web = WebServer(create_app(protected)).start()
    yield web
    web.stop()


@pytest.fixture
def api(server: WebServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base, auth=("admin", PASSWORD), timeout=30) as client:
        yield client


def new_watch(name: str = "Gempa", query: str = "gempa", **extra: object) -> dict:
    return {"name": name, "query": query, "emails": ["desk@example.test"], **extra}


def test_api_wants_basic_auth_while_health_and_metrics_stay_open(server: WebServer) -> None:
    with httpx.Client(base_url=server.base) as anonymous:
        refused = anonymous.get("/api/watches")
        assert refused.status_code == 401 and "error" in refused.json()
        assert refused.headers["www-authenticate"].startswith("Basic")
        assert anonymous.get("/api/watches", auth=("admin", "wrong")).status_code == 401
        assert anonymous.get("/api/watches", auth=("root", PASSWORD)).status_code == 401
        assert anonymous.get("/healthz").json()["search_reachable"] is True
        assert anonymous.get("/metrics").status_code == 200
        page = anonymous.get("/watches")  # pages ask for the login form instead
        assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fwatches"


def test_watch_endpoints_share_the_store_and_the_error_texts_of_the_cli(
    api: httpx.Client, es: OpenSearch, protected: Settings
) -> None:
    created = api.post("/api/watches", json=new_watch(languages=["id"], mode="daily", at="07:30", tz="Asia/Jakarta"))
    assert created.status_code == 201, created.text
    assert created.json()["at"] == "07:30:00" and created.json()["languages"] == ["id"]
    assert WatchStore(es, protected).get("gempa").query == "gempa"  # the CLI's store sees it at once

    assert api.post("/api/watches", json=new_watch(name="GEMPA")).status_code == 409
    unclosed = api.post("/api/watches", json=new_watch(name="Quote", query='"gencatan senjata'))
    assert unclosed.status_code == 400
    assert unclosed.json() == {"error": 'a quote is not closed: put a " after the phrase'}
    only_not = api.post("/api/watches", json=new_watch(name="Not", query="-bola"))
    assert only_not.status_code == 400 and "only excludes" in only_not.json()["error"]
    bad_email = api.post("/api/watches", json={**new_watch(name="Mail"), "emails": ["nobody"]})
    assert bad_email.json() == {"error": "'nobody' is not an email address"}
    assert api.post("/api/watches", content=b"name=x", headers={"content-type": "text/plain"}).status_code == 415

    WatchStore(es, protected).add(watch("Banjir", "banjir"))  # made through the CLI's store
    assert [w["name"] for w in api.get("/api/watches").json()["watches"]] == ["Banjir", "Gempa"]
    assert api.get("/api/watches/Banjir").json()["query"] == "banjir"
    missing = api.get("/api/watches/nothing")
    assert missing.status_code == 404 and missing.json() == {"error": "no watch named 'nothing'"}

    changed = api.patch("/api/watches/Gempa", json={"query": "gempa OR tsunami", "enabled": False})
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    assert WatchStore(es, protected).get("Gempa").query == "gempa OR tsunami"
    assert api.patch("/api/watches/Gempa", json={"query": "(gempa"}).status_code == 400
    assert api.patch("/api/watches/nothing", json={"query": "x"}).status_code == 404
    assert api.patch("/api/watches/Gempa", json={"mode": "weekly"}).json()["error"].startswith("mode:")

    assert api.delete("/api/watches/Banjir").status_code == 204
    assert api.delete("/api/watches/Banjir").status_code == 404
    assert WatchStore(es, protected).get("Banjir") is None


def test_watch_test_previews_the_last_days(api: httpx.Client, es: OpenSearch, protected: Settings) -> None:
    now = datetime.now(UTC)
    index_articles(es, protected, [article("a", "Gempa di Jepang", "Gempa kuat mengguncang Jepang utara.")], now)
    index_articles(es, protected, [article("b", "Gempa lama", "Gempa kecil di Chile.")], now - timedelta(days=9))
    api.post("/api/watches", json=new_watch())
    week = api.post("/api/watches/Gempa/test?days=7").json()
    assert [s["title"] for s in week["stories"]] == ["Gempa di Jepang"]
    assert len(api.post("/api/watches/Gempa/test?days=10").json()["stories"]) == 2
    assert api.post("/api/watches/Gempa/test?days=soon").status_code == 400
    assert api.post("/api/watches/nothing/test").status_code == 404
    assert AlertLedger(es, protected).latest(WatchStore(es, protected).get("Gempa")) == []  # a preview records nothing


def test_source_endpoints(api: httpx.Client, protected: Settings, news_site: FixtureSite) -> None:
    news_site.set("/", HOME)
    news_site.set("/rss/dunia.xml", RSS)
    body = {"name": "kabar", "url": news_site.url("/"), "categories": ["Dunia"], "language": "id"}
    created = api.post("/api/sources", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["feeds"] == [news_site.url("/rss/dunia.xml")]
    assert [s.name for s in list_sources(protected.config)] == ["kabar"]  # the YAML file the CLI reads
    listed = api.get("/api/sources").json()["sources"]
    assert listed[0]["name"] == "kabar" and listed[0]["feed_states"][0]["state"] is None  # not polled yet

    assert api.post("/api/sources", json=body).status_code == 409
    no_rule = api.post("/api/sources", json={"name": "x", "url": news_site.url("/")})
    assert no_rule.status_code == 201 and list_sources(protected.config)[-1].international.decides_pages  # auto
    bad_country = api.post("/api/sources", json={**body, "name": "y", "home_country": "XX"})
    assert bad_country.status_code == 400 and "XX" in bad_country.json()["error"]
    bad_name = api.post("/api/sources", json={**body, "name": "Kabar Dunia"})
    assert bad_name.status_code == 400 and "lowercase" in bad_name.json()["error"]
    news_site.set("/empty/", "<html><body>nothing</body></html>")
    no_feed = api.post("/api/sources", json={**body, "name": "empty", "url": news_site.url("/empty/")})
    assert no_feed.status_code == 400 and "no feed announced" in no_feed.json()["error"]

    assert api.delete("/api/sources/kabar").status_code == 204
    assert api.delete("/api/sources/kabar").status_code == 404
    assert [s.name for s in list_sources(protected.config)] == ["x"]


def test_search_and_alert_history(api: httpx.Client, es: OpenSearch, protected: Settings) -> None:
    now = datetime.now(UTC)
    hostile = article("x", "Banjir <script>alert(1)</script> Jakarta", "Banjir besar melanda Jakarta timur.")
    english = article("y", "Floods in Jakarta", "Heavy floods hit east Jakarta.", source="globe", language="en")
    index_articles(es, protected, [hostile, english], now)
    found = api.get("/api/search", params={"q": "banjir"}).json()["results"]
    assert [r["title"] for r in found] == [hostile.title]
    assert api.get("/api/search", params={"q": "banjir", "since": "7d"}).json()["results"] == []  # published in March
    assert "<script>" not in found[0]["title_html"] and "&lt;script&gt;" in found[0]["title_html"]
    assert "<mark>Banjir</mark>" in found[0]["snippets_html"][0]

    def sources(**filters: str) -> list[str]:
        return [r["source"] for r in api.get("/api/search", params={"q": "jakarta", **filters}).json()["results"]]

    assert sources(language="en") == ["globe"] and sources(source="kompas") == ["kompas"]
    bad = api.get("/api/search", params={"q": "banjir OR"})
    assert bad.status_code == 400 and bad.json() == {"error": "OR needs a word or phrase on both sides"}
    assert api.get("/api/search", params={"q": "banjir", "since": "soon"}).status_code == 400

    api.post("/api/watches", json=new_watch(name="Banjir", query="banjir"))
    flood, later = WatchStore(es, protected).get("Banjir"), datetime.now(UTC)
    AlertLedger(es, protected).record([to_match(flood, hostile, "…", indexed_at=later, now=later)], later)
    alerts = api.get("/api/alerts", params={"watch": "banjir"}).json()["alerts"]
    assert [(a["watch"], a["status"], a["items"][0]["title"]) for a in alerts] == [("Banjir", "pending", hostile.title)]
    assert "claim" not in alerts[0]
    assert len(api.get("/api/alerts").json()["alerts"]) == 1
    assert api.get("/api/alerts", params={"watch": "nothing"}).status_code == 404


def test_without_password_only_loopback_is_answered(es: OpenSearch, settings: Settings) -> None:
    alert_store.ensure(es, settings)
    app = create_app(settings)

    async def from_elsewhere() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as remote:
            return [await remote.get(path) for path in ("/api/watches", "/", "/healthz")]

    api_answer, page_answer, health = asyncio.run(from_elsewhere())
    assert api_answer.status_code == 403 and page_answer.status_code == 403
    assert "NEWSMON_ADMIN_PASSWORD" in page_answer.text
    assert health.status_code == 200
    web = WebServer(app).start()
    try:
        assert httpx.get(f"{web.base}/api/watches").json() == {"watches": []}
        # A page of another site whose name resolves to 127.0.0.1 (DNS rebinding) is refused by its Host header.
        assert httpx.get(f"{web.base}/api/watches", headers={"host": "attacker.example"}).status_code == 403
    finally:
        web.stop()


def test_login_form_and_csrf_token(server: WebServer, es: OpenSearch, protected: Settings) -> None:
    with httpx.Client(base_url=server.base) as browser:
        form = browser.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)[1]
        assert browser.post("/login", data={"csrf": token, "password": "guess"}).status_code == 401
        assert browser.post("/login", data={"csrf": "forged", "password": PASSWORD}).status_code == 403
        logged_in = browser.post("/login", data={"csrf": token, "password": PASSWORD, "next": "//evil.example/"})
        assert logged_in.status_code == 303 and logged_in.headers["location"] == "/"
        cookie = logged_in.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie

        page = browser.get("/watches/new")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # a fresh token after login
        fields = {"name": "Gempa", "query": "gempa", "emails": "desk@example.test", "mode": "immediate"}
        assert browser.post("/watches/new", data=fields).status_code == 403
        assert WatchStore(es, protected).get("Gempa") is None
        saved = browser.post("/watches/new", data={**fields, "csrf": token, "do": "save"})
        assert saved.status_code == 303 and WatchStore(es, protected).get("Gempa") is not None
        invalid = browser.post("/watches/new", data={**fields, "name": "G2", "query": "(x", "csrf": token})
        assert invalid.status_code == 400 and "a &#39;(&#39; is not closed" in invalid.text  # shown inline
        assert browser.get("/api/watches").status_code == 200  # the page's session also opens the API


def test_one_click_pause_link_from_the_email(
    server: WebServer, api: httpx.Client, es: OpenSearch, protected: Settings
) -> None:
    api.post("/api/watches", json=new_watch())
    gempa = WatchStore(es, protected).get("Gempa")
    with_page = protected.model_copy(update={"public_url": "https://news.example.org/newsmon/"})
    now = datetime.now(UTC)
    item = to_match(gempa, article("a", "Gempa", "Gempa kuat."), "", indexed_at=now, now=now)
    mail = render_alert(gempa, [item.item], "desk@example.test", "n <n@example.test>", links=page_links(with_page))
    link = mail["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://news.example.org/newsmon/pause/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = mail.get_body(("html",)).get_content()
    assert f'href="https://news.example.org/newsmon/articles/{item.item.article_id}"' in html
    assert "https://news.example.org/newsmon/watches/Gempa" in mail.get_body(("plain",)).get_content()

    local = link.replace("https://news.example.org/newsmon", server.base)
    with httpx.Client() as mail_client:  # no login, no cookie: the token is the authorisation
        assert mail_client.get(local).status_code == 200
        assert WatchStore(es, protected).get("Gempa").enabled  # opening the link (a mail scanner) pauses nothing
        one_click = mail_client.post(local, data={"List-Unsubscribe": "One-Click"})
        assert one_click.status_code == 200 and "is paused" in one_click.text
        assert not WatchStore(es, protected).get("Gempa").enabled
        forged = pause_token("another key", "Gempa")
        assert mail_client.post(f"{server.base}/pause/{forged}").status_code == 404
    assert pause_token(secret_key(protected), "gempa") == pause_token(secret_key(protected), "Gempa")


@pytest.mark.slow
def test_newsmon_web_serves_the_page_alone_and_stops_on_sigterm(settings: Settings) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")} | {
        "NEWSMON_ES_URL": settings.es_url,
        "NEWSMON_INDEX_PREFIX": settings.index_prefix,
        "NEWSMON_CONFIG": str(settings.config),
        "NEWSMON_DATA_DIR": str(settings.data_dir),
        "NEWSMON_HTTP_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "web"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, process.stdout.read().decode()
                time.sleep(0.1)
        assert health == {"ok": True, "role": "web", "search_reachable": True}
        assert httpx.get(f"http://127.0.0.1:{port}/api/watches").json() == {"watches": []}
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert process.returncode == 0, output
    assert "answer only from this machine" in output  # said at start, as `newsmon run` does
