"""The `newsmon` command itself: --version and shell completion (the command groups have their own test files)."""

from __future__ import annotations

from importlib import metadata

from typer.testing import CliRunner

from newsmon.cli import app

runner = CliRunner()


def test_version_prints_the_installed_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"newsmon {metadata.version('newsmon')}"


def test_bash_completion_completes_commands_and_subcommands() -> None:
    assert "--install-completion" in runner.invoke(app, ["--help"]).output
    script = runner.invoke(app, ["--show-completion", "bash"], prog_name="newsmon")
    assert script.exit_code == 0 and "_NEWSMON_COMPLETE=complete_bash" in script.output, script.output
    # What the installed script asks the program at each <TAB>.
    asked = {"_NEWSMON_COMPLETE": "complete_bash", "COMP_WORDS": "newsmon wat", "COMP_CWORD": "1"}
    assert runner.invoke(app, [], env=asked, prog_name="newsmon").output.split() == ["watch"]
    asked |= {"COMP_WORDS": "newsmon watch pa", "COMP_CWORD": "2"}
    assert runner.invoke(app, [], env=asked, prog_name="newsmon").output.split() == ["pause"]
