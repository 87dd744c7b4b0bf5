"""Adding, removing and listing sources in the YAML config file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from newsmon.config import load_file, save_file, validation_message
from newsmon.sources.model import Source

DEFAULTS = Path(__file__).with_name("defaults.yaml")


class SourceExists(ValueError):
    """A source with this name is already configured."""


class SourceError(ValueError):
    """Fields that do not make a source; the message is for the person who typed them."""


def make_source(fields: dict[str, Any]) -> Source:
    """A Source from fields typed by a person (page form, API body); SourceError says what is wrong."""
    try:
        source = Source.model_validate(fields)
    except ValidationError as error:
        raise SourceError(validation_message(error)) from None
    return source


def list_sources(path: Path) -> list[Source]:
    return load_file(path).sources


def add_source(path: Path, source: Source) -> None:
    config = load_file(path)
    if config.source(source.name):
        raise SourceExists(f"a source named {source.name!r} already exists in {path}")
    config.sources.append(source)
    save_file(path, config)


def remove_source(path: Path, name: str) -> bool:
    """Remove the named source; False when there was none."""
    config = load_file(path)
    kept = [s for s in config.sources if s.name != name]
    if len(kept) == len(config.sources):
        return False
    config.sources = kept
    save_file(path, config)
    return True


def default_sources() -> list[Source]:
    """The shipped list of well-known international news feeds."""
    data = yaml.safe_load(DEFAULTS.read_text(encoding="utf-8"))
    return [Source.model_validate(entry) for entry in data["sources"]]


def add_defaults(path: Path) -> list[str]:
    """Add every shipped source not configured yet (by name); returns the names added."""
    config = load_file(path)
    added = [s for s in default_sources() if not config.source(s.name)]
    config.sources.extend(added)
    save_file(path, config)
    return [s.name for s in added]
