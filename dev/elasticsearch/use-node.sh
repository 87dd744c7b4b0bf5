# Sourced by dev/test.sh and dev/bench.sh: `use_search_node DIR PORT` starts a node in DIR on PORT unless
# NEWSMON_ES_URL already points at one, exports NEWSMON_ES_URL, and stops the node when the calling script exits.
use_search_node() {
  [ -n "${NEWSMON_ES_URL:-}" ] && return 0
  dev/elasticsearch/node.sh start "$1" "$2" || exit 1
  export NEWSMON_ES_URL="http://127.0.0.1:$2"
  _search_node_dir="$1"
  trap 'dev/elasticsearch/node.sh stop "$_search_node_dir"' EXIT
}
