#!/usr/bin/env bash
# THE LAB'S kafka-server-start.sh, NOT APACHE'S (bin/kafka-run-class.sh says why): a KRaft broker,
# controller or both, in the foreground, with the server's defaults for the log configuration and heap.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "USAGE: $0 server.properties [--override property=value]*" >&2
  exit 1
fi
base_dir=$(cd -P "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd -P)
export KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base_dir/config/log4j2.yaml}
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}
exec "$base_dir/bin/kafka-run-class.sh" -name kafkaServer -loggc kafka.Kafka "$@"
