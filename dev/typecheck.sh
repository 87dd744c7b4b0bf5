#!/usr/bin/env bash
# The type check (part of `make test`): mypy, configured in pyproject.toml. mypy cannot follow setuptools'
# package-dir mapping (crawler/ and scheduler/ are installed as newsmon.crawler and newsmon.scheduler), so it checks
# .typecheck/newsmon, a tree of links laid out as the installed package; an error's path under .typecheck/newsmon/
# links to the file in the repository (.typecheck/newsmon/crawler/run.py is crawler/run.py). Arguments go to mypy.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=.typecheck/newsmon
rm -rf .typecheck
mkdir -p "$tree"
for entry in newsmon/*; do
  [ "$entry" = newsmon/__pycache__ ] || ln -s "../../$entry" "$tree/"
done
ln -s ../../crawler "$tree/crawler"
ln -s ../../scheduler "$tree/scheduler"
exec .venv/bin/mypy "$@"
