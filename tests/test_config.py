"""Settings come from NEWSMON_* variables; a bad value is one line naming the variable, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest

from newsmon.config import ConfigError, load_settings, parse_smtp_url
from newsmon.durations import format_duration, parse_duration
from newsmon.index.client import index_settings


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("NEWSMON_SMTP_URL", "ftp://mail.example.test", "scheme must be one of"),
        ("NEWSMON_ES_URL", "localhost:9200", "http:// or https://"),
        ("NEWSMON_ES_URL", "https://elastic:hunter2@search.example.test", "NEWSMON_ES_PASSWORD"),
        ("NEWSMON_ES_URL", "http://a.test:9200,https://elastic:hunter2@b.test", "NEWSMON_ES_PASSWORD"),
        ("NEWSMON_ES_URL", "http://a.test:9200,b.test:9200", "'b.test:9200'"),
        ("NEWSMON_ES_REPLICAS", "-1", "greater than or equal"),
        ("NEWSMON_INDEX_PREFIX", "Newsmon Prod", "lowercase"),
        ("NEWSMON_HTTP_PORT", "99999", "less than or equal"),
        ("NEWSMON_PUBLIC_URL", "newsmon.example.org", "http:// or https://"),
    ],
)
def test_bad_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value).startswith(f"{variable}: ")
    assert says in str(error.value)
    assert "hunter2" not in str(error.value)


def test_cli_reports_a_bad_setting_in_one_line_without_traceback() -> None:
    env = {**os.environ, "NEWSMON_SMTP_URL": "smtps://user:secret@", "NEWSMON_ES_URL": "http://127.0.0.1:1"}
    result = subprocess.run([sys.executable, "-m", "newsmon", "config"], env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "newsmon: configuration error: NEWSMON_SMTP_URL: Value error, no host"
    ]
    assert "secret" not in result.stdout + result.stderr


def test_config_command_masks_secrets() -> None:
    env = {**os.environ, "NEWSMON_SMTP_URL": "smtp+starttls://alerts:s3cret@mail.example.test:587"}
    env["NEWSMON_ES_PASSWORD"] = "es-s3cret"
    result = subprocess.run([sys.executable, "-m", "newsmon", "config"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "s3cret" not in result.stdout
    assert "smtp_url = **********" in result.stdout


def test_smtp_urls_choose_security_and_default_ports() -> None:
    assert parse_smtp_url("smtp://127.0.0.1:1025").security == "plain"
    starttls = parse_smtp_url("smtp+starttls://user%40example.test:p%40ss@mail.example.test")
    assert (starttls.security, starttls.port, starttls.username, starttls.password) == (
        "starttls",
        587,
        "user@example.test",
        "p@ss",
    )
    assert parse_smtp_url("smtps://mail.example.test").port == 465
    assert "p@ss" not in repr(starttls)


def test_durations_read_and_write_the_short_form() -> None:
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration("2h") == timedelta(hours=2)
    assert format_duration(timedelta(minutes=90)) == "90m"
    assert format_duration(timedelta(days=7)) == "1w"
    assert format_duration(timedelta(seconds=450)) == "450s"
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")


def test_empty_password_and_public_url_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    # compose passes an unset variable as "": that must not become a password everyone knows
    for name in ("NEWSMON_ADMIN_PASSWORD", "NEWSMON_PUBLIC_URL", "NEWSMON_SECRET_KEY"):
        monkeypatch.setenv(name, "")
    settings = load_settings()
    assert settings.admin_password is None and settings.public_url is None and settings.secret_key is None
    monkeypatch.setenv("NEWSMON_PUBLIC_URL", "https://news.example.org/")
    assert load_settings().public_url == "https://news.example.org"


def test_saved_file_never_carries_a_watch_id(tmp_path) -> None:
    from newsmon.alerts.model import Watch
    from newsmon.config import FileConfig, load_file, save_file

    path = tmp_path / "newsmon.yaml"
    save_file(path, FileConfig(watches=[Watch(name="Kharkiv", query="kharkiv", emails=["a@example.test"])]))
    assert "id:" not in path.read_text() and load_file(path).watches[0].name == "Kharkiv"


def test_several_search_nodes_and_replicas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSMON_ES_URL", " http://a.test:9200/ , https://b.test:9201,")
    monkeypatch.setenv("NEWSMON_ES_REPLICAS", "")  # compose passes an unset variable as empty: the default
    settings = load_settings()
    assert settings.es_urls == ["http://a.test:9200", "https://b.test:9201"]
    assert index_settings(settings) == {"number_of_shards": 1, "auto_expand_replicas": "0-1"}
    monkeypatch.setenv("NEWSMON_ES_REPLICAS", "2")
    assert index_settings(load_settings(), shards=3) == {"number_of_shards": 3, "number_of_replicas": 2}
