"""Alert latency: seconds from an article appearing in a feed to its alert email arriving at the SMTP server, p50 and
p95 over many articles, with 1, 100 and 10,000 watches registered.

`newsmon run --tick 1` runs as a subprocess against a fixture news site and an aiosmtpd server on 127.0.0.1 (the
test suite's own). Its one source polls every 5 s at most (interval 5 s, min_interval 2 s, max_interval 5 s). One
watch matches every published article; the others are phrase watches over the corpus vocabulary that match none
of them, as most watches of a real installation miss most articles. The articles are corpus pages (realistic size
and markup), each a different story, published one at a time at a random point of the poll cycle.

    NEWSMON_ES_URL=http://127.0.0.1:9251 .venv/bin/python -m bench.latency [--watches 1 100 10000] [--articles 20]
"""

from __future__ import annotations

import argparse
import html
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml
from pydantic import SecretStr

from bench.corpus import SEED, article_files, generate
from bench.harness import bench_settings, env
from bench.percolate import queries
from devsupport.site import FixtureSite
from devsupport.smtp import SmtpServer, free_port
from newsmon.config import Settings

INTERVAL, MIN_INTERVAL = 5, 2  # seconds; the aim is p95 <= INTERVAL + 5
MARKER = "Kapal selam"  # starts every published title; the one matching watch asks for this phrase
RECIPIENT = "desk@newsmon.test"
FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Latensi</title><link>{BASE}/</link>'
    "<description>bench</description></channel></rss>"
)


class Article:
    """A corpus page re-titled so the matching watch finds it, and its feed item."""

    def __init__(self, page: Path, number: int) -> None:
        text = page.read_text(encoding="utf-8")
        original = html.unescape(re.search(r'<meta property="og:title" content="([^"]+)"', text).group(1))
        self.title = f"{MARKER} {number}: {original}"
        self.path = f"/internasional/latensi-{number}/"
        self.html = text.replace(html.escape(original), html.escape(self.title))
        self.words = " ".join(re.findall(r"\w+", html.unescape(re.sub(r"<[^>]+>", " ", self.html)).lower()))

    def item(self, base: str) -> str:
        return (
            f"<item><title>{html.escape(self.title)}</title><link>{base}{self.path}</link>"
            f"<guid>{base}{self.path}</guid><category>Internasional</category></item>"
        )


def non_matching(count: int, articles: list[Article]) -> list[str]:
    """`count` search-box queries of the percolation bench's kind that match none of the articles."""
    text = " ".join(f" {a.words} " for a in articles)
    vocabulary = sorted({w for a in articles for w in a.words.split() if w.isalpha() and len(w) > 3})
    found: list[str] = []
    if count == 0:
        return found
    for candidate in queries(count * 2, vocabulary):
        if not any(f" {phrase} " in text for phrase in re.findall(r'"([^"]+)"', candidate)):
            found.append(candidate)
            if len(found) == count:
                return found
    raise RuntimeError(f"only {len(found)} of {count} generated watches match no article")


def register(settings: Settings, count: int, articles: list[Article]) -> None:
    from newsmon.alerts import store
    from newsmon.alerts.model import Watch
    from newsmon.index.client import make_client

    client = make_client(settings, timeout=120)
    try:
        store.ensure(client, settings)
        watches = [Watch(name="kapal-selam", query=f'"{MARKER.lower()}"', emails=[RECIPIENT])]
        watches += [
            Watch(name=f"w{n:06d}", query=query, emails=["other@newsmon.test"])
            for n, query in enumerate(non_matching(count - 1, articles))
        ]
        store.WatchStore(client, settings).add_many(watches)
    finally:
        client.close()


def write_config(settings: Settings, site: FixtureSite) -> None:
    source = {
        "name": "latensi",
        "feeds": [site.url("/feed/")],
        "language": "id",
        "interval": f"{INTERVAL}s",
        "min_interval": f"{MIN_INTERVAL}s",
        "max_interval": f"{INTERVAL}s",
        "international": {"all_items": True},
    }
    settings.config.write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")


