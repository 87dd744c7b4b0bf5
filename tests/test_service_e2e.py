"""End to end: `newsmon run` processes against the fixture news site, the real search node and the real SMTP server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from devsupport import processes
from devsupport.site import FixtureSite
from devsupport.smtp import SmtpServer, free_port
from newsmon.config import Settings

pytestmark = pytest.mark.slow  # each test crawls or serves in real newsmon processes (seconds each)

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Kabar Dunia</title><link>{BASE}/</link><description>Berita</description>
</channel></rss>"""


def item(slug: str, title: str, category: str = "Internasional") -> str:
    return (
        f"<item><title>{title}</title><link>{{BASE}}/internasional/{slug}/</link>"
        f"<category>{category}</category><guid>{{BASE}}/internasional/{slug}/</guid></item>"
    )


def page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html lang='id'><head><title>{title}</title><meta property='og:title' content='{title}'>"
        f"<meta property='article:section' content='Internasional'>"
        f"<meta property='article:published_time' content='2026-11-20T08:00:00+07:00'></head>"
        f"<body><nav><a href='/'>Beranda</a> <a href='/nasional/'>Nasional</a></nav>"
        f"<article><h1>{title}</h1><div class='entry-content'>{body}</div></article>"
        f"<aside><h3>Berita Terkait</h3><ul><li><a href='/x/'>Harga cabai naik di pasar induk</a></li></ul></aside>"
        f"</body></html>"
    )


PARAGRAPHS = [
    "Pemerintah Jepang mengumumkan paket bantuan baru untuk nelayan di wilayah utara setelah badai besar pekan lalu "
    "merusak ratusan kapal dan dermaga di sepanjang pantai.",
    "Menurut kementerian perikanan, bantuan itu mencakup pinjaman tanpa bunga dan perbaikan pelabuhan yang rusak, "
    "yang diharapkan selesai sebelum musim tangkap berikutnya dimulai.",
    "Para nelayan menyambut baik keputusan tersebut, tetapi meminta agar pencairan dana dipercepat karena banyak "
    "keluarga belum memiliki penghasilan sejak badai melanda kawasan itu.",
]


# A different story (near-duplicates of an alerted story are, rightly, not alerted again).
OTHER_PARAGRAPHS = [
    "Ribuan nelayan di Filipina tengah belum bisa melaut karena gelombang tinggi yang dibawa badai tropis masih "
    "melanda perairan Visayas hingga akhir pekan ini.",
    "Badan penanggulangan bencana setempat membuka dapur umum di tiga kota pelabuhan dan membagikan beras serta air "
    "bersih kepada keluarga yang rumahnya terendam banjir rob.",
    "Pemerintah daerah juga meminta koperasi nelayan mendata kerusakan perahu agar bantuan perbaikan dapat "
    "disalurkan tepat sasaran setelah cuaca membaik.",
]


