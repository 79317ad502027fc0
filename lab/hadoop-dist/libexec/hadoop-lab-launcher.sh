# shellcheck shell=bash
# THE LAB'S LAUNCHER, NOT APACHE'S. lab/hadoop-dist.sh assembles a Hadoop release from Maven Central's
# jars, which carry no shell scripts; bin/hadoop, bin/hdfs, bin/yarn and bin/mapred source this file.
# It does the part of Apache's hadoop-functions.sh that running daemons and clients in the foreground
# needs (no --daemon, --workers, secure DataNode or native libraries): same environment variables,
# same main classes, same system properties, then `exec java`.

# Usage: lab_launch PROGRAM SUBCOMMAND CLASS daemon|client [ARGS...]
lab_launch() {
  local program=$1 subcommand=$2 class=$3 kind=$4 java opts_var heap
  shift 4
  # exec java needs a real class: a caller's typo must not become "class not found" noise.
  [ -n "$class" ] || lab_die "$program: unknown subcommand '$subcommand' (run '$program' for the list)"
  java=$(lab_java) || exit 1
  local -a args=("-Dproc_${subcommand}")
  heap=${HADOOP_HEAPSIZE_MAX:-${HADOOP_HEAPSIZE:-}}
  [ -z "$heap" ] || args+=("-Xmx$(lab_heap "$heap")")
  [ -z "${HADOOP_HEAPSIZE_MIN:-}" ] || args+=("-Xms$(lab_heap "$HADOOP_HEAPSIZE_MIN")")
  # HADOOP_OPTS, HADOOP_CLIENT_OPTS for clients, then the subcommand's own (HDFS_NAMENODE_OPTS,
  # YARN_NODEMANAGER_OPTS...), word-split as Apache's scripts do.
  opts_var="${program^^}_${subcommand^^}_OPTS"
  # shellcheck disable=SC2206,SC2207
  args+=($(lab_jpms_opts "$java") ${HADOOP_OPTS:-})
  # shellcheck disable=SC2206
  [ "$kind" = daemon ] || args+=(${HADOOP_CLIENT_OPTS:-})
  # shellcheck disable=SC2206
  args+=(${!opts_var:-})
  args+=(
    "-Dhadoop.log.dir=$HADOOP_LOG_DIR"
    "-Dhadoop.log.file=${HADOOP_LOGFILE:-hadoop.log}"
    "-Dhadoop.home.dir=$HADOOP_HOME"
    "-Dhadoop.id.str=${HADOOP_IDENT_STRING:-${USER:-$(id -un)}}"
    "-Dhadoop.root.logger=${HADOOP_ROOT_LOGGER:-INFO,console}"
    "-Dhadoop.policy.file=${HADOOP_POLICYFILE:-hadoop-policy.xml}"
    "-Dhadoop.security.logger=${HADOOP_SECURITY_LOGGER:-INFO,NullAppender}"
  )
  if [ "$program" = yarn ]; then
    args+=(
      "-Dyarn.log.dir=$HADOOP_LOG_DIR"
      "-Dyarn.log.file=${HADOOP_LOGFILE:-hadoop.log}"
      "-Dyarn.home.dir=$HADOOP_YARN_HOME"
      "-Dyarn.root.logger=${HADOOP_ROOT_LOGGER:-INFO,console}"
    )
  fi
  export CLASSPATH
  CLASSPATH=$(lab_classpath)
  exec "$java" "${args[@]}" "$class" "$@"
}

lab_die() {
  echo "ERROR: $*" >&2
  exit 1
}

