"""Packaging: what `pip install .` puts into site-packages, and whether the lowest dependency versions allowed by
pyproject.toml really work. Both build fresh virtualenvs with uv and fetch from the package index (PyPI)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from uv import find_uv_bin

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"newsmon": ROOT / "newsmon", "newsmon.crawler": ROOT / "crawler", "newsmon.scheduler": ROOT / "scheduler"}
# Node-free tests that exercise the libraries hardest (trafilatura, htmldate, py3langid, datasketch, feedparser, lxml,
# pydantic), run again against the lowest versions.
UNIT_TESTS = ["tests/test_cleaning.py", "tests/test_cleaning_units.py", "tests/test_config.py", "tests/test_feeds.py"]


def installed_files() -> set[str]:
    """The files `pip install .` should put under site-packages/newsmon, from the repository and setuptools' map."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    dirs = setuptools["package-dir"]
    expected = set()
    for package in setuptools["packages"]:
        base = max((p for p in dirs if package == p or package.startswith(p + ".")), key=len, default="")
        folder = ROOT / dirs.get(base, "") / package.removeprefix(base).strip(".").replace(".", "/")  # longest prefix
        patterns = ["*.py", *setuptools["package-data"].get(package, [])]
        target = Path(*package.split("."))
        expected |= {str(target / f.relative_to(folder)) for p in patterns for f in folder.glob(p)}
    return expected


def source_modules() -> list[str]:
    """Every module of newsmon as installed: newsmon/**, crawler/** as newsmon.crawler, scheduler/** likewise."""
    modules = []
    for prefix, folder in FOLDERS.items():
        for file in sorted(folder.rglob("*.py")):
            parts = file.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__main__":
                continue  # running it starts the CLI
            modules.append(".".join((prefix, *parts[:-1])) if parts[-1] == "__init__" else ".".join((prefix, *parts)))
    return modules


def uv(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"} | {"UV_PYTHON_DOWNLOADS": "never"}
    result = subprocess.run([find_uv_bin(), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"uv {' '.join(args)}:\n{result.stderr}"
    return result


def fresh_venv(path: Path) -> Path:
    uv("venv", "--quiet", "--python", sys.executable, str(path))
    return path / "bin" / "python"


def site_packages(python: Path) -> Path:
    out = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], capture_output=True)
    return Path(out.stdout.decode().strip())


def test_every_package_folder_is_listed_for_installation() -> None:
    listed = {f.rsplit("/", 1)[0] for f in installed_files()}
    present = {
        str(Path(*package.split(".")) / init.parent.relative_to(folder))
        for package, folder in FOLDERS.items()
        for init in folder.rglob("__init__.py")
    }
    assert present - listed == set(), "add these packages to [tool.setuptools] packages in pyproject.toml"


@pytest.mark.slow
def test_install_adds_exactly_one_top_level_package_newsmon(tmp_path: Path) -> None:
    python = fresh_venv(tmp_path / "venv")
    site = site_packages(python)
    before = {p.name for p in site.iterdir()}
    # From an sdist, as a release would be installed (and a build from the repository would leave build/ in it).
    uv("build", "--quiet", "--sdist", "--out-dir", str(tmp_path / "dist"), str(ROOT))
    (sdist,) = (tmp_path / "dist").glob("newsmon-*.tar.gz")
    uv("pip", "install", "--quiet", "--no-deps", "--python", str(python), str(sdist))

    added = {p.name for p in site.iterdir()} - before
    assert {name for name in added if not name.endswith(".dist-info")} == {"newsmon"}
    assert [name for name in added if name.endswith(".dist-info")] == ["newsmon-0.1.0.dist-info"]
    files = {str(f.relative_to(site)) for f in (site / "newsmon").rglob("*") if f.is_file() and f.suffix != ".pyc"}
    assert files == installed_files()


@pytest.mark.slow
def test_lowest_allowed_dependency_versions_import_every_module_and_pass_the_unit_tests(tmp_path: Path) -> None:
    python = fresh_venv(tmp_path / "venv")
    # Editable, so the repository's tests run against it; only newsmon's own dependencies are at their lowest.
    uv("pip", "install", "--quiet", "--resolution", "lowest-direct", "--python", str(python), "--editable", str(ROOT))
    uv("pip", "install", "--quiet", "--python", str(python), "pytest", "pytest-timeout", "aiosmtpd")  # for conftest

    modules = source_modules()
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    imported = subprocess.run([python, "-c", script, *modules], cwd=tmp_path, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    assert len(modules) > 60
    cli = subprocess.run([python, "-m", "newsmon", "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert cli.returncode == 0 and "watch" in cli.stdout, cli.stderr  # builds every command's options

    tests = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *UNIT_TESTS], cwd=ROOT, capture_output=True, text=True
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
