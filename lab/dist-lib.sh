# shellcheck shell=bash
# The dist_* settings are the caller's (see below).
# shellcheck disable=SC2154
# What the lab's distribution builds share (sourced by lab/hadoop-dist.sh and lab/kafka-dist.sh): Apache's
# binary releases cannot be downloaded here, Maven Central's release jars can, so each script assembles the
# release's layout from them. This file keeps the archive in the cache, rebuilds it only when its inputs
# change, packs it byte for byte the same from the same inputs, and prints what Molecule reads.
#
# The caller sets, then runs dist_main:
#   dist_name     hadoop, kafka: the prefix of the variables printed (HADOOP_ARCHIVE_FILE...)
#   dist_version  the release's version
#   dist_release  the archive's top directory (hadoop-3.4.2, kafka_2.13-4.1.1)
#   dist_ext      the archive's extension, as Apache names it (tar.gz, tgz)
#   dist_src      the directory of the script's own files (pom.xml, launchers, default configuration)
#   dist_mtime    every file's time stamp in the archive (@seconds, the release's day)
#   dist_cache    where the archive, its .sha512 and its .inputs are kept
# and defines dist_assemble WORK DIR: fill DIR (the release's top directory) using the scratch directory
# WORK, which is removed afterwards.
#
# Prints, on stdout (progress goes to stderr), e.g. for kafka:
#   KAFKA_ARCHIVE_FILE=/var/cache/mlops-lab/kafka/kafka_2.13-4.1.1.tgz
#   KAFKA_ARCHIVE_SHA512=<128 hex digits>
#   KAFKA_ARCHIVE_VERSION=4.1.1

dist_log() { echo "$dist_name-dist: $*" >&2; }

# Maven, quiet unless it fails (-q still prints colour codes): dist_maven WORK ARGS...
dist_maven() {
  local work=$1
  shift
  command -v mvn >/dev/null || { dist_log "needs Maven (mvn) and a JDK"; exit 1; }
  mvn -q -B "$@" >"$work/maven.log" 2>&1 || { cat "$work/maven.log" >&2; dist_log "Maven failed"; exit 1; }
}

# The caller script, its own files (names, modes and contents) and the version: what the archive is made from.
dist_inputs_hash() {
  local script=$1
  {
    echo "$dist_version"
    cat "$script" "${BASH_SOURCE[0]}"
    (cd "$dist_src" && find . -type f -printf '%p %m\n' | LC_ALL=C sort)
    find "$dist_src" -type f -print0 | LC_ALL=C sort -z | xargs -0 cat
  } | sha256sum | cut -d' ' -f1
}

dist_build() {
  local archive=$1 work start
  start=$SECONDS
  work=$(mktemp -d "${TMPDIR:-/tmp}/$dist_name-dist.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  mkdir -p "$work/dist/$dist_release"
  dist_assemble "$work" "$work/dist/$dist_release"
  chmod -R u=rwX,go=rX "$work/dist"
  tar --sort=name --mtime="$dist_mtime" --owner=0 --group=0 --numeric-owner --format=gnu \
    -C "$work/dist" -cf - "$dist_release" | gzip -6n >"$archive.tmp"
  mv "$archive.tmp" "$archive"
  (cd "$dist_cache" && sha512sum "$(basename "$archive")") >"$archive.sha512"
  dist_log "built $archive ($(du -m "$archive" | cut -f1) MB, $(find "$work/dist" -name '*.jar' | wc -l) jars) in $((SECONDS - start)) s"
}

dist_main() {
  local script=$1 archive hash sha512 prefix
  archive=$dist_cache/$dist_release.$dist_ext
  mkdir -p "$dist_cache"
  # One build at a time: other worktrees' Molecule runs share the cache.
  exec 9>"$dist_cache/.lock"
  flock 9
  hash=$(dist_inputs_hash "$script")
  if [ -f "$archive" ] && [ -f "$archive.sha512" ] && [ "$(cat "$archive.inputs" 2>/dev/null)" = "$hash" ] &&
    (cd "$dist_cache" && sha512sum --quiet -c "$(basename "$archive").sha512" >/dev/null 2>&1); then
    dist_log "$archive is up to date"
  else
    rm -f "$archive.inputs"
    dist_build "$archive"
    echo "$hash" >"$archive.inputs"
  fi
  sha512=$(cut -d' ' -f1 "$archive.sha512")
  dist_log "$archive"
  dist_log "SHA-512 $sha512"
  prefix=${dist_name^^}_ARCHIVE
  echo "${prefix}_FILE=$archive"
  echo "${prefix}_SHA512=$sha512"
  echo "${prefix}_VERSION=$dist_version"
}
