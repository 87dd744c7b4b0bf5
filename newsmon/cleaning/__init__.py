"""Article cleaning: pure functions from page bytes to an Article (or a Rejection). See cleaning.cleaner.clean."""

from typing import Any

from newsmon.cleaning.article import Article, Rejection

__all__ = ["Article", "Rejection", "clean"]


def __getattr__(name: str) -> Any:
    # `clean` brings in trafilatura and its parsers (~60 MB): only processes that clean pay for them, not the crawl
    # process that hands pages to the cleaning pool while it imports Article from here.
    if name == "clean":
        from newsmon.cleaning.cleaner import clean

        return clean
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
