"""Which feed entries are international news: the source's InternationalRule applied to one entry."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from newsmon.feeds.parse import FeedEntry
from newsmon.sources.model import InternationalRule


def is_international(rule: InternationalRule, entry: FeedEntry) -> bool:
    """True when the feed is international-only, a category matches (any case), or a path pattern matches."""
    if rule.all_items:
        return True
    wanted = {name.casefold() for name in rule.categories}
    if any(category.casefold() in wanted for category in entry.categories):
        return True
    path = urlsplit(entry.url).path
    return any(re.search(pattern, path, re.IGNORECASE) for pattern in rule.paths)