# The environment Apache's scripts set up: HADOOP_HOME from this file's place unless given, the
# configuration directory (--config DIR or HADOOP_CONF_DIR), its hadoop-env.sh, and the *_HOME
# variables YARN passes on to containers (yarn.nodemanager.env-whitelist).
lab_init() {
  local here
  here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
  HADOOP_HOME=${HADOOP_HOME:-$here}
  HADOOP_CONF_DIR=${HADOOP_CONF_DIR:-$HADOOP_HOME/etc/hadoop}
  export HADOOP_OPTS=${HADOOP_OPTS:-"-Djava.net.preferIPv4Stack=true"}
  if [ -f "$HADOOP_CONF_DIR/hadoop-env.sh" ]; then
    # shellcheck disable=SC1091
    . "$HADOOP_CONF_DIR/hadoop-env.sh"
  fi
  export HADOOP_HOME HADOOP_CONF_DIR
  export HADOOP_COMMON_HOME=${HADOOP_COMMON_HOME:-$HADOOP_HOME}
  export HADOOP_HDFS_HOME=${HADOOP_HDFS_HOME:-$HADOOP_HOME}
  export HADOOP_YARN_HOME=${HADOOP_YARN_HOME:-$HADOOP_HOME}
  export HADOOP_MAPRED_HOME=${HADOOP_MAPRED_HOME:-$HADOOP_HOME}
  HADOOP_LOG_DIR=${HADOOP_LOG_DIR:-$HADOOP_HOME/logs}
}

lab_java() {
  if [ -n "${JAVA_HOME:-}" ]; then
    [ -x "$JAVA_HOME/bin/java" ] || lab_die "JAVA_HOME=$JAVA_HOME has no bin/java"
    echo "$JAVA_HOME/bin/java"
  else
    command -v java || lab_die "JAVA_HOME is not set and java is not on PATH"
  fi
}

# HADOOP_HEAPSIZE_MAX=512 means megabytes, as in Apache's scripts; 512m, 4g pass as they are.
lab_heap() {
  if [[ $1 =~ ^[0-9]+$ ]]; then echo "${1}m"; else echo "$1"; fi
}

# Java 17 and later refuse the reflection Hadoop (Guice in the YARN web apps, Netty, Kryo) relies on
# unless the packages are opened, as Hadoop 3.4.2's own scripts do (HADOOP-19310).
lab_jpms_opts() {
  local java_home version=''
  java_home=$(cd -P "$(dirname "$1")/.." && pwd -P)
  if [ -r "$java_home/release" ]; then
    version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$java_home/release")
  fi
  if [ -n "$version" ] && [ "$version" -lt 17 ]; then
    return 0
  fi
  local pkg
  for pkg in java.io java.lang java.lang.reflect java.math java.net java.nio java.text java.time java.util \
    java.util.concurrent java.util.concurrent.atomic java.util.regex java.util.stream sun.nio.ch sun.nio.cs \
    sun.security.action sun.util.calendar; do
    echo "--add-opens=java.base/$pkg=ALL-UNNAMED"
  done
  echo "--add-exports=java.base/sun.net.dns=ALL-UNNAMED --add-exports=java.base/sun.net.util=ALL-UNNAMED"
}

# Apache's order: configuration, then common, hdfs, yarn and mapreduce, each module's jars after its
# libraries; HADOOP_CLASSPATH last, or first with HADOOP_USER_CLASSPATH_FIRST.
lab_classpath() {
  local share=$HADOOP_HOME/share/hadoop cp module
  cp=$HADOOP_CONF_DIR
  for module in common hdfs yarn mapreduce; do
    # share/hadoop/hdfs holds webapps/ (the NameNode's and DataNode's web UIs), found as class path resources.
    [ ! -d "$share/$module/webapps" ] || cp+=":$share/$module"
    [ ! -d "$share/$module/lib" ] || cp+=":$share/$module/lib/*"
    cp+=":$share/$module/*"
  done
  if [ -n "${HADOOP_CLASSPATH:-}" ]; then
    if [ -n "${HADOOP_USER_CLASSPATH_FIRST:-}" ]; then cp="$HADOOP_CLASSPATH:$cp"; else cp+=":$HADOOP_CLASSPATH"; fi
  fi
  echo "$cp"
}

# `PROGRAM classpath` and `PROGRAM version`, the same in all four commands.
lab_common_subcommand() {
  case $2 in
    classpath) lab_classpath; exit 0 ;;
    version) lab_launch "$1" version org.apache.hadoop.util.VersionInfo client ;;
  esac
}

lab_usage() {
  local program=$1
  shift
  echo "Usage: $program [--config confdir] SUBCOMMAND [ARGS]" >&2
  echo "  (the lab's minimal launcher: $*)" >&2
  exit 1
}
