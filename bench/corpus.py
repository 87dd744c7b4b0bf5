"""A repeatable local news corpus for the benchmarks, and a static HTTP server for it on loopback addresses.

The fixture article pages (tests/fixtures/pages, four WordPress-like themes and more) are the templates; each
generated article keeps its template's markup (menu, sidebar, related posts, share bar, comment form, cookie
banner, a "Baca juga:" line) and gets its own title, URL and body. Bodies recombine the fixture sentences with a
share of their words swapped from the fixture vocabulary (fixed seed), so pages differ enough that near-duplicate
detection keeps them apart, yet read as Indonesian to the language identifier.

Site n (1..SITES) is served at http://127.0.0.n:PORT/ -- every 127.0.0.0/8 address is loopback -- so each site has
its own root (news-please finds a site's feed from its root page) and its own Scrapy download slot, as real sites
do. Each site has a root page with <link rel="alternate" type="application/rss+xml">, /robots.txt, /feed.xml with
its ARTICLES_PER_SITE articles, and POLL_FEEDS_PER_SITE small extra feeds under /feeds/ for the poll-cycle bench.

    .venv/bin/python bench/corpus.py serve [--port 8931]   # generate into bench/out/corpus/ and serve until killed
"""

from __future__ import annotations

import argparse
import html
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent
PAGES = ROOT.parent / "tests" / "fixtures" / "pages"
OUT = ROOT / "out" / "corpus"
DEFAULT_PORT = 8931
SITES = 50
ARTICLES_PER_SITE = 40  # 50 x 40 = 2,000 article pages
POLL_FEEDS_PER_SITE = 20  # 50 x 20 = 1,000 feeds for the poll-cycle bench
POLL_FEED_ITEMS = 5
SEED = 20251126
WORD_SWAP = 0.2  # share of words replaced per sentence: a 3-word shingle survives with p = 0.8^3 ~ 0.5
# Indonesian article pages with a labelled body (expected/<name>.txt): the body's <p> run is what gets replaced.
TEMPLATES = (
    "seed-jnews",
    "seed-tagdiv",
    "seed-jannah",
    "seed-plain",
    "wire-copy-a",
    "wire-copy-b",
    "keyword-only-in-boilerplate",
    "same-topic-unrelated",
)
PUBLISHED = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")


@dataclass(frozen=True)
class Template:
    html: str  # with BODY, TITLE and PATH markers in place of the fixture's own
    name: str


@dataclass(frozen=True)
class Site:
    number: int
    port: int

    @property
    def host(self) -> str:
        return f"127.0.0.{self.number}"

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def name(self) -> str:
        return f"site{self.number:02d}"

    @property
    def feed(self) -> str:
        return f"{self.base}/feed.xml"

    @property
    def poll_feeds(self) -> list[str]:
        return [f"{self.base}/feeds/{n:02d}.xml" for n in range(POLL_FEEDS_PER_SITE)]

    @property
    def folder(self) -> Path:
        return OUT / self.name


def sites(port: int = DEFAULT_PORT) -> list[Site]:
    return [Site(n, port) for n in range(1, SITES + 1)]


def _template(name: str) -> Template:
    page = (PAGES / f"{name}.html").read_text(encoding="utf-8")
    paragraphs = (PAGES / "expected" / f"{name}.txt").read_text(encoding="utf-8").split("\n\n")
    # Normalisation only touches hyphens and spaces, so the first words of a paragraph find its <p> in the markup.
    first = page.index(paragraphs[0][:25])
    start = page.rindex("<p", 0, first)
    end = page.index("</p>", page.index(paragraphs[-1][:25])) + len("</p>")
    title = re.search(r'<meta property="og:title" content="([^"]+)"', page).group(1)
    path = re.search(r'<link rel="canonical" href="\{BASE\}([^"]+)"', page).group(1)
    page = page[:start] + "\0BODY\0" + page[end:]
    return Template(page.replace(title, "\0TITLE\0").replace(path, "\0PATH\0"), name)


def _sentences() -> list[str]:
    text = "\n\n".join((PAGES / "expected" / f"{name}.txt").read_text(encoding="utf-8") for name in TEMPLATES)
    return sorted({s.strip() for p in text.split("\n\n") for s in _SENTENCE.split(p) if len(s.split()) >= 6})


