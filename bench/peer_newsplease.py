"""The peer: news-please (PyPI `news-please`) crawling the same corpus with its RssCrawler and JSON output.

news-please pins older libraries than ours (python-dateutil, cssselect), so it lives in its own virtualenv,
bench/out/venv-newsplease, created here on first use. Each corpus site is one `base_urls` entry; news-please finds
the feed from the site's root page (<link type="application/rss+xml">), fetches every item and extracts it with
its default extractors (newspaper, readability, date, language), writing one JSON file per article.

Settings, chosen to match newsmon's crawl: robots.txt obeyed, no download delay (news-please has no AutoThrottle;
newsmon's is switched off in the ingest bench), 4 requests per domain, its default 5 site crawlers in parallel
(each a process of its own), HTML storage off (newsmon keeps no raw HTML), heuristics reduced to og:type (every
corpus page is an article; the default linked-headline tests would only drop some).

    .venv/bin/python -m bench.peer_newsplease
"""

from __future__ import annotations

import configparser
import json
import subprocess
import time
import venv
from pathlib import Path

from bench.corpus import ARTICLES_PER_SITE, DEFAULT_PORT, OUT, serving
from bench.harness import measured

VERSION = "1.6.16"
VENV = OUT.parent / "venv-newsplease"
RUN = OUT.parent / "newsplease-run"
# Changes to news-please's shipped config.cfg; everything else stays at its defaults.
OVERRIDES = {
    "Crawler": {
        "default": "RssCrawler",
        "fallbacks": '{"RssCrawler": None}',
        "check_certificate": "False",
    },
    "Heuristics": {"enabled_heuristics": '{"og_type": True}', "pass_heuristics_condition": '"og_type"'},
    "Files": {"relative_to_start_processes_file": "False", "working_path": "{work}"},
    "Scrapy": {
        "LOG_LEVEL": "WARNING",
        "ROBOTSTXT_OBEY": "True",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
        "DOWNLOAD_DELAY": "0",
        "ITEM_PIPELINES": "{'newsplease.pipeline.pipelines.ArticleMasterExtractor': 100, "
        "'newsplease.pipeline.pipelines.JsonFileStorage': 300}",
    },
}


def ensure_venv() -> Path:
    """bench/out/venv-newsplease with news-please installed; its python."""
    python = VENV / "bin" / "python"
    probe = [str(python), "-c", f"import importlib.metadata as m; assert m.version('news-please') == '{VERSION}'"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    venv.create(VENV, with_pip=True, clear=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", f"news-please=={VERSION}"]
    subprocess.run(pip, check=True)
    return python


def configure(python: Path, sites: list[str]) -> Path:
    """A fresh config directory and working directory for one run; returns the config directory."""
    subprocess.run(["rm", "-rf", str(RUN)], check=True)
    (RUN / "config").mkdir(parents=True)
    shipped = subprocess.run(
        [str(python), "-c", "import newsplease, pathlib; print(pathlib.Path(newsplease.__file__).parent)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    config = configparser.RawConfigParser()
    config.optionxform = str  # keep the Scrapy setting names' case
    config.read(Path(shipped) / "config" / "config.cfg", encoding="utf-8")
    for section, values in OVERRIDES.items():
        for name, value in values.items():
            config.set(section, name, value.replace("{work}", str(RUN / "work")))
    with (RUN / "config" / "config.cfg").open("w", encoding="utf-8") as file:
        config.write(file)
    sitelist = {"base_urls": [{"url": url, "crawler": "RssCrawler"} for url in sites]}
    (RUN / "config" / "sitelist.hjson").write_text(json.dumps(sitelist, indent=1), encoding="utf-8")
    return RUN / "config"


def measure(port: int = DEFAULT_PORT) -> dict[str, float]:
    python = ensure_venv()
    with serving(port) as corpus:
        config = configure(python, [site.base + "/" for site in corpus])
        started = time.perf_counter()
        run = subprocess.run(
            [str(python), "-m", "newsplease", "-c", str(config), "-no-confirm"],
            cwd=RUN,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        elapsed = time.perf_counter() - started
    # It also writes an empty {} per site; an article is a JSON file with a url.
    articles = sum(1 for file in (RUN / "work").rglob("*.json") if json.loads(file.read_text()).get("url"))
    if run.returncode != 0 or not articles:
        raise RuntimeError(f"news-please exited {run.returncode} with {articles} articles: {run.stderr[-2000:]}")
    return {"articles": articles, "expected": len(corpus) * ARTICLES_PER_SITE, "seconds": elapsed}


def main() -> None:
    figures = measured(f"peer: news-please {VERSION}", measure)
    rate = figures["articles"] / figures["seconds"]
    print(
        f"peer: news-please {VERSION} RssCrawler + JSON: {rate:.1f} articles/s "
        f"({figures['articles']:.0f} of {figures['expected']:.0f} articles in {figures['seconds']:.1f} s)"
    )


if __name__ == "__main__":
    main()
