#!/usr/bin/env bash
# The benchmark command (README: `make bench`). Creates or reuses .venv, starts a search node of its own on port
# NEWSMON_BENCH_ES_PORT (9261) unless NEWSMON_ES_URL points at one, runs every bench/ script on the generated corpus,
# prints their figures and the ratios against the aims, and stops the node. news-please goes into its own virtualenv
# (bench/out/venv-newsplease) on first use. A figure that cannot be measured is printed with the reason.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
source dev/venv.sh
.venv/bin/pip install -q --disable-pip-version-check -e '.[test,bench]' || exit 1

source dev/elasticsearch/use-node.sh
use_search_node "$root/bench/out/node" "${NEWSMON_BENCH_ES_PORT:-9261}"

out="$root/bench/out/figures.txt"
mkdir -p "$root/bench/out"
: >"$out"
status=0
run() {  # one bench script; its figures go to the screen and to figures.txt
  echo "== $*" >&2
  .venv/bin/python -m "$@" 2>"$root/bench/out/$1.log" | tee -a "$out" || { status=1; echo "(see bench/out/$1.log)" | tee -a "$out"; }
}
run bench.corpus generate
run bench.cleaning 10
run bench.language
run bench.international
run bench.extraction
run bench.phrases
run bench.ceiling
run bench.ingest
run bench.peer_newsplease
run bench.percolate --watches 1000 "${NEWSMON_BENCH_WATCHES:-10000}"
run bench.percolate --vocabulary real --watches 1000 "${NEWSMON_BENCH_WATCHES:-10000}"
run bench.poll
run bench.latency --watches 1 100 10000 --articles "${NEWSMON_BENCH_LATENCY_ARTICLES:-20}"
run bench.failover
.venv/bin/python -m bench.summary "$out"
exit $status
