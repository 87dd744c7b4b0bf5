"""Article cleaning: pure functions from page bytes to an Article (or a Rejection). See cleaning.cleaner.clean."""

from newsmon.cleaning.article import Article, Rejection
from newsmon.cleaning.cleaner import clean

__all__ = ["Article", "Rejection", "clean"]
