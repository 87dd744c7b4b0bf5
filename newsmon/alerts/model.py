"""What a watch is: a query, filters, recipients and a delivery schedule."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator, model_validator

from newsmon.durations import Duration

_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


class Watch(BaseModel):
    name: str
    query: str
    emails: list[str]
    mode: Literal["immediate", "hourly", "daily"] = "immediate"
    at: time = time(8, 0)  # daily digests: local time of delivery
    tz: str = "UTC"
    languages: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)
    enabled: bool = True
    max_age: Duration | None = None  # optional: ignore articles claiming to be older than this
    created_at: datetime | None = None  # set when first stored; alerts only cover articles indexed after it
    # Set when first stored, never reused: the alert ledger keys records by it, not by the name. Watches stored
    # before ids existed keep the id their records were keyed by (the hash of the name).
    id: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value or len(value) > 100:
            raise ValueError("a watch name is 1 to 100 characters")
        return value

    @model_validator(mode="after")
    def _legacy_id(self) -> Watch:
        if not self.id:
            self.id = watch_id(self.name)
        return self

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("a watch needs at least one email address")
        for address in value:
            if not _EMAIL.match(address):
                raise ValueError(f"{address!r} is not an email address")
        return value

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    def accepts(self, language: str, source: str, section: str | None) -> bool:
        """The watch's filters (empty means any); sections compare case-insensitively."""
        if self.languages and language not in self.languages:
            return False
        if self.sources and source not in self.sources:
            return False
        wanted = {s.casefold() for s in self.sections}
        return not wanted or (section or "").casefold() in wanted

    def matching_key(self) -> tuple[object, ...]:
        """What decides which articles match: when it changes, older articles must not be alerted on."""
        return (self.query, sorted(self.languages), sorted(self.sources), sorted(s.casefold() for s in self.sections))

    def delivery_due(self, matched_at: datetime) -> datetime:
        """When a match recorded at `matched_at` is due: now, at the next full hour, or the next `at` in `tz`."""
        if self.mode == "immediate":
            return matched_at
        local = matched_at.astimezone(ZoneInfo(self.tz))
        if self.mode == "hourly":
            slot = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        else:
            slot = datetime.combine(local.date(), self.at, tzinfo=local.tzinfo)
            if slot <= local:
                slot = datetime.combine(local.date() + timedelta(days=1), self.at, tzinfo=local.tzinfo)
        return slot.astimezone(UTC)


def watch_id(name: str) -> str:
    """The document id of a watch: names are unique regardless of case."""
    return hashlib.sha256(name.strip().casefold().encode("utf-8")).hexdigest()[:24]


class AlertItem(BaseModel):
    """One article in an alert: what the email shows for it."""

    article_id: str
    url: str
    title: str
    source: str
    outlets: list[str] = Field(default_factory=list)
    published_at: datetime | None = None
    language: str = ""
    snippet: str = ""  # with HIGHLIGHT_START/HIGHLIGHT_END around the matched terms


# Private-use characters mark highlighted terms in stored snippets, so escaping for HTML stays the renderer's job.
HIGHLIGHT_START, HIGHLIGHT_END = "\ue000", "\ue001"
