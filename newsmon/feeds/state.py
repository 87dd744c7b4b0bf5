"""What newsmon remembers about each feed between polls, and when to poll it next (and why).

Plain data: the crawler updates it, index.feedstate stores it in the search node, `newsmon source list` shows it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any

from newsmon.durations import format_duration
from newsmon.sources.model import Source

MAX_SECTIONS = 200  # section keys kept per feed: URL directories can be many


def merged_history(states: list[FeedState]) -> dict[str, tuple[int, int]]:
    """Section -> (international, total) decisions over several feeds (a source's)."""
    merged: dict[str, tuple[int, int]] = {}
    for state in states:
        for key, (international, total) in state.sections.items():
            before = merged.get(key, (0, 0))
            merged[key] = (before[0] + international, before[1] + total)
    return merged


@dataclass(frozen=True)
class PollOutcome:
    """What one poll of a feed showed, as far as scheduling the next one is concerned."""

    new_items: int = 0
    error: str | None = None
    ttl: timedelta | None = None  # the feed's <ttl>
    retry_after: timedelta | None = None  # the server's Retry-After
    rate_limited: bool = False  # HTTP 429


@dataclass(frozen=True)
class NextPoll:
    interval: timedelta  # the adaptive interval carried to the next poll
    wait: timedelta  # how long until the next poll (the interval, or longer after failures / when asked)
    reason: str


def plan_next_poll(current: timedelta, outcome: PollOutcome, source: Source, consecutive_errors: int = 0) -> NextPoll:
    """Rarely-new feeds drift towards source.max_interval, often-new ones towards min_interval; failures back off.

    `consecutive_errors` counts this failure too. The server's Retry-After is obeyed even beyond the maximum.
    """

    def clamp(value: timedelta) -> timedelta:
        return max(source.min_interval, min(source.max_interval, value))

    if outcome.rate_limited or outcome.retry_after:
        interval = clamp(current * 2)
        wait = max(interval, outcome.retry_after or timedelta(0))
        why = f"server asked to wait {format_duration(outcome.retry_after)}" if outcome.retry_after else "rate limited"
        return NextPoll(interval, wait, f"{why} (HTTP 429)" if outcome.rate_limited else why)
    if outcome.error:
        wait = clamp(current * 2 ** min(consecutive_errors, 16))
        return NextPoll(
            current, wait, f"{consecutive_errors} consecutive error(s): backing off to {format_duration(wait)}"
        )
    if outcome.new_items:
        interval = clamp(current / 2)
        reason = f"{outcome.new_items} new item(s): polling more often, every {format_duration(interval)}"
    else:
        interval = clamp(current * 1.5)
        reason = f"no new items: polling less often, every {format_duration(interval)}"
    wait = interval
    if outcome.ttl and outcome.ttl > wait:
        wait = clamp(outcome.ttl)
        reason += f"; feed <ttl> asks for {format_duration(outcome.ttl)}"
    return NextPoll(interval, wait, reason)


@dataclass
class FeedState:
    url: str
    source: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None  # sha256 of the last parsed body: servers lie about validators
    last_poll: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None  # "<url>: <reason>" of the most recent failure (feed or one of its articles)
    last_error_at: datetime | None = None
    consecutive_errors: int = 0
    items_seen: int = 0  # entries in the feed when it was last parsed
    new_items_last_poll: int = 0
    interval: timedelta | None = None  # the adaptive interval; None until first polled (then Source.interval)
    next_poll: datetime | None = None
    next_poll_reason: str = ""
    # Pages of an `auto` source decided by their content (domestic ones are neither indexed nor fetched again), and
    # the decisions per section key ("ekonomi", "/news/") as [international, total]: the source's history.
    decided_international: int = 0
    decided_domestic: int = 0
    sections: dict[str, list[int]] = field(default_factory=dict)

    def succeeded(
        self,
        source: Source,
        now: datetime,
        *,
        new_items: int,
        items_seen: int | None = None,
        ttl: timedelta | None = None,
    ) -> None:
        """A poll that answered (200 or 304). items_seen is None when the feed was not parsed (unchanged)."""
        self.last_poll = self.last_success = now
        self.consecutive_errors = 0
        self.new_items_last_poll = new_items
        if items_seen is not None:
            self.items_seen = items_seen
        self._schedule(source, now, PollOutcome(new_items=new_items, ttl=ttl))

    def failed(
        self,
        source: Source,
        now: datetime,
        error: str,
        *,
        retry_after: timedelta | None = None,
        rate_limited: bool = False,
    ) -> None:
        self.last_poll = now
        self.consecutive_errors += 1
        self.new_items_last_poll = 0
        self.last_error, self.last_error_at = error, now
        outcome = PollOutcome(error=error, retry_after=retry_after, rate_limited=rate_limited)
        self._schedule(source, now, outcome)

    def article_failed(self, now: datetime, error: str) -> None:
        """An article of this feed failed: record it, and forget the body hash so the next poll re-reads the feed
        (already-indexed items are not fetched again, the failed one is)."""
        self.last_error, self.last_error_at = error, now
        self.body_hash = self.etag = self.last_modified = None

    def decided(self, section: str, international: bool) -> None:
        """Count one decision, and keep it in the history of its section (the busiest MAX_SECTIONS sections)."""
        if international:
            self.decided_international += 1
        else:
            self.decided_domestic += 1
        counts = self.sections.setdefault(section, [0, 0])
        counts[0] += int(international)
        counts[1] += 1
        if len(self.sections) > MAX_SECTIONS:
            quietest = min((k for k in self.sections if k != section), key=lambda k: self.sections[k][1])
            del self.sections[quietest]

    def _schedule(self, source: Source, now: datetime, outcome: PollOutcome) -> None:
        plan = plan_next_poll(self.interval or source.interval, outcome, source, self.consecutive_errors)
        self.interval, self.next_poll, self.next_poll_reason = plan.interval, now + plan.wait, plan.reason

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        for key, value in doc.items():
            if isinstance(value, datetime):
                doc[key] = value.isoformat()
        doc["interval"] = self.interval.total_seconds() if self.interval else None
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> FeedState:
        names = {f.name for f in fields(cls)}
        state = cls(**{k: v for k, v in doc.items() if k in names})
        dates = {
            key: datetime.fromisoformat(value)
            for key in ("last_poll", "last_success", "last_error_at", "next_poll")
            if isinstance(value := getattr(state, key), str)
        }
        interval = timedelta(seconds=state.interval) if isinstance(state.interval, int | float) else state.interval
        return replace(state, interval=interval, **dates)
