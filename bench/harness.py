"""What the newsmon benchmarks share: settings on a fresh index prefix, its clean-up, and peak-RSS sampling."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.corpus import Site
from newsmon.config import Settings
from newsmon.sources.model import InternationalRule, Source

ES_URL = os.environ.get("NEWSMON_ES_URL", "http://127.0.0.1:9251")
# The bench's crawl settings, the same for every figure: no AutoThrottle (the corpus server answers at once and
# news-please has none), everything else at newsmon's defaults (robots.txt, 4 requests per domain).
CRAWL_OVERRIDES = {"AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"}


@contextmanager
def bench_settings() -> Iterator[Settings]:
    """Settings on a fresh index prefix and a temporary data dir; the prefix's indices and templates go afterwards."""
    with tempfile.TemporaryDirectory(prefix="newsmon-bench-") as tmp:
        settings = Settings(
            es_url=ES_URL,
            index_prefix=f"nmbench-{uuid.uuid4().hex[:10]}",
            config=Path(tmp) / "newsmon.yaml",
            data_dir=Path(tmp) / "data",
        )
        try:
            yield settings
        finally:
            _drop_prefix(settings)


def _drop_prefix(settings: Settings) -> None:
    from newsmon.index.client import make_client

    client = make_client(settings, timeout=60)
    try:
        client.indices.delete(index=f"{settings.index_prefix}-*", expand_wildcards="all", ignore_unavailable=True)
        templates = client.indices.get_index_template(name=f"{settings.index_prefix}-*", ignore=404)
        for template in templates.get("index_templates", []):
            client.indices.delete_index_template(name=template["name"])
    finally:
        client.close()


def env(settings: Settings) -> dict[str, str]:
    """The environment a newsmon subprocess reads these settings from."""
    return {
        **os.environ,
        "NEWSMON_ES_URL": settings.es_url,
        "NEWSMON_INDEX_PREFIX": settings.index_prefix,
        "NEWSMON_CONFIG": str(settings.config),
        "NEWSMON_DATA_DIR": str(settings.data_dir),
        "NEWSMON_SMTP_URL": settings.smtp_url.get_secret_value(),
    }


def corpus_sources(sites: list[Site], *, poll_feeds: bool = False) -> list[Source]:
    """One international-only source per corpus site: its main feed, or its small poll-cycle feeds."""
    rule = InternationalRule(all_items=True)
    return [
        Source(name=site.name, feeds=site.poll_feeds if poll_feeds else [site.feed], international=rule)
        for site in sites
    ]


def _tree(pid: int) -> list[int]:
    """A process and all its descendants (pool workers, the fork server), from /proc."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue  # the process ended between two reads
    return found


def _tree_memory(root: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes summed over the tree. PSS counts a page shared by n processes as 1/n in each, so the sum
    is what the tree really occupies; RSS counts shared pages (libraries, pages forked from a preloaded parent) in
    every process that maps them."""
    rss = pss = 0
    for pid in _tree(root):
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in rollup.splitlines()[1:]}
        rss, pss = rss + fields.get("Rss", 0), pss + fields.get("Pss", 0)
    return rss, pss


class PeakMemory:
    """Samples a process tree's total RSS and PSS every 0.1 s while it runs; .rss and .pss are the peaks in bytes."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.rss = self.pss = 0
        self._process = process
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while self._process.poll() is None:
            rss, pss = _tree_memory(self._process.pid)
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
            threading.Event().wait(0.1)

    def join(self) -> PeakMemory:
        self._thread.join()
        return self


def measured(label: str, measure: Callable[[], dict[str, float]]) -> dict[str, float]:
    """measure()'s figures; if it fails, print why under label (never a made-up number) and exit 1."""
    try:
        return measure()
    except (RuntimeError, subprocess.SubprocessError, OSError) as error:
        print(f"{label}: not measured: {error}")
        sys.exit(1)


def run_crawls(settings: Settings, port: int, feeds: str, rounds: int = 1) -> tuple[list[dict], PeakMemory]:
    """bench.crawl_child in a subprocess: per-round seconds and CrawlReport, and the peak RSS and PSS of the
    crawl process with its pool workers."""
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.crawl_child", str(port), feeds, str(rounds)],
        env=env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    memory = PeakMemory(child)
    out, err = child.communicate(timeout=3600)
    peak = memory.join()
    if child.returncode != 0:
        raise RuntimeError(f"crawl exited {child.returncode}: {err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1]), peak
