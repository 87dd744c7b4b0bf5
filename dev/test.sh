#!/usr/bin/env bash
# The test command (README: `make test`). Creates or reuses .venv, installs newsmon with its test extras, starts a
# real search node unless NEWSMON_ES_URL points at one, runs ruff and pytest, stops the node, exits with pytest's
# status. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

python="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$python" -m venv .venv || exit 1
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]' || { echo "pip install failed" >&2; exit 1; }

.venv/bin/ruff check . || { echo "ruff found problems (see above)" >&2; exit 1; }

started=""
if [ -z "${NEWSMON_ES_URL:-}" ]; then
  node_dir="$root/.test-node"
  port="${NEWSMON_TEST_ES_PORT:-9251}"
  dev/elasticsearch/node.sh start "$node_dir" "$port" || exit 1
  started="$node_dir"
  export NEWSMON_ES_URL="http://127.0.0.1:$port"
  trap 'dev/elasticsearch/node.sh stop "$started"' EXIT
fi
server="$(curl -fsS "$NEWSMON_ES_URL/" | .venv/bin/python -c 'import json,sys; v=json.load(sys.stdin)["version"]; print(v.get("distribution","elasticsearch").title(), v["number"])')" \
  || { echo "search node at $NEWSMON_ES_URL does not answer" >&2; exit 1; }
echo "tests run against $server at $NEWSMON_ES_URL"

.venv/bin/python -m pytest "$@"
status=$?
echo "tests ran against $server"
exit $status
