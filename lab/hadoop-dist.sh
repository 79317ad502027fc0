#!/usr/bin/env bash
# Assemble the LAB's Hadoop distribution: Hadoop's release jars from Maven Central (Apache's binary
# tarball cannot be reached here) in the layout of Apache's hadoop-<version>.tar.gz, with the lab's
# minimal launchers in bin/ (lab/hadoop-dist/libexec/hadoop-lab-launcher.sh) and minimal default files in
# etc/hadoop. The roles do not know about it: they install it as they install Apache's tarball.
#
# The archive and its .sha512 are kept in /var/cache/mlops-lab/hadoop (also mounted in the Molecule
# containers); lab/dist-lib.sh rebuilds it only when its inputs change and prints HADOOP_ARCHIVE_FILE,
# _SHA512 and _VERSION for the hadoop Molecule scenarios.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/dist-lib.sh
. "$here/dist-lib.sh"
dist_name=hadoop
dist_version=${LAB_HADOOP_VERSION:-3.4.2}
dist_release=hadoop-$dist_version
dist_ext=tar.gz
dist_src=$here/hadoop-dist
dist_cache=${LAB_HADOOP_CACHE:-/var/cache/mlops-lab/hadoop}
# Hadoop 3.4.2's release day.
dist_mtime=@1756425600

# group:artifact:classifier of each artifact in a dependency:list file, then its jar's file name.
list_artifacts() {
  sed -n 's/^   \([^ ]*\).*/\1/p' "$1" | awk -F: '{
    classifier = (NF == 6) ? $4 : ""; version = (NF == 6) ? $5 : $4
    print $1 ":" $2 ":" classifier, $2 "-" version (classifier == "" ? "" : "-" classifier) ".jar"
  }'
}

dist_assemble() {
  local work=$1 dist=$2 share key jar layer dir profiles="" src=$dist_src
  local -a mvn
  share=$dist/share/hadoop
  mkdir -p "$dist/bin" "$dist/libexec" "$dist/etc/hadoop" "$share"
  cp "$src/pom.xml" "$work/pom.xml"
  mvn=(-f "$work/pom.xml" -Dhadoop.version="$dist_version")
  dist_log "fetching Hadoop $dist_version's jars from Maven Central"
  dist_maven "$work" "${mvn[@]}" -Pcommon,hdfs,yarn,mapreduce dependency:copy-dependencies dependency:list \
    -DoutputDirectory="$work/jars" -DoutputFile="$work/all.txt"
  # A library goes to the lib/ of the first module (common, hdfs, yarn, else mapreduce) that needs it.
  declare -A layer_of=()
  for layer in common hdfs yarn; do
    dist_maven "$work" "${mvn[@]}" -P"${profiles:+$profiles,}$layer" dependency:list -DoutputFile="$work/$layer.txt"
    profiles=${profiles:+$profiles,}$layer
    while read -r key jar; do
      [ -n "${layer_of[$key]:-}" ] || layer_of[$key]=$layer
    done < <(list_artifacts "$work/$layer.txt")
  done

  while read -r key jar; do
    layer=${layer_of[$key]:-mapreduce}
    case $key in
      org.apache.hadoop:hadoop-hdfs:tests)
        # The HDFS web UIs, as in Apache's share/hadoop/hdfs/webapps.
        mkdir -p "$share/hdfs"
        (cd "$share/hdfs" && jar xf "$work/jars/$jar" webapps && rm -rf webapps/test)
        continue ;;
      org.apache.hadoop:hadoop-common:* | org.apache.hadoop:hadoop-registry:*) dir=common ;;
      org.apache.hadoop:hadoop-hdfs*) dir=hdfs ;;
      org.apache.hadoop:hadoop-yarn-*) dir=yarn ;;
      org.apache.hadoop:hadoop-mapreduce-*) dir=mapreduce ;;
      *) dir=$layer/lib ;;
    esac
    mkdir -p "$share/$dir"
    cp "$work/jars/$jar" "$share/$dir/"
  done < <(list_artifacts "$work/all.txt")

  cp "$src"/bin/* "$dist/bin/"
  cp "$src"/libexec/* "$dist/libexec/"
  cp "$src"/etc/* "$dist/etc/hadoop/"
  for site in core hdfs yarn mapred; do
    printf '<?xml version="1.0"?>\n<!-- The lab'"'"'s Hadoop distribution: empty, as in Apache'"'"'s release. -->\n<configuration>\n</configuration>\n' \
      >"$dist/etc/hadoop/$site-site.xml"
  done
  echo localhost >"$dist/etc/hadoop/workers"
  cat >"$dist/README.lab.txt" <<EOF
This is NOT Apache's Hadoop $dist_version binary release. The mlops.hosts lab (lab/hadoop-dist.sh) assembled
it from Hadoop $dist_version's release jars on Maven Central in the layout of Apache's tarball, with minimal
launchers of its own in bin/ and libexec/ and minimal default files in etc/hadoop/. No native libraries,
no --daemon or --workers scripts, no documentation. For tests of the collection's roles only.
EOF
  chmod 0755 "$dist"/bin/*
}

dist_main "$0"
