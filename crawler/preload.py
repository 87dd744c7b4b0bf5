"""Imported once by the fork server of the cleaning pool (crawler.run.process_pool), before any worker is forked:
what the workers run, loaded and warmed here so every worker shares these pages instead of holding its own copy."""

from __future__ import annotations

import gc
import os

from newsmon.orphans import PARENT, exit_with_parent

# First: this fork server goes when the crawl process that started it goes (crawler.run._pool names it).
exit_with_parent(int(os.environ.get(PARENT, os.getppid())))

from newsmon.cleaning import clean  # noqa: E402
from newsmon.cleaning.language import detect_language  # noqa: E402
from newsmon.feeds import parse, sitemaps  # noqa: E402, F401  (the feed parsers run in the pool too)

# Loads the language model and what trafilatura builds lazily on its first page.
detect_language("The language model is loaded once, before the workers are forked.")
clean(b"<html><body><article><p>warm</p></article></body></html>", "http://127.0.0.1/", source="preload")

# Keep the collector off these objects: walking them would write to (and so copy) every shared page in each worker.
gc.freeze()
