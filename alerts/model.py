"""What a watch is: a query, filters, recipients and a delivery schedule."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator

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
    max_age: timedelta | None = None  # optional: ignore articles claiming to be older than this
    created_at: datetime | None = None  # set when first stored; alerts only cover articles indexed after it

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value or len(value) > 100:
            raise ValueError("a watch name is 1 to 100 characters")
        return value

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

    @field_validator("max_age", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        from newsmon.config import parse_duration

        return parse_duration(value) if isinstance(value, str) else value
