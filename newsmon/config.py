"""One validated settings object: environment variables (NEWSMON_*) plus the YAML file of sources and watches.

Every other module takes a `Settings` (or the piece of it it needs); nothing else reads the environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import unquote, urlsplit

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from newsmon.alerts.model import Watch
from newsmon.sources.model import Source, country_code


class ConfigError(Exception):
    """A bad setting; the message is one line naming the variable or file."""


@dataclass(frozen=True)
class SmtpTarget:
    """Where alert mail goes, parsed from NEWSMON_SMTP_URL."""

    host: str
    port: int
    security: Literal["plain", "starttls", "ssl"]
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never print the password
        return f"SmtpTarget({self.security}://{self.host}:{self.port}, user={self.username!r})"


_SMTP_SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("ssl", 465)}


def parse_smtp_url(url: str) -> SmtpTarget:
    parts = urlsplit(url)
    if parts.scheme not in _SMTP_SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(_SMTP_SCHEMES)} (got {parts.scheme or 'none'!r})")
    if not parts.hostname:
        raise ValueError("no host")
    security, default_port = _SMTP_SCHEMES[parts.scheme]
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or default_port,
        security=security,  # type: ignore[arg-type]
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class Settings(BaseSettings):
    """Process-wide settings. Credentials come only from the environment and are never logged."""

    model_config = SettingsConfigDict(env_prefix="NEWSMON_", extra="ignore", validate_default=True)

    es_url: str = "http://localhost:9200"  # one node, or several nodes of one cluster, comma-separated
    es_shards: int = Field(default=1, ge=1, le=32)  # primary shards of the articles and watches indices
    es_replicas: int | None = Field(default=None, ge=0)  # unset: none on a single node, one once there are more
    es_username: str | None = None
    es_password: SecretStr | None = None
    index_prefix: str = "newsmon"
    smtp_url: SecretStr = SecretStr("smtp://localhost:1025")
    mail_from: str = "newsmon <newsmon@localhost>"
    config: Path = Path("newsmon.yaml")
    data_dir: Path = Path("data")
    user_agent: str = "newsmon/0.1 (+https://github.com/newsmon/newsmon; news monitoring crawler)"
    download_timeout: float = Field(default=20.0, gt=0)  # seconds, for every feed and page fetch
    http_port: int = Field(default=8080, ge=0, le=65535)
    # Seconds an alert claimed by a sender that stopped renewing the claim waits before another sender takes it over.
    claim_timeout: float = Field(default=900.0, gt=0)
    # The web page: unset password -> it answers loopback only; set -> login form and HTTP Basic for the API.
    admin_password: SecretStr | None = None
    public_url: str | None = None  # where users reach the page: links in alert emails, one-click pause
    secret_key: SecretStr | None = None  # signs cookies and pause links; default: a key file in data_dir
    home_country: str = "ID"  # ISO 3166-1 alpha-2: what `auto` sources count as domestic

    @field_validator("home_country")
    @classmethod
    def _check_home_country(cls, value: str) -> str:
        return country_code(value)

    # Private ranges any source may fetch from (comma-separated CIDRs); see newsmon.fetchguard.
    allow_private_networks: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(default_factory=list)

    @field_validator("es_url")
    @classmethod
    def _check_es_url(cls, value: str) -> str:
        urls = [url.strip().rstrip("/") for url in value.split(",") if url.strip()]
        if not urls:
            raise ValueError("must be an http:// or https:// URL (or several, comma-separated)")
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{url!r} is not an http:// or https:// URL")
            if parts.username or parts.password:  # the URL is logged; credentials are not
                raise ValueError("put credentials in NEWSMON_ES_USERNAME and NEWSMON_ES_PASSWORD, not in the URL")
        return ",".join(urls)

    @field_validator("es_replicas", "admin_password", "secret_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value  # compose passes unset variables as empty strings

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL, e.g. https://newsmon.example.org")
        return value.rstrip("/")

    @field_validator("allow_private_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return [ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()]
        return value

    @field_validator("index_prefix")
    @classmethod
    def _check_prefix(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,60}", value):
            raise ValueError("must be lowercase letters, digits, '-', '_' or '.', starting with a letter or digit")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: SecretStr) -> SecretStr:
        parse_smtp_url(value.get_secret_value())
        return value

    @property
    def es_urls(self) -> list[str]:
        """The search nodes to talk to; the client moves to another one when a node fails."""
        return self.es_url.split(",")

    @property
    def smtp(self) -> SmtpTarget:
        return parse_smtp_url(self.smtp_url.get_secret_value())

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"


class FileConfig(BaseModel):
    """The YAML file: the sources to poll and the watches to alert on."""

    sources: list[Source] = Field(default_factory=list)
    watches: list[Watch] = Field(default_factory=list)

    def source(self, name: str) -> Source | None:
        return next((s for s in self.sources if s.name == name), None)


def validation_message(error: ValidationError) -> str:
    """The first problem, for the person who typed the value: our validators' own sentence, else "field: problem"."""
    first = error.errors()[0]
    if first["type"] == "value_error":
        return first["msg"].removeprefix("Value error, ")
    return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"


def _one_line(error: ValidationError, prefix: str) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    name = f"{prefix}{where.upper()}" if prefix else where
    return f"{name}: {first['msg']}"


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        raise ConfigError(_one_line(error, "NEWSMON_")) from None


def load_file(path: Path) -> FileConfig:
    """Read the YAML config; a missing file is an empty config."""
    if not path.exists():
        return FileConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error.__class__.__name__})") from None
    try:
        return FileConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{path}: {_one_line(error, '')}") from None


def save_file(path: Path, config: FileConfig) -> None:
    # A watch's id is the store's business (given when it is first stored), never the file's.
    data = config.model_dump(mode="json", exclude_defaults=True, exclude={"watches": {"__all__": {"id"}}})
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    tmp.replace(path)
