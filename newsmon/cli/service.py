"""`newsmon run` (the service) and `newsmon crawl --once` (one cycle in the foreground)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from newsmon import logs
from newsmon.cli import context
from newsmon.config import ConfigError
from newsmon.durations import parse_duration


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("crawl")(crawl)
    app.command("web")(web)


def run(
    tick: Annotated[float, typer.Option(help="Seconds between checks for due feeds and pending alerts.")] = 5.0,
    lease_ttl: Annotated[
        str, typer.Option(help="How long the leader's lease lasts without renewal (a standby waits this long).")
    ] = "30s",
    json_logs: Annotated[bool, typer.Option("--json-logs", help="Log one JSON object per line.")] = False,
) -> None:
    """Run the service: poll every source at its next-poll time, crawl, index, alert, and send digests.

    Only one process per installation does the work; start a second one beside it and it waits as a standby,
    taking over when the first stops. The web page, the JSON API (/api/), /healthz and /metrics are served on
    NEWSMON_HTTP_PORT (see README "The web page" for who may open them). SIGTERM or Ctrl-C finishes in-flight crawls
    (unindexed articles go to the spool) and exits.
    """
    from newsmon.scheduler import runtime
    from newsmon.scheduler.service import Service

    logs.setup(json_lines=json_logs)
    settings = context.settings()
    ttl = _duration("--lease-ttl", lease_ttl)
    service = Service(settings, tick=tick, lease_ttl=ttl)
    runtime.run(service.run)


def web(
    json_logs: Annotated[bool, typer.Option("--json-logs", help="Log one JSON object per line.")] = False,
) -> None:
    """Serve only the web page and the JSON API on NEWSMON_HTTP_PORT: no polling, crawling or sending.

    For a second machine that shows the same watches, sources and alerts (it reads and writes the same search node
    and YAML file; give it the same NEWSMON_SECRET_KEY so pause links and logins work on both). Ctrl-C stops it.
    """
    import asyncio
    import logging
    import signal

    from newsmon.index.client import make_client
    from newsmon.scheduler.startup import ensure_indices
    from newsmon.web.app import announce_access, create_app, serve

    logs.setup(json_lines=json_logs)
    settings = context.settings()
    try:
        ensure_indices(make_client(settings), settings)
    except Exception as error:  # the pages say so too, and work once the node answers
        logging.getLogger(__name__).warning("search node at %s not ready: %s", settings.es_url, error)

    async def main() -> None:
        server, serving = await serve(create_app(settings), settings.http_port)
        announce_access(settings)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, lambda: setattr(server, "should_exit", True))
        await serving

    asyncio.run(main())


def crawl(
    once: Annotated[bool, typer.Option("--once", help="Run one full cycle and exit (the only mode for now).")] = False,
    source: Annotated[list[str] | None, typer.Option(help="Only this source (repeatable). Default: all.")] = None,
    json_logs: Annotated[bool, typer.Option("--json-logs", help="Log one JSON object per line.")] = False,
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            metavar="URL",
            help="Only fetch this article page and print whether it counts as international for its source, and "
            "why (nothing is indexed). The source is the one with feeds on the page's host, or --source.",
        ),
    ] = None,
) -> None:
    """Poll the sources once, fetch and clean new articles, index them, match watches and send immediate alerts.

    Shows live progress on a terminal and a summary at the end. Exits 0 when the cycle ran (failed feeds are
    reported, not fatal) and non-zero with a one-line reason for a bad configuration.
    """
    if not once:
        raise typer.BadParameter("add --once (the continuous mode is `newsmon run`)")
    from newsmon.scheduler import runtime
    from newsmon.scheduler.cycle import run_cycle

    logs.setup(json_lines=json_logs)
    settings = context.settings()
    config = context.file_config()
    names = source or []
    if explain:
        from newsmon.cli.explain import explain as explain_page

        typer.echo(explain_page(settings, config, explain, names))
        return
    unknown = [name for name in names if config.source(name) is None]
    if unknown:
        raise ConfigError(f"no source named {', '.join(unknown)} in {settings.config}")
    chosen = [s for s in config.sources if not names or s.name in names]
    if not chosen:
        raise ConfigError(f"no sources in {settings.config}: add one with `newsmon source add`")
    started = datetime.now(UTC)
    summary = runtime.run(lambda: run_cycle(settings, config, chosen, live=sys.stderr.isatty()))
    elapsed = datetime.now(UTC) - started
    typer.echo(summary.render(elapsed=elapsed))


def _duration(option: str, value: str) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint=option) from None