class _Writer:
    """Deterministic text: the same seed gives the same corpus on every machine and run."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.sentences = _sentences()
        self.words = sorted({w for s in self.sentences for w in s.split() if w.isalpha() and w.islower()})

    def sentence(self) -> str:
        words = self.rng.choice(self.sentences).split()
        for i in range(1, len(words)):
            if self.rng.random() < WORD_SWAP:
                words[i] = self.rng.choice(self.words)
        return " ".join(words)

    def title(self) -> str:
        words = self.sentence().rstrip(".").split()[:12]
        return " ".join(words)

    def body(self) -> list[str]:
        return [
            " ".join(self.sentence() for _ in range(self.rng.randint(2, 4))) for _ in range(self.rng.randint(8, 12))
        ]


def _article_html(template: Template, title: str, path: str, paragraphs: list[str]) -> str:
    body = "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    return template.html.replace("\0BODY\0", body).replace("\0TITLE\0", html.escape(title)).replace("\0PATH\0", path)


def _rss(site: Site, items: list[tuple[str, str, datetime]]) -> str:
    entries = "".join(
        f"<item><title>{html.escape(title)}</title><link>{site.base}{path}</link>"
        f'<guid isPermaLink="true">{site.base}{path}</guid><pubDate>{format_datetime(when)}</pubDate>'
        f"<category>Internasional</category><description>{html.escape(title)}</description></item>\n"
        for title, path, when in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{site.name}</title><link>{site.base}/</link><description>bench corpus</description>\n"
        f"{entries}</channel></rss>\n"
    )


def _root_html(site: Site, items: list[tuple[str, str, datetime]]) -> str:
    links = "".join(f'<li><a href="{site.base}{path}">{html.escape(title)}</a></li>' for title, path, _ in items)
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{site.name}</title>'
        f'<link rel="alternate" type="application/rss+xml" title="{site.name}" href="{site.feed}">'
        f"</head><body><h1>{site.name}</h1><ul>{links}</ul></body></html>\n"
    )


def generate(port: int = DEFAULT_PORT) -> list[Site]:
    """Write the corpus for sites served on port (links are absolute) into bench/out/corpus/; returns the sites."""
    shutil.rmtree(OUT, ignore_errors=True)
    templates = [_template(name) for name in TEMPLATES]
    writer = _Writer()
    corpus = sites(port)
    for site in corpus:
        items = []
        for n in range(ARTICLES_PER_SITE):
            template = templates[(site.number + n) % len(templates)]
            title = writer.title()
            slug = "-".join(re.findall(r"[a-z0-9]+", title.lower())[:8])
            path = f"/internasional/2025/06/{n % 28 + 1:02d}/{slug}-{site.number}-{n}/"
            page = site.folder / path.strip("/") / "index.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(_article_html(template, title, path, writer.body()), encoding="utf-8")
            items.append((title, path, PUBLISHED + timedelta(minutes=site.number * ARTICLES_PER_SITE + n)))
        items.reverse()  # newest first, as feeds are
        (site.folder / "feed.xml").write_text(_rss(site, items), encoding="utf-8")
        (site.folder / "index.html").write_text(_root_html(site, items), encoding="utf-8")
        (site.folder / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
        (site.folder / "feeds").mkdir()
        poll_feed = _rss(site, items[:POLL_FEED_ITEMS])  # the same few articles: the first round fetches only those
        for url in site.poll_feeds:
            (site.folder / "feeds" / url.rsplit("/", 1)[1]).write_text(poll_feed, encoding="utf-8")
    return corpus


def article_files() -> list[Path]:
    """Every generated article page (the same pages the crawlers fetch)."""
    return sorted(OUT.glob("site*/internasional/**/index.html"))


class _Quiet(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do; SimpleHTTPRequestHandler sends Content-Length

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(port: int) -> None:
    """Generate the corpus and serve site n on 127.0.0.n:port until SIGTERM/SIGINT. Answers If-Modified-Since."""
    servers = 0
    for site in generate(port):
        server = ThreadingHTTPServer((site.host, port), partial(_Quiet, directory=str(site.folder)))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers += 1
    print(f"serving {servers} sites on 127.0.0.1-{servers}:{port}", flush=True)
    # The serving threads are daemons: the process ends on SIGTERM/SIGINT without waiting for open connections.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with suppress(KeyboardInterrupt):
        threading.Event().wait()


@contextmanager
def serving(port: int = DEFAULT_PORT) -> Iterator[list[Site]]:
    """Run the corpus server in its own process (so it does not share the measured process's GIL)."""
    process = subprocess.Popen([sys.executable, __file__, "serve", "--port", str(port)], stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith(b"serving"):
            raise RuntimeError(f"corpus server did not start (exit {process.poll()})")
        corpus = sites(port)
        _wait_until_up(corpus[-1].feed)
        yield corpus
    finally:
        process.terminate()
        process.wait(10)


def _wait_until_up(url: str) -> None:
    for _ in range(100):
        try:
            with urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"corpus server does not answer {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["generate", "serve"])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.port)
    else:
        corpus = generate(args.port)
        print(f"{len(article_files())} article pages, {len(corpus)} sites in {OUT}")


if __name__ == "__main__":
    main()
