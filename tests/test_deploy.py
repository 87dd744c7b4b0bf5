"""Deployment: the compose file is valid and runs real newsmon commands; `crawl --once` runs a whole cycle."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml

from devsupport.site import FixtureSite
from devsupport.smtp import SmtpServer, free_port
from newsmon.cli import app
from newsmon.config import Settings
from tests.test_service_e2e import FEED, PARAGRAPHS, item, page

ROOT = Path(__file__).resolve().parent.parent


def test_compose_file_validates_with_docker_compose() -> None:
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_every_compose_service_has_a_healthcheck_and_waits_for_healthy_dependencies() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        for dependency, rule in service.get("depends_on", {}).items():
            assert rule == {"condition": "service_healthy"}, f"{name} starts before {dependency} is healthy"
    assert set(services["newsmon"]["depends_on"]) == {"search", "mailpit"}


def test_cluster_profile_makes_three_nodes_of_one_cluster_as_env_example_says() -> None:
    """The four lines .env.example tells to uncomment turn the single node into the first of three."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    cluster = lines[lines.index("#COMPOSE_PROFILES=cluster") :][:4]
    env = {**os.environ, **dict(line.lstrip("#").split("=", 1) for line in cluster)}
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    nodes = {name: s["environment"] for name, s in services.items() if name.startswith("search")}
    assert sorted(nodes) == ["search", "search-2", "search-3"]
    for name, node in nodes.items():
        assert node["node.name"] == name and node["cluster.name"] == "newsmon"
        assert node["discovery.type"] == "zen"
        assert sorted(node["discovery.seed_hosts"].split(",")) == sorted(nodes)
        assert sorted(node["cluster.initial_cluster_manager_nodes"].split(",")) == sorted(nodes)
    urls = services["newsmon"]["environment"]["NEWSMON_ES_URL"].split(",")
    assert urls == [f"http://{name}:9200" for name in nodes]


def test_every_compose_command_is_a_real_newsmon_subcommand() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    commands = [s["command"] for s in compose["services"].values() if s.get("command")]
    assert commands, "the newsmon service must say what it runs"
    known = {command.name for command in app.registered_commands} | {g.name for g in app.registered_groups}
    for command in commands:
        assert command[0] == "newsmon"
        assert command[1] in known, f"{command[1]!r} is not a newsmon command ({sorted(known)})"
        help_run = subprocess.run([sys.executable, "-m", "newsmon", *command[1:], "--help"], capture_output=True)
        assert help_run.returncode == 0, help_run.stderr


def test_make_run_mail_catcher_keeps_each_email_as_a_file(tmp_path: Path) -> None:
    maildir, port = tmp_path / "mail", free_port()
    maildir.mkdir()  # as `make run` leaves it; aiosmtpd then made no tmp/ and refused every email
    catcher = subprocess.Popen([ROOT / "dev" / "mail-catcher.sh", str(maildir), str(port)])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                smtp = smtplib.SMTP("127.0.0.1", port)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline and catcher.poll() is None, "the catcher did not start"
                time.sleep(0.2)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "newsmon@localhost", "you@example.org", "korea: 1 story"
        message.set_content("Korea Utara")
        with smtp:
            smtp.send_message(message)
    finally:
        catcher.terminate()
        catcher.wait(timeout=10)
    (kept,) = (maildir / "new").iterdir()
    assert "Subject: korea: 1 story" in kept.read_text()


@pytest.mark.slow  # crawls in a real newsmon process
def test_crawl_once_runs_a_full_cycle_and_prints_the_summary(
    settings: Settings, news_site: FixtureSite, smtp_server: SmtpServer
) -> None:
    news_site.set("/robots.txt", "User-agent: *\nDisallow:\n", "text/plain")
    news_site.set("/feed/", FEED, "application/rss+xml")
    news_site.add_rss_item("/feed/", item("nelayan-jepang", "Jepang bantu nelayan korban badai"))
    news_site.add_rss_item("/feed/", item("liga-lokal", "Hasil liga lokal", category="Olahraga"))
    news_site.set("/internasional/nelayan-jepang/", page("Jepang bantu nelayan korban badai", PARAGRAPHS))
    config = {
        "sources": [
            {"name": "kabar", "feeds": [news_site.url("/feed/")], "international": {"categories": ["Internasional"]}}
        ],
        "watches": [{"name": "nelayan", "query": "nelayan", "emails": ["desk@example.test"]}],
    }
    settings.config.write_text(yaml.safe_dump(config))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")},
        "NEWSMON_ES_URL": settings.es_url,
        "NEWSMON_INDEX_PREFIX": settings.index_prefix,
        "NEWSMON_SMTP_URL": smtp_server.url,
        "NEWSMON_CONFIG": str(settings.config),
        "NEWSMON_DATA_DIR": str(settings.data_dir),
    }
    result = subprocess.run(
        [sys.executable, "-m", "newsmon", "crawl", "--once"], env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "feeds: 1 polled, 0 unchanged, 0 failed" in result.stdout
    assert "1 not international" in result.stdout
    assert "articles: 1 fetched, 1 indexed" in result.stdout
    assert "alerts: 1 email(s) sent" in result.stdout
    assert len(smtp_server.messages) == 1


@pytest.mark.slow  # crawls in a real newsmon process
def test_crawl_once_with_unknown_source_fails_with_one_line(settings: Settings) -> None:
    env = {**os.environ, "NEWSMON_CONFIG": str(settings.config), "NEWSMON_ES_URL": settings.es_url}
    result = subprocess.run(
        [sys.executable, "-m", "newsmon", "crawl", "--once", "--source", "nope"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no source named nope" in result.stderr
