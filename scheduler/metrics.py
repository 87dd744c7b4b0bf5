"""Prometheus metrics of the service (served on /metrics)."""

from prometheus_client import Counter, Gauge

FEEDS_POLLED = Counter("newsmon_feeds_polled_total", "Feed polls made")
FEED_ERRORS = Counter("newsmon_feed_errors_total", "Feed polls that failed")
ARTICLES_FETCHED = Counter("newsmon_articles_fetched_total", "Article pages fetched")
ARTICLES_INDEXED = Counter("newsmon_articles_indexed_total", "Articles newly indexed or materially updated")
FEED_ITEMS_SKIPPED = Counter("newsmon_feed_items_skipped_total", "Feed items that could not be read (the rest went on)")
URLS_REFUSED = Counter(
    "newsmon_urls_refused_total", "URLs the fetch guard refused (private network, search node, scheme)"
)
ARTICLES_SKIPPED = Counter("newsmon_articles_skipped_total", "Pages not indexed as articles", ["reason"])
ALERTS_SENT = Counter("newsmon_alerts_sent_total", "Alert emails accepted by the SMTP server")
ALERTS_FAILED = Counter("newsmon_alerts_failed_total", "Alert email attempts that failed (retried later)")
ALERTS_UNDELIVERABLE = Counter(
    "newsmon_alerts_undeliverable_total", "Alerts a recipient's mail server refused for good (5xx); not retried"
)
SPOOL_BACKLOG = Gauge("newsmon_spool_backlog", "Articles waiting in the on-disk spool for the search node")
POLL_LAG = Gauge("newsmon_poll_lag_seconds", "How late the most overdue feed poll is")
LEADER = Gauge("newsmon_leader", "1 while this process holds the scheduler lease")
