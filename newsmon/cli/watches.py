"""`newsmon watch ...`: the keyword watches that send alert emails."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Annotated, Any

import typer

from newsmon.alerts import store
from newsmon.alerts.catchup import preview
from newsmon.alerts.ledger import AlertLedger, Record
from newsmon.alerts.model import Watch
from newsmon.alerts.query import QueryError
from newsmon.alerts.store import WatchError, WatchStore, parse_watch
from newsmon.cli import context
from newsmon.index.client import make_client
from newsmon.mail.render import one_line

watch_app = typer.Typer(
    name="watch",
    help=(
        "Keyword watches: a query, optional filters, and who gets the alert emails.\n\n"
        "Query syntax, as in a search box: words (all must appear, in the title or the article text), "
        '"exact phrase", OR between alternatives, -word to exclude, ( ) to group. A word also matches its '
        'Indonesian or English stem: "serangan" finds "menyerang". Examples: '
        '`banjir jakarta -"jakarta utara"`, `(rusia OR ukraina) "gencatan senjata"`, `"climate summit" -football`.\n\n'
        "A watch only alerts on articles newsmon indexes after the watch was created; try `newsmon watch test` to "
        "see what it would have sent recently before trusting it with your inbox."
    ),
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="The watch's name (unique, case-insensitive).")]


def _store() -> WatchStore:
    settings = context.settings()
    client = make_client(settings)
    store.ensure(client, settings)
    return WatchStore(client, settings)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"newsmon: {message}", err=True)
    return typer.Exit(1)


def _parse_at(value: str | None) -> time | None:
    if value is None:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise _fail(f"--at {value!r} is not a time like 07:30") from None


def _describe(watch: Watch) -> str:
    schedule = watch.mode if watch.mode != "daily" else f"daily at {watch.at:%H:%M}"
    filters = [
        f"{label}: {', '.join(values)}"
        for label, values in (("languages", watch.languages), ("sources", watch.sources), ("sections", watch.sections))
        if values
    ]
    lines = [
        f"{watch.name}{'' if watch.enabled else ' (paused)'}",
        f"  query:   {watch.query}",
        f"  emails:  {', '.join(watch.emails)}",
        f"  sends:   {schedule} ({watch.tz})",
        f"  filters: {'; '.join(filters) or 'none'}",
        f"  created: {watch.created_at:%Y-%m-%d %H:%M %Z}" if watch.created_at else "  created: -",
    ]
    return "\n".join(lines)


def _save(action: Callable[[Watch], Watch], watch_fields: dict[str, Any]) -> Watch:
    try:
        return action(parse_watch(watch_fields))
    except (QueryError, WatchError) as error:
        raise _fail(str(error)) from None


@watch_app.command("add")
def add(
    name: NameArg,
    query: Annotated[str, typer.Option("--query", "-q", help="What to look for, in search-box syntax.")],
    email: Annotated[list[str], typer.Option("--email", "-e", help="A recipient; repeat for several.")],
    mode: Annotated[str, typer.Option(help="immediate (one email per story), hourly or daily digest.")] = "immediate",
    at: Annotated[str | None, typer.Option(help="Daily digests: local time of delivery, HH:MM.")] = None,
    tz: Annotated[str, typer.Option(help="Time zone for --at and for the times in the email.")] = "UTC",
    language: Annotated[list[str] | None, typer.Option(help="Only articles in this language (id, en); repeat.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only articles from this source name; repeat.")] = None,
    section: Annotated[list[str] | None, typer.Option(help="Only articles in this site section; repeat.")] = None,
) -> None:
    """Create a watch. It alerts on articles indexed from now on."""
    fields: dict[str, Any] = {"name": name, "query": query, "emails": email, "mode": mode, "tz": tz}
    fields.update(languages=language or [], sources=source or [], sections=section or [])
    if at is not None:
        fields["at"] = _parse_at(at)
    watch = _save(_store().add, fields)
    typer.echo(f"added watch:\n{_describe(watch)}")


@watch_app.command("edit")
def edit(
    name: NameArg,
    query: Annotated[str | None, typer.Option("--query", "-q", help="A new query.")] = None,
    email: Annotated[list[str] | None, typer.Option("--email", "-e", help="Replace the recipients.")] = None,
    mode: Annotated[str | None, typer.Option(help="immediate, hourly or daily.")] = None,
    at: Annotated[str | None, typer.Option(help="Daily digests: HH:MM.")] = None,
    tz: Annotated[str | None, typer.Option(help="Time zone.")] = None,
    language: Annotated[list[str] | None, typer.Option(help="Replace the language filter.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Replace the source filter.")] = None,
    section: Annotated[list[str] | None, typer.Option(help="Replace the section filter.")] = None,
) -> None:
    """Change a watch. Only the options given change; articles indexed before the edit are never re-sent."""
    watches = _store()
    current = watches.get(name)
    if current is None:
        raise _fail(f"no watch named {name!r}")
    changes = {"query": query, "emails": email, "mode": mode, "at": _parse_at(at), "tz": tz}
    changes.update(languages=language, sources=source, sections=section)
    fields = current.model_dump() | {k: v for k, v in changes.items() if v is not None}
    typer.echo(f"updated watch:\n{_describe(_save(watches.update, fields))}")


@watch_app.command("list")
def list_watches() -> None:
    """List every watch with its query and schedule."""
    watches = _store().list()
    if not watches:
        typer.echo("no watches yet: add one with `newsmon watch add NAME --query ... --email ...`")
    for watch in watches:
        state = "" if watch.enabled else "  [paused]"
        typer.echo(f"{watch.name}\t{watch.mode}\t{watch.query}{state}")


@watch_app.command("show")
def show(name: NameArg) -> None:
    """Show one watch in full, with how its alerts fared: sent, waiting, and failed (a recipient's mail server
    refused them for good, with the server's answer)."""
    watches = _store()
    watch = watches.get(name)
    if watch is None:
        raise _fail(f"no watch named {name!r}")
    typer.echo(_describe(watch))
    typer.echo(_alerts(AlertLedger(watches.client, watches.settings).records(watch)))


_STATUS_WORDS = {
    "pending": "waiting",
    "sending": "being sent",
    "retrying": "to retry",
    "sent": "sent",
    "failed": "failed",
}


def _alerts(records: list[Record]) -> str:
    counts = Counter(record.source["status"] for record in records)
    summary = ", ".join(f"{counts[status]} {word}" for status, word in _STATUS_WORDS.items() if counts[status])
    lines = [f"  alerts:  {summary or 'none yet'}"]
    for record in sorted(records, key=lambda r: r.source["created_at"]):
        if record.source["status"] in ("failed", "retrying") and record.source.get("error"):
            title = one_line(record.items[0].title)
            delivered = f" (delivered to {', '.join(record.source['sent_to'])})" if record.source["sent_to"] else ""
            word, error = _STATUS_WORDS[record.source["status"]], one_line(record.source["error"])
            lines.append(f"  {word}: {title!r}: {error}{delivered}")
    return "\n".join(lines)


@watch_app.command("remove")
def remove(name: NameArg) -> None:
    """Delete a watch. Alerts it has not sent yet are dropped with it (a new watch of the same name starts afresh)."""
    if not _store().remove(name):
        raise _fail(f"no watch named {name!r}")
    typer.echo(f"removed watch {name!r}")


@watch_app.command("pause")
def pause(name: NameArg) -> None:
    """Stop matching and sending for a watch, keeping it (the alert emails' footer points here)."""
    try:
        _store().pause(name)
    except WatchError as error:
        raise _fail(str(error)) from None
    typer.echo(f"paused watch {name!r}; `newsmon watch resume {name}` turns it back on")


@watch_app.command("resume")
def resume(
    name: NameArg,
    backfill: Annotated[
        bool, typer.Option("--backfill", help="Also alert on articles indexed while the watch was paused.")
    ] = False,
) -> None:
    """Turn a paused watch back on. It alerts on articles indexed from now on (alerts matched before the pause and
    not yet sent still go out); --backfill also sends what it would have matched during the pause."""
    try:
        _store().resume(name, backfill=backfill)
    except WatchError as error:
        raise _fail(str(error)) from None
    typer.echo(f"resumed watch {name!r}" + (", with what matched while it was paused" if backfill else ""))


@watch_app.command("test")
def test(
    name: NameArg,
    days: Annotated[int, typer.Option(min=1, help="How many days back to look.")] = 7,
) -> None:
    """Show what the watch would have sent over the last N days, so an over-broad query shows before it floods an
    inbox. Nothing is recorded or sent."""
    settings = context.settings()
    watches = _store()
    watch = watches.get(name)
    if watch is None:
        raise _fail(f"no watch named {name!r}")
    stories = preview(watches.client, settings, watch, days, datetime.now(UTC))
    noun = "story" if len(stories) == 1 else "stories"
    typer.echo(f"{name!r} would have sent {len(stories)} {noun} in the last {days} days:")
    for match in stories:
        item = match.item
        when = f"{item.published_at:%Y-%m-%d %H:%M}" if item.published_at else "date unknown"
        typer.echo(f"  {when}  [{', '.join(item.outlets)}]  {item.title}\n      {item.url}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(watch_app)
