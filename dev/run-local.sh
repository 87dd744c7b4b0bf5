#!/usr/bin/env bash
# `make run` on a machine without Docker: the virtualenv, a local search node (unless NEWSMON_ES_URL is set), a
# local SMTP catcher writing alert mail to .local/mail (a Maildir), and the newsmon service. Ctrl-C stops all three.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
source dev/venv.sh

mkdir -p .local/mail .local/data
pids=()
node_dir=""
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  [ -n "$node_dir" ] && dev/elasticsearch/node.sh stop "$node_dir"
  echo "stopped"
}
trap cleanup INT TERM EXIT

if [ -z "${NEWSMON_ES_URL:-}" ]; then
  node_dir="$root/.local/node"
  dev/elasticsearch/node.sh start "$node_dir" 9200 || exit 1
  export NEWSMON_ES_URL=http://127.0.0.1:9200
fi

if [ -z "${NEWSMON_SMTP_URL:-}" ]; then
  .venv/bin/python -m aiosmtpd -n -l 127.0.0.1:1025 -c aiosmtpd.handlers.Mailbox "$root/.local/mail" &
  pids+=($!)
  export NEWSMON_SMTP_URL=smtp://127.0.0.1:1025
  echo "alert mail is written to $root/.local/mail (a Maildir: new/ holds one file per email)"
fi

export NEWSMON_CONFIG="${NEWSMON_CONFIG:-$root/newsmon.yaml}"
export NEWSMON_DATA_DIR="${NEWSMON_DATA_DIR:-$root/.local/data}"
.venv/bin/newsmon run &
pids+=($!)
wait "${pids[-1]}"
