"""Shared fixtures: a real search node (started by the test command), a real SMTP server, real fixture sites."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from devsupport import processes
from devsupport.site import FixtureSite
from devsupport.smtp import SmtpServer
from newsmon.config import Settings


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """Every process a test starts (and every process those leave orphaned) must be gone when the suite ends."""
    watching = processes.adopt_orphans()
    yield
    if watching:
        left = processes.kill_leftovers()
        assert not left, "processes left running by the tests (now killed):\n" + "\n".join(left)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the test item, so a fixture can tell at teardown that its test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def es_url() -> str:
    url = os.environ.get("NEWSMON_ES_URL")
    if not url:
        pytest.exit("NEWSMON_ES_URL is not set: run the tests with `make test`, which starts a search node", 2)
    return url


@pytest.fixture(scope="session")
def es(es_url: str) -> Iterator[OpenSearch]:
    client = OpenSearch([es_url], timeout=30)
    client.cluster.health(wait_for_status="yellow")
    yield client
    client.close()


@pytest.fixture
def index_prefix(es: OpenSearch) -> Iterator[str]:
    """A fresh prefix per test, so tests never see each other's indices; removed afterwards."""
    prefix = f"nmtest-{uuid.uuid4().hex[:10]}"
    yield prefix
    es.indices.delete(index=f"{prefix}-*", expand_wildcards="all", ignore_unavailable=True)
    for template in es.indices.get_index_template(name=f"{prefix}-*", ignore=404).get("index_templates", []):
        es.indices.delete_index_template(name=template["name"])


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def news_site() -> Iterator[FixtureSite]:
    site = FixtureSite().start()
    yield site
    site.stop()


@pytest.fixture
def settings(es_url: str, index_prefix: str, smtp_server: SmtpServer, tmp_path: Path) -> Settings:
    return Settings(
        es_url=es_url,
        index_prefix=index_prefix,
        smtp_url=smtp_server.url,
        mail_from="newsmon <alerts@newsmon.test>",
        config=tmp_path / "newsmon.yaml",
        data_dir=tmp_path / "data",
    )