def wait_for_mail(smtp: SmtpServer, title: str, timeout: float) -> float | None:
    """time.monotonic() when the alert for `title` had arrived (checked every 50 ms), or None after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in list(smtp.messages):
            if RECIPIENT in message["X-Envelope-To"] and title in message.get_body(("plain",)).get_content():
                return time.monotonic()
        time.sleep(0.05)
    return None


def measure(watch_count: int, pages: list[Path], log: Path) -> dict[str, float]:
    articles = [Article(page, n) for n, page in enumerate(pages, start=1)]
    rng = random.Random(SEED)
    site, smtp = FixtureSite().start(), SmtpServer().start()
    try:
        with bench_settings() as settings:
            settings = settings.model_copy(update={"smtp_url": SecretStr(smtp.url)})
            site.set("/robots.txt", "User-agent: *\nDisallow:\n", "text/plain")
            site.set("/feed/", FEED, "application/rss+xml; charset=utf-8")
            write_config(settings, site)
            register(settings, watch_count, articles)
            service = subprocess.Popen(
                [sys.executable, "-m", "newsmon", "run", "--tick", "1"],
                env={**env(settings), "NEWSMON_HTTP_PORT": str(free_port())},
                stdout=log.open("ab"),
                stderr=subprocess.STDOUT,
            )
            try:
                return _publish_all(site, smtp, articles, rng, service)
            finally:
                service.send_signal(signal.SIGTERM)
                service.wait(timeout=60)
    finally:
        smtp.stop()
        site.stop()


def _publish_all(
    site: FixtureSite, smtp: SmtpServer, articles: list[Article], rng: random.Random, service: subprocess.Popen
) -> dict[str, float]:
    deadline = time.monotonic() + 120
    while not site.requested("/feed/"):  # the service is up and has polled the (empty) feed once
        if service.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("newsmon run did not poll the feed; see bench/out/latency-run.log")
        time.sleep(0.2)
    latencies, missed = [], 0
    for article in articles:
        time.sleep(rng.uniform(0, INTERVAL))  # a random point of the poll cycle
        site.set(article.path, article.html)
        site.add_rss_item("/feed/", article.item(site.base))
        published = time.monotonic()
        arrived = wait_for_mail(smtp, article.title, timeout=INTERVAL + 60)
        if arrived is None:
            missed += 1
        else:
            latencies.append(arrived - published)
    if len(latencies) < 2:
        raise RuntimeError(f"only {len(latencies)} of {len(articles)} alerts arrived; see bench/out/latency-run.log")
    cuts = statistics.quantiles(latencies, n=20, method="inclusive")
    return {"p50": statistics.median(latencies), "p95": cuts[18], "max": max(latencies), "missed": missed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--watches", type=int, nargs="+", default=[1, 100, 10_000])
    parser.add_argument("--articles", type=int, default=20)
    args = parser.parse_args()
    files = article_files() or (generate() and article_files())
    step = len(files) // args.articles  # pages from across the corpus: different stories, different templates
    pages = files[::step][: args.articles]
    log = Path(__file__).parent / "out" / "latency-run.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    for count in args.watches:
        try:
            figures = measure(count, pages, log)
        except (RuntimeError, subprocess.SubprocessError, OSError) as error:
            print(f"alert latency: not measured with {count:,} watches: {error}")
            continue
        print(
            f"alert latency: p50 {figures['p50']:.1f} s, p95 {figures['p95']:.1f} s with {count:,} watches "
            f"(max {figures['max']:.1f} s; {len(pages) - figures['missed']:.0f} of {len(pages)} alerts arrived; "
            f"poll interval {INTERVAL} s, min {MIN_INTERVAL} s; feed -> email)"
        )


if __name__ == "__main__":
    main()
