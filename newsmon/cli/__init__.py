"""`newsmon`: watch international news for your keywords.

Each command group lives in its own module; this one only assembles them and turns configuration errors into one
line on stderr.
"""

from __future__ import annotations

import sys
from importlib import metadata
from typing import Annotated

import typer

from newsmon.cli import context, search, service, sources, watches
from newsmon.config import ConfigError

app = typer.Typer(
    name="newsmon",
    help=(
        "Watch international news for your keywords.\n\n"
        "newsmon reads the feeds of the sources you add, fetches and cleans each new international article, "
        "indexes it, and emails the watches it matches. Settings come from NEWSMON_* environment variables; "
        "sources and watches live in the YAML file named by NEWSMON_CONFIG (default ./newsmon.yaml)."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"newsmon {metadata.version('newsmon')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Watch international news for your keywords."""


for module in (sources, watches, search, service):
    module.register(app)


@app.command("config")
def show_config() -> None:
    """Check the settings and the YAML file, and print them (passwords masked)."""
    current = context.settings()
    for name, value in current.model_dump().items():
        typer.echo(f"{name} = {', '.join(map(str, value)) if isinstance(value, list) else value}")
    loaded = context.file_config()
    typer.echo(f"sources = {len(loaded.sources)}, watches = {len(loaded.watches)} (from {current.config})")


def main() -> None:
    try:
        app(prog_name="newsmon")  # also under `python -m newsmon`, so help and completion name the command
    except ConfigError as error:
        print(f"newsmon: configuration error: {error}", file=sys.stderr)
        sys.exit(2)
