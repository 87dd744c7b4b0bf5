"""The web page in real headless Chromium (Selenium + Debian's chromium-driver) against a real `newsmon run`, the
real search node, a real SMTP server and a fixture news site: what a user does, start to finish."""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from newsmon.config import Settings
from tests.support.site import FixtureSite
from tests.support.smtp import SmtpServer, free_port
from tests.test_service_e2e import OTHER_PARAGRAPHS, PARAGRAPHS

pytestmark = pytest.mark.slow

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PASSWORD = "page-test-password"
ARTIFACTS = Path(os.environ.get("NEWSMON_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / ".test-artifacts"))
HOSTILE = "Badai <script>window.pwned = 1</script> landa nelayan Filipina"


def rss(items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f"<item><title>{html.escape(title)}</title><link>{{BASE}}{path}</link><guid>{{BASE}}{path}</guid>"
        f"<category>Internasional</category></item>"
        for path, title in items
    )
    channel = f"<channel><title>Kabar</title>{entries}</channel>"
    return f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'>{channel}</rss>"


def article_page(title: str, paragraphs: list[str]) -> str:
    text, body = html.escape(title), "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html lang='id'><head><title>{text}</title><meta property='og:title' content='{text}'>"
        f"<meta property='article:published_time' content='2026-11-30T08:00:00+07:00'></head>"
        f"<body><article><h1>{text}</h1><div class='entry-content'>{body}</div></article></body></html>"
    )


@pytest.fixture
def site(news_site: FixtureSite) -> FixtureSite:
    news_site.set("/robots.txt", "User-agent: *\nDisallow:\n", "text/plain")
    news_site.set("/", "<html><head><link rel='alternate' type='application/rss+xml' href='/feed/'></head></html>")
    news_site.set("/feed/", rss([("/internasional/jepang/", "Jepang bantu nelayan korban badai")]))
    news_site.set("/internasional/jepang/", article_page("Jepang bantu nelayan korban badai", PARAGRAPHS))
    news_site.set("/wire/feed.xml", rss([("/wire/filipina/", HOSTILE)]))
    news_site.set("/wire/filipina/", article_page(HOSTILE, OTHER_PARAGRAPHS))
    return news_site


@pytest.fixture
def service(settings: Settings, smtp_server: SmtpServer, tmp_path: Path) -> Iterator[str]:
    """`newsmon run` with a password and a public URL; yields the page's address."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")} | {
        "NEWSMON_ES_URL": settings.es_url,
        "NEWSMON_INDEX_PREFIX": settings.index_prefix,
        "NEWSMON_SMTP_URL": smtp_server.url,
        "NEWSMON_CONFIG": str(settings.config),
        "NEWSMON_DATA_DIR": str(settings.data_dir),
        "NEWSMON_HTTP_PORT": str(port),
        "NEWSMON_ADMIN_PASSWORD": PASSWORD,
        "NEWSMON_PUBLIC_URL": base,
        "NEWSMON_DOWNLOAD_TIMEOUT": "5",
    }
    log = tmp_path / "run.log"
    command = [sys.executable, "-m", "newsmon", "run", "--tick", "1", "--lease-ttl", "6s"]
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while b'"role":"leader"' not in _get(f"{base}/healthz"):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=60)
        if os.environ.get("NEWSMON_TEST_SHOW_LOG"):
            print(log.read_text())


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read()
    except OSError:
        return b""


@pytest.fixture
def browser(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[WebDriver]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail("chromium and chromium-driver are not installed (`make test` installs them with apt)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium'}",
        "--window-size=1200,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=DriverService(CHROMEDRIVER))
    driver.implicitly_wait(10)  # a lookup right after a click waits for the next page
    yield driver
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"{request.node.name}.png"
        driver.save_screenshot(str(shot))
        print(f"screenshot of the failing page ({driver.current_url}): {shot}")
    driver.quit()


def wait_for(condition: Callable[[], Any], timeout: float = 30, every: float = 0.3, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        assert time.monotonic() < deadline, f"gave up waiting for {what or condition}"
        time.sleep(every)


def find(driver: WebDriver, css: str) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, css)


def fill(driver: WebDriver, css: str, text: str) -> None:
    field = find(driver, css)
    field.clear()
    field.send_keys(text)


def test_a_user_adds_a_source_watches_a_search_and_gets_the_alert(
    browser: WebDriver, service: str, site: FixtureSite, smtp_server: SmtpServer
) -> None:
    # Log in: every page asks for the password first.
    browser.get(service + "/sources")
    assert browser.current_url.startswith(service + "/login")
    browser.switch_to.active_element.send_keys(PASSWORD + Keys.ENTER)  # keyboard only: the field has the focus
    wait_for(lambda: browser.current_url == service + "/sources", what="the sources page after login")

    # Add a source from its homepage: the feed it announces is shown before saving.
    fill(browser, "#name", "kabar")
    fill(browser, "#url", site.url("/"))
    fill(browser, "#categories", "Internasional")
    find(browser, "form[action='/sources/find'] button").click()
    found = [e.get_attribute("value") for e in browser.find_elements(By.CSS_SELECTOR, "input[name=feeds]")]
    assert found == [site.url("/feed/")]
    find(browser, "form[action='/sources/add'] button[type=submit]").click()
    assert find(browser, "#kabar h2").text == "kabar"

    # Search (the service crawls the new source at once) and make a watch of the query.
    def search_hits() -> list[WebElement]:
        browser.get(service + "/search?q=nelayan&since=")
        return browser.find_elements(By.CSS_SELECTOR, ".result")

    hits = wait_for(search_hits, timeout=60, every=1, what="the first source's article in the search")
    assert "Jepang bantu nelayan korban badai" in hits[0].text
    assert find(browser, ".result mark").text.lower() == "nelayan"
    find(browser, "#watch-this").click()

    # The form opens with the query and its preview of the last 7 days; typing a bad query shows the parser's error.
    assert find(browser, "#query").get_attribute("value") == "nelayan"
    assert "Jepang bantu nelayan korban badai" in find(browser, "#preview").text
    find(browser, "#query").send_keys(" (")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#query-error"), what="the live preview's error")
    assert "parentheses" in find(browser, "#query-error").text
    fill(browser, "#query", "nelayan")
    fill(browser, "#name", "Nelayan")
    fill(browser, "#emails", "desk@example.test")
    find(browser, "button[value=save]").click()
    wait_for(lambda: browser.current_url == service + "/watches/Nelayan", what="the new watch's page")

    # A second source (a feed URL) brings a new story with a hostile title: the alert is mailed and listed as sent.
    browser.get(service + "/sources")
    fill(browser, "#name", "wire")
    fill(browser, "#url", site.url("/wire/feed.xml"))
    find(browser, "input[name=all_international]").click()
    find(browser, "form[action='/sources/find'] button").click()
    find(browser, "form[action='/sources/add'] button[type=submit]").click()
    mails = smtp_server.wait_for(1, timeout=60)
    assert len(mails) == 1 and mails[0]["X-Newsmon-Watch"] == "Nelayan"
    text = mails[0].get_body(("plain",)).get_content()
    assert HOSTILE in text and f"{service}/articles/" in text
    assert mails[0]["List-Unsubscribe"].startswith(f"<{service}/pause/")

    def history() -> str:
        browser.get(service + "/watches/Nelayan")
        return find(browser, "table").text

    assert HOSTILE in wait_for(lambda: "sent" in history() and history(), what="the sent alert in the history")
    assert browser.execute_script("return window.pwned === undefined")  # shown as text, never run

    # The email's article link opens the clean text; the title is text there too.
    link = next(line.split(": ", 1)[1] for line in text.splitlines() if "/articles/" in line)
    browser.get(link.strip())
    assert find(browser, "h1").text == HOSTILE
    assert "Ribuan nelayan di Filipina" in find(browser, "article").text
    assert browser.execute_script("return window.pwned === undefined")

    browser.get(service + "/")
    assert "kabar" in find(browser, "main").text and "Nelayan" in find(browser, "main").text
    if os.environ.get("NEWSMON_SCREENSHOT"):  # README picture: NEWSMON_SCREENSHOT=docs/screenshot.png
        browser.save_screenshot(os.environ["NEWSMON_SCREENSHOT"])
    browser.set_window_size(390, 844)  # phone width: wide tables scroll inside their box, the page does not
    for path in ("/", "/watches/Nelayan", "/sources", "/search?q=nelayan"):
        browser.get(service + path)
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"), path
