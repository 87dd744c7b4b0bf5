"""What a source is: where its feeds are, what counts as international, and how often to poll it."""

from __future__ import annotations

import re
from datetime import timedelta

import pycountry
from pydantic import BaseModel, Field, field_validator

from newsmon.durations import Duration


def country_code(value: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased; ValueError for anything else."""
    code = value.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (ID, MY, SG, US, ...)")
    return code


class InternationalRule(BaseModel):
    """An item is international when any of these says so. With no rule at all, or with `auto`, the fetched page
    decides (newsmon.feeds.international.decide); a rule that matches still wins."""

    categories: list[str] = Field(default_factory=list)  # matched case-insensitively to the item's categories
    paths: list[str] = Field(default_factory=list)  # regexes searched in the item URL's path
    all_items: bool = False  # the feed is international-only
    auto: bool = False  # decide each page the rule does not match from its section, places and the source's history
    home_country: str | None = None  # for auto: what is domestic; None = NEWSMON_HOME_COUNTRY

    @property
    def decides_pages(self) -> bool:
        """True when pages the rule does not match are fetched and decided: `auto`, or no rule at all."""
        return self.auto or not (self.categories or self.paths or self.all_items)

    @field_validator("home_country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return country_code(value) if value else None

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
