#!/bin/sh
# Whether a Kafka node serves again after a (re)start: exit 0 when the controller quorum has a leader and NODE_ID is
# caught up in it (lag at most 100 records), and, for a broker, no partition is under-replicated. Prints what it saw.
# Usage: kafka-health.sh KAFKA_HOME ADMIN_CONFIG BOOTSTRAP NODE_ID broker|controller
set -u
home=$1 config=$2 bootstrap=$3 node=$4 role=$5
# The tools' stderr is kept apart: a JVM's notes there (JAVA_TOOL_OPTIONS set by a site, warnings) are not results.
err=$(mktemp) || exit 1
trap 'rm -f "$err"' EXIT
if [ "$role" = broker ]; then
  server="--bootstrap-server $bootstrap"
else
  server="--bootstrap-controller $bootstrap"
fi
# shellcheck disable=SC2086  # $server is two words
quorum=$("$home/bin/kafka-metadata-quorum.sh" $server --command-config "$config" describe --replication 2>"$err") || {
  echo "quorum: $quorum"; cat "$err"; exit 1; }
echo "$quorum" | awk -v node="$node" '
  $1 == node && $4 ~ /^[0-9]+$/ && $4 <= 100 { ok = 1 }
  $NF == "Leader" { leader = 1 }
  END { exit !(ok && leader) }' || { echo "node $node not caught up in the quorum:"; echo "$quorum"; exit 1; }
[ "$role" = broker ] || { echo "quorum: node $node caught up"; exit 0; }
urp=$("$home/bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --command-config "$config" --describe \
  --under-replicated-partitions 2>"$err") || { echo "topics: $urp"; cat "$err"; exit 1; }
if [ -n "$urp" ]; then
  echo "under-replicated partitions:"; echo "$urp"; exit 1
fi
echo "node $node caught up, no under-replicated partition"
