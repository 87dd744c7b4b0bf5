#!/usr/bin/env bash
# `make run` on a machine without Docker: the virtualenv, a local search node (unless NEWSMON_ES_URL is set), a
# local SMTP catcher writing alert mail to .local/mail (a Maildir), and the newsmon service. Ctrl-C stops all three.
# It writes .local/activate and prints how to use it: the README's first steps, typed in a second terminal.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
source dev/venv.sh

mkdir -p .local/data
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
  dev/mail-catcher.sh "$root/.local/mail" 1025 &
  pids+=($!)
  export NEWSMON_SMTP_URL=smtp://127.0.0.1:1025
  echo "alert mail is written to $root/.local/mail (a Maildir: new/ holds one file per email)"
fi

export NEWSMON_CONFIG="${NEWSMON_CONFIG:-$root/newsmon.yaml}"
export NEWSMON_DATA_DIR="${NEWSMON_DATA_DIR:-$root/.local/data}"

# The README's first steps run in a second terminal: .local/activate puts `newsmon` on the PATH with this service's
# settings (every NEWSMON_* variable set here; secrets included, so the file is for this user only).
( umask 077 && rm -f .local/activate
  {
    echo "# Written by \`make run\`: newsmon on the PATH, with the settings of the service it started."
    echo "source $(printf %q "$root/.venv/bin/activate")"
    for name in $(compgen -e | grep -E '^NEWSMON_' | sort); do echo "export $name=$(printf %q "${!name}")"; done
  } >.local/activate
)
echo
echo "newsmon is starting. In another terminal, type:"
echo
echo "    cd $(printf %q "$root") && source .local/activate"
echo
echo "then the commands of README.md \"First steps\" (e.g. newsmon source defaults)."
echo
.venv/bin/newsmon run &
pids+=($!)
wait "${pids[-1]}"
