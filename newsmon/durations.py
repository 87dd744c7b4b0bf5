"""Durations as people write them in the YAML file and on the command line: '90s', '15m', '2h', '7d', '1w'."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_SIZES = (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60))


def parse_duration(text: str | int | float | timedelta) -> timedelta:
    """'90s', '15m', '2h', '7d', '1w' (or a number of seconds) -> timedelta."""
    if isinstance(text, timedelta):
        return text
    if isinstance(text, int | float):
        return timedelta(seconds=text)
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like 90s, 15m, 2h, 7d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def format_duration(delta: timedelta) -> str:
    """The largest whole unit, as parse_duration reads it back: 600 s -> '10m', 450 s -> '450s'."""
    seconds = int(delta.total_seconds())
    for unit, size in _SIZES:
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _read(value: object) -> object:
    # ISO 8601 ("PT15M") is left to pydantic, so files written by older versions still load.
    return parse_duration(value) if isinstance(value, str) and not value.startswith("P") else value


# A model field that reads '15m' and writes '15m' back (not ISO 8601) when dumped for the YAML file or JSON.
Duration = Annotated[timedelta, BeforeValidator(_read), PlainSerializer(format_duration, when_used="json-unless-none")]
