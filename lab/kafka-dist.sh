#!/usr/bin/env bash
# Assemble the LAB's Kafka distribution: Kafka's release jars from Maven Central (Apache's binary tarball
# cannot be reached here) in the layout of Apache's kafka_2.13-<version>.tgz: every jar in libs/, the
# lab's minimal launchers in bin/ (lab/kafka-dist/bin/kafka-run-class.sh; one wrapper per tool, below) and
# minimal default files in config/. The roles do not know about it: they install it as they install
# Apache's tarball.
#
# The archive and its .sha512 are kept in /var/cache/mlops-lab/kafka (also mounted in the Molecule
# containers); lab/dist-lib.sh rebuilds it only when its inputs change and prints KAFKA_ARCHIVE_FILE,
# _SHA512 and _VERSION for the kafka Molecule scenarios.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/dist-lib.sh
. "$here/dist-lib.sh"
dist_name=kafka
dist_version=${LAB_KAFKA_VERSION:-4.1.1}
dist_release=kafka_2.13-$dist_version
dist_ext=tgz
dist_src=$here/kafka-dist
dist_cache=${LAB_KAFKA_CACHE:-/var/cache/mlops-lab/kafka}
# The day Kafka 4.1.1's release jars were built (their own time stamps).
dist_mtime=@1761436800

# The tools of Apache's bin/ that the roles and tests use, and the class each runs (as Apache's scripts do).
tools=(
  kafka-storage.sh:kafka.tools.StorageTool
  kafka-configs.sh:kafka.admin.ConfigCommand
  kafka-topics.sh:org.apache.kafka.tools.TopicCommand
  kafka-acls.sh:org.apache.kafka.tools.AclCommand
  kafka-cluster.sh:org.apache.kafka.tools.ClusterTool
  kafka-features.sh:org.apache.kafka.tools.FeatureCommand
  kafka-metadata-quorum.sh:org.apache.kafka.tools.MetadataQuorumCommand
  kafka-broker-api-versions.sh:org.apache.kafka.tools.BrokerApiVersionsCommand
  kafka-log-dirs.sh:org.apache.kafka.tools.LogDirsCommand
  kafka-reassign-partitions.sh:org.apache.kafka.tools.reassign.ReassignPartitionsCommand
  kafka-get-offsets.sh:org.apache.kafka.tools.GetOffsetShell
  kafka-consumer-groups.sh:org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
  kafka-console-producer.sh:org.apache.kafka.tools.ConsoleProducer
  kafka-console-consumer.sh:org.apache.kafka.tools.consumer.ConsoleConsumer
  kafka-dump-log.sh:kafka.tools.DumpLogSegments
  kafka-verifiable-producer.sh:org.apache.kafka.tools.VerifiableProducer
)

dist_assemble() {
  local work=$1 dist=$2 jar tool name class
  mkdir -p "$dist/bin" "$dist/config" "$dist/libs"
  cp "$dist_src/pom.xml" "$work/pom.xml"
  dist_log "fetching Kafka $dist_version's jars from Maven Central"
  dist_maven "$work" -f "$work/pom.xml" -Dkafka.version="$dist_version" dependency:copy-dependencies \
    -DoutputDirectory="$dist/libs"
  cp "$dist_src"/bin/* "$dist/bin/"
  cp "$dist_src"/config/* "$dist/config/"
  for jar in "$dist"/libs/*.jar; do unzip -Z1 "$jar"; done >"$work/classes.txt"
  for tool in "${tools[@]}"; do
    name=${tool%%:*} class=${tool#*:}
    # Every jar must hold the class its wrapper names: a renamed class fails the build, not a test later.
    grep -qx "${class//.//}.class" "$work/classes.txt" ||
      { dist_log "no jar in libs/ holds $class (for bin/$name)"; exit 1; }
    printf '%s\n' '#!/usr/bin/env bash' \
      "# The lab's $name (lab/kafka-dist.sh), not Apache's: it runs the same class." \
      "exec \"\$(dirname \"\$(readlink -f \"\$0\")\")/kafka-run-class.sh\" $class \"\$@\"" >"$dist/bin/$name"
  done
  cat >"$dist/README.lab.txt" <<TEXT
This is NOT Apache's Kafka $dist_version binary release. The mlops.hosts lab (lab/kafka-dist.sh) assembled
it from Kafka $dist_version's release jars on Maven Central in the layout of Apache's tarball, with minimal
launchers of its own in bin/ (foreground only, the tools the lab uses) and minimal default files in config/.
No Kafka Connect or Streams scripts, no site-docs. For tests of the collection's roles only.
TEXT
  chmod 0755 "$dist"/bin/*
}

dist_main "$0"
