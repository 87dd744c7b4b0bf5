"""What a source is: where its feeds are, what counts as international, and how often to poll it."""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, Field, field_serializer, field_validator


def format_duration(delta: timedelta) -> str:
    """The largest whole unit, as newsmon.config.parse_duration reads it back: 600 s -> '10m', 450 s -> '450s'."""
    seconds = int(delta.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class InternationalRule(BaseModel):
    """An item is international when any of these says so."""

    categories: list[str] = Field(default_factory=list)  # matched case-insensitively to the item's categories
    paths: list[str] = Field(default_factory=list)  # regexes searched in the item URL's path
    all_items: bool = False  # the feed is international-only

    @field_validator("paths")
    @classmethod
    def _compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            re.compile(pattern)
        return value


class Source(BaseModel):
    name: str
    homepage: str | None = None
    feeds: list[str] = Field(default_factory=list)
    sitemaps: list[str] = Field(default_factory=list)
    language: str | None = None  # hint: "id" or "en"; the cleaner still detects the language
    interval: timedelta = timedelta(minutes=15)  # starting poll interval; adaptive polling moves it
    min_interval: timedelta = timedelta(minutes=5)  # adaptive polling never polls more often than this
    max_interval: timedelta = timedelta(hours=6)  # ... nor less often (failures too; only Retry-After waits longer)
    max_age: timedelta | None = None  # skip feed items older than this (off by default)
    international: InternationalRule = Field(default_factory=InternationalRule)
    checked: str | None = None  # for shipped defaults: where and when the URL was checked

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,62}", value):
            raise ValueError("source names are lowercase letters, digits, '-' and '_'")
        return value

    @field_validator("interval", "min_interval", "max_interval", "max_age", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        from newsmon.config import parse_duration

        return parse_duration(value) if isinstance(value, str) else value

    @field_serializer("interval", "min_interval", "max_interval", "max_age", when_used="json-unless-none")
    def _write_duration(self, value: timedelta) -> str:
        return format_duration(value)  # the YAML file keeps "15m", not ISO 8601 "PT15M"
