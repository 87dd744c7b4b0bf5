"""What `newsmon crawl --once` shows while it runs: on a terminal a live progress display (feeds and articles with
totals, rate, elapsed time) with log lines printed above it; through a pipe, or with --json-logs, plain lines only.

The terminal is real: the command runs on a pseudo-terminal, and what it wrote is replayed into a terminal emulator
(pyte) to read the screen a user would see."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import time

import pyte
import pytest
import yaml

from devsupport.site import FixtureSite
from devsupport.smtp import SmtpServer
from newsmon.config import Settings
from tests.test_service_e2e import FEED, PARAGRAPHS, item, page

COLUMNS, ROWS = 150, 50
PLAIN_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: .+")
FEED_ERROR = "/gone.xml failed: "  # logged for the feed that answers 404


@pytest.fixture
def crawl_env(settings: Settings, news_site: FixtureSite, smtp_server: SmtpServer) -> dict[str, str]:
    """A source with a working feed (two international items, one of them a dead link) and a feed that is gone."""
    news_site.set("/robots.txt", "User-agent: *\nDisallow:\n", "text/plain")
    news_site.set("/feed/", FEED, "application/rss+xml")
    news_site.add_rss_item("/feed/", item("nelayan-jepang", "Jepang bantu nelayan korban badai"))
    news_site.add_rss_item("/feed/", item("hilang", "Halaman yang sudah dihapus"))
    news_site.set("/internasional/nelayan-jepang/", page("Jepang bantu nelayan korban badai", PARAGRAPHS))
    feeds = [news_site.url("/feed/"), news_site.url("/gone.xml")]
    config = {"sources": [{"name": "kabar", "feeds": feeds, "international": {"categories": ["Internasional"]}}]}
    settings.config.write_text(yaml.safe_dump(config))
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSMON_", "COLUMNS", "LINES"))}
    # Whatever the outer terminal or CI set: rich must decide from the stream alone.
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CI"):
        environment.pop(name, None)
    return environment | {
        "TERM": "xterm-256color",
        "NEWSMON_ES_URL": settings.es_url,
        "NEWSMON_INDEX_PREFIX": settings.index_prefix,
        "NEWSMON_SMTP_URL": smtp_server.url,
        "NEWSMON_CONFIG": str(settings.config),
        "NEWSMON_DATA_DIR": str(settings.data_dir),
    }


def run_on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, bytes]:
    """Run newsmon with stdout and stderr on a pseudo-terminal of COLUMNS x ROWS; return its status and output."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "newsmon", *args], stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal, env=env
    )
    os.close(terminal)
    output = bytearray()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the last writer closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    return process.wait(timeout=30), bytes(output)


def screen_of(output: bytes) -> list[str]:
    screen = pyte.Screen(COLUMNS, ROWS)
    pyte.ByteStream(screen).feed(output.replace(b"\n", b"\r\n"))  # the terminal's own newline translation is off
    return [line.rstrip() for line in screen.display if line.strip()]


@pytest.mark.slow
def test_on_a_terminal_progress_shows_totals_rate_and_elapsed_with_log_lines_above(crawl_env: dict[str, str]) -> None:
    status, output = run_on_terminal(["crawl", "--once"], crawl_env)
    lines = screen_of(output)
    shown = "\n".join(lines)
    assert status == 0, shown

    feeds = [n for n, line in enumerate(lines) if re.match(r"feeds\s", line)]
    articles = [n for n, line in enumerate(lines) if re.match(r"articles\s", line)]
    assert len(feeds) == 1 and len(articles) == 1, shown  # one display, redrawn in place
    # feeds: both polled of 2 known up front, one failed; articles: 2 listed, both done (one could not be fetched)
    assert re.search(r"\s2/2\s+[\d.]+/s\s+\d:\d\d:\d\d\s+0 unchanged, 1 failed$", lines[feeds[0]]), shown
    assert re.search(r"\s2/2\s+[\d.]+/s\s+\d:\d\d:\d\d\s+0 skipped, 1 failed$", lines[articles[0]]), shown

    # Each log line on a row of its own above the display, never written into the progress rows.
    logged = [n for n, line in enumerate(lines) if FEED_ERROR in line]
    assert len(logged) == 1 and logged[0] < feeds[0], shown
    assert "ERROR" in lines[logged[0]] and "newsmon.crawler.spiders.news" in lines[logged[0]]
    assert not any("ERROR" in line or "WARNING" in line for line in lines[feeds[0] : articles[0] + 1]), shown
    assert "feeds: 2 polled, 0 unchanged, 1 failed" in shown  # the summary follows the display


@pytest.mark.slow
def test_through_a_pipe_only_plain_log_lines(crawl_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "newsmon", "crawl", "--once"], env=crawl_env, capture_output=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    stderr = result.stderr.decode()
    assert "\x1b" not in stderr and "\r" not in stderr
    assert all(PLAIN_LINE.fullmatch(line) for line in stderr.splitlines()), stderr
    assert FEED_ERROR in stderr
    assert "feeds: 2 polled, 0 unchanged, 1 failed" in result.stdout.decode()


@pytest.mark.slow
def test_json_logs_on_a_terminal_are_json_lines_without_a_display(crawl_env: dict[str, str]) -> None:
    status, output = run_on_terminal(["crawl", "--once", "--json-logs"], crawl_env)
    text = output.decode().replace("\r\n", "\n")
    assert status == 0, text
    assert "\x1b" not in text
    log_lines, summary = text.split("crawled 1 source(s)")
    records = [json.loads(line) for line in log_lines.splitlines() if line]
    assert any(FEED_ERROR in r["message"] and r["level"] == "error" for r in records), log_lines
    assert "feeds: 2 polled, 0 unchanged, 1 failed" in summary
