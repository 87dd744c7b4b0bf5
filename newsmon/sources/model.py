"""What a source is: where its feeds are, what counts as international, and how often to poll it."""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, Field, field_validator

from newsmon.durations import Duration


class InternationalRule(BaseModel):
    """An item is international when any of these says so."""

    categories: list[str] = Field(default_factory=list)  # matched case-insensitively to the item's categories
    paths: list[str] = Field(default_factory=list)  # regexes searched in the item URL's path
    all_items: bool = False  # the feed is international-only

    @field_validator("paths")
    @classmethod
    def _compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"{pattern!r} is not a regular expression ({error})") from None
        return value


class Source(BaseModel):
    name: str
    homepage: str | None = None
    feeds: list[str] = Field(default_factory=list)
    sitemaps: list[str] = Field(default_factory=list)
    language: str | None = None  # hint: "id" or "en"; the cleaner still detects the language
    interval: Duration = timedelta(minutes=15)  # starting poll interval; adaptive polling moves it
    min_interval: Duration = timedelta(minutes=5)  # adaptive polling never polls more often than this
    max_interval: Duration = timedelta(hours=6)  # ... nor less often (failures too; only Retry-After waits longer)
    max_age: Duration | None = None  # skip feed items older than this (off by default)
    international: InternationalRule = Field(default_factory=InternationalRule)
    checked: str | None = None  # for shipped defaults: where and when the URL was checked

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,62}", value):
            raise ValueError("source names are lowercase letters, digits, '-' and '_'")
        return value
