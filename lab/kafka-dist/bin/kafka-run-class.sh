#!/usr/bin/env bash
# THE LAB'S kafka-run-class.sh, NOT APACHE'S. lab/kafka-dist.sh assembles a Kafka release from Maven
# Central's jars, which carry no shell scripts. This one does what running a server or a tool in the
# foreground needs from Apache's: the same environment variables and their defaults (JAVA_HOME,
# KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_LOG4J_OPTS, KAFKA_JMX_OPTS, KAFKA_OPTS, LOG_DIR,
# CLASSPATH), libs/* on the class path, then `exec java`. No -daemon (systemd runs the server), no GC log.
set -euo pipefail
base_dir=$(cd -P "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd -P)
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-name servicename] [-loggc] classname [opts]" >&2
  exit 1
fi
while [ $# -gt 0 ]; do
  case $1 in
    -name) shift 2 ;;
    -loggc) shift ;;
    -daemon)
      echo "$0: the lab's launcher runs in the foreground only (run the server under systemd)" >&2
      exit 1 ;;
    *) break ;;
  esac
done
LOG_DIR=${LOG_DIR:-$base_dir/logs}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx256M}
KAFKA_JVM_PERFORMANCE_OPTS=${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}
KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.yaml}
java=java
[ -z "${JAVA_HOME:-}" ] || java=$JAVA_HOME/bin/java
# Word-split as Apache's script does: each variable holds several options.
# shellcheck disable=SC2086
exec "$java" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS ${KAFKA_JMX_OPTS:-} "-Dkafka.logs.dir=$LOG_DIR" \
  $KAFKA_LOG4J_OPTS -cp "${CLASSPATH:+$CLASSPATH:}$base_dir/libs/*" ${KAFKA_OPTS:-} "$@"
