"""Scrapy settings for newsmon: the one place for politeness, limits and the pipeline order.

Per-run values (the newsmon Settings object, user agent) are added by crawler.run.scrapy_settings().
"""

BOT_NAME = "newsmon"
SPIDER_MODULES = ["newsmon.crawler.spiders"]
NEWSPIDER_MODULE = "newsmon.crawler.spiders"

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Politeness: robots.txt for feeds and articles alike, a per-domain cap, and AutoThrottle on top.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Scrapy starts this many tasks for every response's output; an article response yields one item, so the default
# (100) mostly costs task churn on the reactor thread (measured with py-spy on the ingest benchmark).
CONCURRENT_ITEMS = 16
# Bytes of responses being parsed at once before the engine stops taking requests from the scheduler (Scrapy's
# default is 5 MB). The cleaning pool works on a few pages at a time; with the default, ~400 downloaded pages
# waited for it in the ingest benchmark, 23 MiB more in the crawl process at the same speed (bench/README.md).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Limits: a feed over 5 MB is dropped while downloading (and logged with its URL), an article page over
# cleaning.gate.MAX_PAGE_BYTES (3 MB, set per request by the spider) too; nothing waits forever.
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_TIMEOUT = 20
DNS_TIMEOUT = 10
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]  # not 429: RetryAfterMiddleware and the feed state
RETRY_AFTER_MAX_WAIT = 30  # seconds a crawl waits for a host that sent 429 / Retry-After; longer: next poll

# The fetch guard checks every request (redirects and robots.txt included) before RobotsTxtMiddleware (100) asks
# a host for its robots.txt; conditional GET for feeds (ETag / Last-Modified from the stored feed state).
DOWNLOADER_MIDDLEWARES = {
    "newsmon.crawler.middlewares.FetchGuardMiddleware": 90,
    "newsmon.crawler.middlewares.RetryAfterMiddleware": 95,
    "newsmon.crawler.middlewares.FeedValidatorsMiddleware": 550,
}

# A `newsmon run` that no longer leads sends nothing.
DOWNLOAD_HANDLERS = {
    "http": "newsmon.crawler.middlewares.LeaderOnlyDownloadHandler",
    "https": "newsmon.crawler.middlewares.LeaderOnlyDownloadHandler",
}

# http_proxy / https_proxy / no_proxy from the environment.
HTTPPROXY_ENABLED = True

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"

# Items go through these in order: dedupe (story clusters) -> index (bulk + spool) -> match (percolate, ledger).
ITEM_PIPELINES = {
    "newsmon.crawler.pipelines.dedupe.DedupePipeline": 100,
    "newsmon.crawler.pipelines.indexing.IndexPipeline": 200,
    "newsmon.crawler.pipelines.matching.MatchPipeline": 300,
}
