"""A real two-node search cluster loses a node in the middle of a crawl and delivery: `newsmon run` goes on through the
other node, nothing fetched is lost, no alert is sent twice, and `newsmon status` says the cluster is degraded.

The cluster is started here (dev/elasticsearch/node.sh, two JVMs of 512 MB) on NEWSMON_TEST_CLUSTER_PORT (9291) and
the next port; the node that stops is the one that is not the cluster manager (with two nodes only the manager
votes, so losing it stops any cluster: three nodes, as in the compose `cluster` profile, survive losing any one).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from devsupport.site import FixtureSite
from devsupport.smtp import SmtpServer
from newsmon.config import Settings
from newsmon.index.mappings import read_alias
from newsmon.index.spool import Spool
from tests.test_service_e2e import FEED, PARAGRAPHS, Service, publish

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
NODE_SH = ROOT / "dev" / "elasticsearch" / "node.sh"
ARTICLES_PER_WAVE = 8


@dataclass
class Cluster:
    where: Path  # node N lives in where/node-N
    urls: list[str]

    def stop_node(self, url: str) -> None:
        node = self.where / f"node-{self.urls.index(url) + 1}"
        subprocess.run([str(NODE_SH), "stop", str(node)], check=True, timeout=120)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    port = int(os.environ.get("NEWSMON_TEST_CLUSTER_PORT", "9291"))
    where = tmp_path_factory.mktemp("cluster")
    env = {**os.environ, "NEWSMON_NODE_HEAP": os.environ.get("NEWSMON_NODE_HEAP", "512m")}
    subprocess.run([str(NODE_SH), "start", str(where), str(port), "2"], check=True, env=env, timeout=400)
    try:
        yield Cluster(where, [f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}"])
    finally:
        subprocess.run([str(NODE_SH), "stop", str(where)], check=False, timeout=120)


def _story(number: int) -> list[str]:
    """A distinct story about fishermen (so near-duplicate detection keeps every one apart)."""
    rng = random.Random(number)
    return [" ".join(rng.sample(p.split(), len(p.split()))) for p in PARAGRAPHS]


def _alerted(smtp: SmtpServer) -> dict[str, int]:
    """Title -> how many times it was mailed."""
    counts: dict[str, int] = {}
    for message in list(smtp.messages):
        text = message.get_body(("plain",)).get_content()
        for line in text.splitlines():
            if line[:1].isdigit() and ". Nelayan " in line:
                title = line.split(". ", 1)[1].strip()
                counts[title] = counts.get(title, 0) + 1
    return counts


def _titles(wave: str) -> list[str]:
    return [f"Nelayan {wave} nomor {i} menghadapi badai" for i in range(ARTICLES_PER_WAVE)]


def test_losing_a_node_mid_crawl_loses_nothing_and_sends_no_alert_twice(
    cluster: Cluster,
    settings: Settings,
    news_site: FixtureSite,
    smtp_server: SmtpServer,
    tmp_path: Path,
    record_property: pytest.RecordProperty,
) -> None:
    urls = cluster.urls
    news_site.set("/robots.txt", "User-agent: *\nDisallow:\n", "text/plain")
    news_site.set("/feed/", FEED, "application/rss+xml; charset=utf-8")
    settings.config.write_text(
        "sources:\n"
        f"  - {{name: kabar, feeds: ['{news_site.url('/feed/')}'], language: id, interval: 1s, min_interval: 1s,"
        " max_interval: 2s, international: {categories: [Internasional]}}\n"
        "watches:\n  - {name: nelayan, query: nelayan badai, emails: [desk@example.test]}\n",
        encoding="utf-8",
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")},
        "NEWSMON_ES_URL": ",".join(urls),
        "NEWSMON_ES_SHARDS": "2",  # primaries on both nodes, so the lost node surely held some
        "NEWSMON_INDEX_PREFIX": settings.index_prefix,
        "NEWSMON_SMTP_URL": smtp_server.url,
        "NEWSMON_CONFIG": str(settings.config),
        "NEWSMON_DATA_DIR": str(settings.data_dir),
        "NEWSMON_DOWNLOAD_TIMEOUT": "5",
    }
    es = OpenSearch(urls, timeout=30, max_retries=3, retry_on_timeout=True)
    nodes = es.cat.nodes(format="json", h="http_address,id,cluster_manager", full_id=True)
    victim, victim_id = next((f"http://{n['http_address']}", n["id"]) for n in nodes if n["cluster_manager"] != "*")

    service = Service(env, tmp_path / "run.log")
    try:
        service.wait_role("leader")
        for i, title in enumerate(_titles("pertama")):
            publish(news_site, f"pertama-{i}", title, _story(i))
        smtp_server.wait_for(1, timeout=60)  # the crawl and delivery of the first wave are under way
        shards = es.cat.shards(index=read_alias(settings), format="json", h="prirep,id")
        assert {"prirep": "p", "id": victim_id} in shards, shards  # the lost node holds articles to take over
        stopped = time.monotonic()
        cluster.stop_node(victim)
        for i, title in enumerate(_titles("kedua")):
            publish(news_site, f"kedua-{i}", title, _story(100 + i))

        expected = _titles("pertama") + _titles("kedua")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _alerted(smtp_server).keys() != set(expected):
            time.sleep(0.5)
        record_property("seconds_until_all_alerted_after_node_stop", round(time.monotonic() - stopped, 1))
        time.sleep(3)  # further polls and delivery runs: nothing more may arrive
        alerted = _alerted(smtp_server)
        assert alerted == dict.fromkeys(expected, 1), service.log.read_text()[-4000:]
        assert service.health()["search_reachable"] is True

        survivor = OpenSearch([u for u in urls if u != victim], timeout=30)
        survivor.indices.refresh(index=read_alias(settings))
        indexed = survivor.count(index=read_alias(settings))["count"]
        assert indexed == len(expected)
        assert Spool(settings.spool_dir).backlog() == 0
        record_property("articles_indexed", indexed)
        record_property("alerts_sent_once", sum(alerted.values()))

        status = subprocess.run(
            [sys.executable, "-m", "newsmon", "status"], env=env, capture_output=True, text=True, timeout=60
        )
        assert status.returncode == 0, status.stderr
        assert "search cluster: degraded (" in status.stdout
        assert f"not answering: {victim}" in status.stdout
        assert service.terminate() == 0
    finally:
        if service.process.poll() is None:
            service.kill()
