#!/usr/bin/env bash
# Assemble the LAB's Hadoop distribution: Hadoop's release jars from Maven Central (Apache's binary
# tarball cannot be reached here) in the layout of Apache's hadoop-<version>.tar.gz, with the lab's
# minimal launchers in bin/ (lab/hadoop-dist/libexec/hadoop-lab-launcher.sh) and minimal default files in
# etc/hadoop. The roles do not know about it: they install it as they install Apache's tarball.
#
# The archive and its .sha512 are kept in /var/cache/mlops-lab/hadoop (also mounted in the Molecule
# containers) and rebuilt only when this script, lab/hadoop-dist/ or the version change. The archive's
# bytes depend on those inputs only (sorted, fixed owner and time stamp), so its SHA-512 is stable.
#
# Prints, on stdout, what the hadoop Molecule scenario reads (progress goes to stderr):
#   HADOOP_ARCHIVE_FILE=/var/cache/mlops-lab/hadoop/hadoop-3.4.2.tar.gz
#   HADOOP_ARCHIVE_SHA512=<128 hex digits>
#   HADOOP_ARCHIVE_VERSION=3.4.2
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$here/hadoop-dist
version=${LAB_HADOOP_VERSION:-3.4.2}
cache=${LAB_HADOOP_CACHE:-/var/cache/mlops-lab/hadoop}
name=hadoop-$version
archive=$cache/$name.tar.gz
# Every file's time stamp in the archive (Hadoop 3.4.2's release day).
mtime=@1756425600

log() { echo "hadoop-dist: $*" >&2; }

inputs_hash() {
  {
    echo "$version"
    cat "$0"
    (cd "$src" && find . -type f -printf '%p %m\n' | LC_ALL=C sort)
    find "$src" -type f -print0 | LC_ALL=C sort -z | xargs -0 cat
  } | sha256sum | cut -d' ' -f1
}

# group:artifact:classifier of each artifact in a dependency:list file, then its jar's file name.
list_artifacts() {
  sed -n 's/^   \([^ ]*\).*/\1/p' "$1" | awk -F: '{
    classifier = (NF == 6) ? $4 : ""; version = (NF == 6) ? $5 : $4
    print $1 ":" $2 ":" classifier, $2 "-" version (classifier == "" ? "" : "-" classifier) ".jar"
  }'
}

# Maven, quiet unless it fails (-q still prints colour codes).
maven() {
  "${mvn[@]}" "$@" >"$work/maven.log" 2>&1 || { cat "$work/maven.log" >&2; log "Maven failed"; exit 1; }
}

build() {
  local work dist share mvn start key jar layer dir profiles=""
  command -v mvn >/dev/null || { log "needs Maven (mvn) and a JDK"; exit 1; }
  start=$SECONDS
  work=$(mktemp -d "${TMPDIR:-/tmp}/hadoop-dist.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  cp "$src/pom.xml" "$work/pom.xml"
  mvn=(mvn -q -B -f "$work/pom.xml" -Dhadoop.version="$version")
  log "fetching Hadoop $version's jars from Maven Central"
  maven -Pcommon,hdfs,yarn,mapreduce dependency:copy-dependencies dependency:list \
    -DoutputDirectory="$work/jars" -DoutputFile="$work/all.txt"
  # A library goes to the lib/ of the first module (common, hdfs, yarn, else mapreduce) that needs it.
  declare -A layer_of=()
  for layer in common hdfs yarn; do
    maven -P"${profiles:+$profiles,}$layer" dependency:list -DoutputFile="$work/$layer.txt"
    profiles=${profiles:+$profiles,}$layer
    while read -r key jar; do
      [ -n "${layer_of[$key]:-}" ] || layer_of[$key]=$layer
    done < <(list_artifacts "$work/$layer.txt")
  done

  dist=$work/dist/$name
  share=$dist/share/hadoop
  mkdir -p "$dist/bin" "$dist/libexec" "$dist/etc/hadoop" "$share"
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
This is NOT Apache's Hadoop $version binary release. The mlops.hosts lab (lab/hadoop-dist.sh) assembled
it from Hadoop $version's release jars on Maven Central in the layout of Apache's tarball, with minimal
launchers of its own in bin/ and libexec/ and minimal default files in etc/hadoop/. No native libraries,
no --daemon or --workers scripts, no documentation. For tests of the collection's roles only.
EOF
  chmod -R u=rwX,go=rX "$work/dist"
  chmod 0755 "$dist"/bin/*

  mkdir -p "$cache"
  tar --sort=name --mtime="$mtime" --owner=0 --group=0 --numeric-owner --format=gnu \
    -C "$work/dist" -cf - "$name" | gzip -6n >"$archive.tmp"
  mv "$archive.tmp" "$archive"
  (cd "$cache" && sha512sum "$name.tar.gz") >"$archive.sha512"
  log "built $archive ($(du -m "$archive" | cut -f1) MB, $(find "$share" -name '*.jar' | wc -l) jars) in $((SECONDS - start)) s"
}

mkdir -p "$cache"
# One build at a time: other worktrees' Molecule runs share the cache.
exec 9>"$cache/.lock"
flock 9
hash=$(inputs_hash)
if [ -f "$archive" ] && [ -f "$archive.sha512" ] && [ "$(cat "$archive.inputs" 2>/dev/null)" = "$hash" ] &&
  (cd "$cache" && sha512sum --quiet -c "$name.tar.gz.sha512" >/dev/null 2>&1); then
  log "$archive is up to date"
else
  rm -f "$archive.inputs"
  build
  echo "$hash" >"$archive.inputs"
fi
sha512=$(cut -d' ' -f1 "$archive.sha512")
log "$archive"
log "SHA-512 $sha512"
echo "HADOOP_ARCHIVE_FILE=$archive"
echo "HADOOP_ARCHIVE_SHA512=$sha512"
echo "HADOOP_ARCHIVE_VERSION=$version"
