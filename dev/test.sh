#!/usr/bin/env bash
# The test command (README: `make test`). Creates or reuses .venv, installs newsmon with its test extras, starts a
# real search node unless NEWSMON_ES_URL points at one, runs ruff and pytest, stops the node, exits with pytest's
# status. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

source dev/venv.sh
# The compose file is validated by a test with Debian's docker-compose (no Docker engine needed).
if ! command -v docker-compose >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends docker-compose) >/dev/null 2>&1 \
    || echo "could not install docker-compose; the compose test will fail" >&2
fi

# The browser tests drive Debian's chromium through chromedriver (Selenium comes with the test extras).
if ! { command -v chromium && command -v chromedriver; } >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver) >/dev/null 2>&1 \
    || echo "could not install chromium and chromium-driver; the browser tests will fail" >&2
fi

.venv/bin/ruff check . && .venv/bin/ruff format --check . || { echo "ruff found problems (see above)" >&2; exit 1; }

source dev/elasticsearch/use-node.sh
use_search_node "$root/.test-node" "${NEWSMON_TEST_ES_PORT:-9251}"
server="$(curl -fsS "$NEWSMON_ES_URL/" | .venv/bin/python -c 'import json,sys; v=json.load(sys.stdin)["version"]; print(v.get("distribution","elasticsearch").title(), v["number"])')" \
  || { echo "search node at $NEWSMON_ES_URL does not answer" >&2; exit 1; }
echo "tests run against $server at $NEWSMON_ES_URL"

.venv/bin/python -m pytest "$@"
status=$?
echo "tests ran against $server"
exit $status
