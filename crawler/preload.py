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

# Loads the language model and what trafilatura builds lazily on its first page: a page too thin to keep (the
# recall retry and the rejection) and one kept as an article, whose MinHash signature imports datasketch and scipy
# (~45 MiB each worker would otherwise import for itself on its first article).
detect_language("The language model is loaded once, before the workers are forked.")
clean(b"<html><body><article><p>warm</p></article></body></html>", "http://127.0.0.1/", source="preload")
_PARAGRAPHS = "".join(
    f"<p>Paragraph {n} of the warm-up article: the cleaning code reads its text, finds its language and signs it, "
    "so that every library a real page needs is loaded before the workers are forked.</p>"
    for n in range(4)
)
_ARTICLE = (
    f"<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>{_PARAGRAPHS}</article></body></html>"
)
clean(_ARTICLE.encode(), "http://127.0.0.1/warm-up", source="preload")

# Keep the collector off these objects: walking them would write to (and so copy) every shared page in each worker.
gc.freeze()