class Service:
    """One `newsmon run` process with its own health port."""

    def __init__(self, env: dict[str, str], log: Path, lease_ttl: str = "6s") -> None:
        self.port = free_port()
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "newsmon", "run", "--tick", "1", "--lease-ttl", lease_ttl],
            env={**env, "NEWSMON_HTTP_PORT": str(self.port)},
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def health(self) -> dict:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            return json.load(error)
        except OSError:
            return {}

    def wait_role(self, role: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            document = self.health()
            if document.get("role") == role:
                return document
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            time.sleep(0.2)
        raise AssertionError(f"not {role} after {timeout} s: {self.health()}\n{self.log.read_text()[-3000:]}")

    def metrics(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=2) as response:
            return response.read().decode()

    def wait_metric(self, line: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while line not in self.metrics():
            assert time.monotonic() < deadline, f"{line!r} not in /metrics:\n{self.metrics()}"
            time.sleep(0.2)

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


@pytest.fixture
def service_env(settings: Settings, news_site: FixtureSite, smtp_server: SmtpServer, tmp_path: Path) -> dict[str, str]:
    news_site.set("/robots.txt", "User-agent: *\nDisallow:\n", "text/plain")
    news_site.set("/feed/", FEED, "application/rss+xml; charset=utf-8")
    news_site.set("/hang/feed/", "", hang=True)
    config = {
        "sources": [
            {
                "name": "kabar",
                "feeds": [news_site.url("/feed/")],
                "language": "id",
                "interval": "2s",
                "min_interval": "1s",
                "max_interval": "3s",
                "international": {"categories": ["Internasional"]},
            },
            {"name": "stuck", "feeds": [news_site.url("/hang/feed/")], "interval": "2s", "min_interval": "1s"},
        ],
        "watches": [{"name": "nelayan", "query": "nelayan badai", "emails": ["desk@example.test"]}],
    }
    settings.config.write_text(yaml.safe_dump(config), encoding="utf-8")
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")},
        "NEWSMON_ES_URL": settings.es_url,
        "NEWSMON_INDEX_PREFIX": settings.index_prefix,
        "NEWSMON_SMTP_URL": smtp_server.url,
        "NEWSMON_CONFIG": str(settings.config),
        "NEWSMON_DATA_DIR": str(settings.data_dir),
        "NEWSMON_DOWNLOAD_TIMEOUT": "5",
    }


@pytest.fixture
def services(tmp_path: Path) -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    for service in started:
        if service.process.poll() is None:
            service.kill()


def publish(site: FixtureSite, slug: str, title: str, paragraphs: list[str] = PARAGRAPHS) -> None:
    site.set(f"/internasional/{slug}/", page(title, paragraphs))
    site.add_rss_item("/feed/", item(slug, title))


def test_new_article_alerted_once_across_restart_and_next_one_still_alerted(
    service_env: dict[str, str],
    news_site: FixtureSite,
    smtp_server: SmtpServer,
    services: list[Service],
    tmp_path: Path,
) -> None:
    first = Service(service_env, tmp_path / "run1.log")
    services.append(first)
    first.wait_role("leader")
    time.sleep(3)  # the first polls see an empty feed (the stuck feed keeps hanging meanwhile)

    publish(news_site, "jepang-bantu-nelayan", "Jepang bantu nelayan korban badai")
    added = time.monotonic()
    mails = smtp_server.wait_for(1, timeout=40)
    assert len(mails) == 1, first.log.read_text()[-3000:]
    assert time.monotonic() - added < 2 + 20  # poll interval plus a few seconds (generous for 2 loaded cores)
    assert "nelayan" in mails[0]["Subject"]
    assert "Jepang bantu nelayan korban badai" in mails[0].get_body(("plain",)).get_content()
    first.wait_metric("newsmon_alerts_sent_total 1.0")  # counted once the delivery run has marked it sent
    assert "newsmon_feeds_polled_total" in first.metrics()

    assert first.terminate() == 0
    second = Service(service_env, tmp_path / "run2.log")
    services.append(second)
    second.wait_role("leader")
    time.sleep(5)  # several polls and delivery runs after the restart
    assert len(smtp_server.messages) == 1

    publish(news_site, "nelayan-filipina", "Nelayan Filipina terdampak badai yang sama", OTHER_PARAGRAPHS)
    mails = smtp_server.wait_for(2, timeout=40)
    assert len(mails) == 2
    assert "Nelayan Filipina" in mails[1].get_body(("plain",)).get_content()
    time.sleep(3)
    assert len(smtp_server.messages) == 2


def test_standby_takes_over_when_leader_is_killed(
    service_env: dict[str, str], services: list[Service], tmp_path: Path
) -> None:
    leader = Service(service_env, tmp_path / "leader.log")
    services.append(leader)
    leader.wait_role("leader")
    standby = Service(service_env, tmp_path / "standby.log")
    services.append(standby)
    assert standby.wait_role("standby")["ok"] is True
    pool = _wait_for_descendants(leader.process.pid, 3)  # the pool: resource tracker, fork server, a worker
    leader.kill()
    killed = time.monotonic()
    standby.wait_role("leader", timeout=30)
    assert time.monotonic() - killed < 6 + 10  # lease TTL plus renewal period and start-up slack
    deadline = time.monotonic() + 10
    while [pid for pid in pool if processes.alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in pool if processes.alive(pid)], "the killed leader's pool outlived it"


def _wait_for_descendants(pid: int, count: int, timeout: float = 30) -> list[int]:
    """The pids below `pid` once there are at least `count` of them."""
    deadline = time.monotonic() + timeout
    while len(found := processes.descendants(pid)) < count:
        assert time.monotonic() < deadline, f"only {found} below {pid}"
        time.sleep(0.2)
    return found
