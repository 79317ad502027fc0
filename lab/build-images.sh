#!/usr/bin/env bash
# Build the lab's systemd-capable Debian images with debootstrap (no registry
# is reachable). An image is rebuilt only when its inputs change: this script,
# the suite, the package list and the host's local CA certificates.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/lib.sh
. "$here/lib.sh"

distros=${LAB_DISTROS:-debian11 debian12 debian13}
packages="python3,python3-apt,systemd,systemd-sysv,dbus,ca-certificates,iproute2,procps,openssh-server"
mirror=${LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}

lab_require_root
lab_engine_up
lab_cache_up
lab_ssh_key

# The lab's package cache serves debootstrap too when it runs (it proxies deb.debian.org only); without it we fetch
# directly.
if lab_cache_reachable 127.0.0.1 && [ "${mirror#http://deb.debian.org/}" != "$mirror" ]; then
  fetch_proxy=(env http_proxy=http://127.0.0.1:3142)
  apt_cache_opt=(-o Acquire::http::Proxy=http://127.0.0.1:3142)
else
  fetch_proxy=()
  apt_cache_opt=()
fi

ca_files=$(find /usr/local/share/ca-certificates -name '*.crt' -type f 2>/dev/null | sort)

inputs_hash() {
  local suite=$1
  {
    cat "$0" "$here/lib.sh" "$here/files/lab-apt-proxy"
    echo "$suite $packages $mirror ${lab_environment[*]}"
    for f in $ca_files; do cat "$f"; done
  } | sha256sum | cut -c1-16
}

# The Java options of every JVM in the lab's containers, services and logins alike (see build_one).
lab_jvm_options=-XX:TieredStopAtLevel=1
# The environment of every command run in a lab host, through SSH (sshd's SetEnv) or docker exec (the image's ENV):
# the host's CAs for pip and Node, the machine's shared download caches, and the lab's Java options. No value has a
# space. uv's cache holds the wheels it downloaded and built (the Airflow hosts' gssapi and krb5 from sdists): an
# Airflow environment with the HDFS provider took 193 CPU-seconds with it empty, 27 with it filled by another host
# (2026-12-07); uv locks its entries, so hosts installing at once share it safely. It is on another file system than
# the environments: uv copies from it (UV_LINK_MODE), as it would after failing to hard-link, without the warning.
lab_environment=(
  PIP_CERT=/etc/ssl/certs/ca-certificates.crt
  NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  PIP_CACHE_DIR=/var/cache/mlops-lab/pip
  UV_CACHE_DIR=/var/cache/mlops-lab/uv
  UV_LINK_MODE=copy
  NPM_CONFIG_CACHE=/var/cache/mlops-lab/npm
  "JAVA_TOOL_OPTIONS=$lab_jvm_options"
)

build_one() {
  local distro=$1 suite hash image root
  suite=$(lab_suite "$distro")
  image="mlops-lab/$distro"
  hash=$(inputs_hash "$suite")
  if [ "$(docker image inspect -f '{{ index .Config.Labels "mlops.lab.inputs" }}' "$image:latest" 2>/dev/null)" = "$hash" ]; then
    echo "lab: $image is current ($hash)"
    return 0
  fi
  echo "lab: building $image from Debian $suite ($hash)"
  root=$(mktemp -d "/var/tmp/mlops-lab-$distro.XXXXXX")
  trap 'rm -rf "$root"' RETURN
  "${fetch_proxy[@]}" debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >"$root.log" 2>&1 || {
    tail -n 30 "$root.log" >&2
    echo "lab: debootstrap of $suite failed (log: $root.log)" >&2
    return 1
  }
  rm -f "$root.log"
  printf 'deb %s %s main\n' "$mirror" "$suite" >"$root/etc/apt/sources.list"
  # Trust the host's local CAs (an intercepting proxy's, a corporate root).
  mkdir -p "$root/usr/local/share/ca-certificates/lab"
  for f in $ca_files; do cp "$f" "$root/usr/local/share/ca-certificates/lab/"; done
  chroot "$root" update-ca-certificates >/dev/null
  # Hosts have package lists; keep fresh ones so a check run on a bare host can resolve packages.
  chroot "$root" apt-get "${apt_cache_opt[@]}" -qq update
  # Use the host's package cache when it answers, go direct when it does not (lab/lib.sh lab_cache_up). Without
  # pipelining, so one slow answer holds up no other; a download that stalls is given up after 30 s of silence
  # instead of 120 and tried again, up to 3 times.
  install -m 0755 "$here/files/lab-apt-proxy" "$root/usr/local/bin/lab-apt-proxy"
  printf '%s\n' 'Acquire::http::Proxy-Auto-Detect "/usr/local/bin/lab-apt-proxy";' 'Acquire::http::Pipeline-Depth "0";' \
    'Acquire::http::Timeout "30";' 'Acquire::Retries "3";' >"$root/etc/apt/apt.conf.d/01lab-cache"
  # dpkg without an fsync per unpacked file, as Debian's own container images do (a container that crashes is made
  # again): Debian 12's CUDA toolkit installed in 89 s instead of 122 s (2026-12-02). Production hosts keep dpkg's
  # default.
  printf 'force-unsafe-io\n' >"$root/etc/dpkg/dpkg.cfg.d/lab-unsafe-io"
  # A container has no console to log in on and no hardware clock.
  rm -f "$root/etc/machine-id" && touch "$root/etc/machine-id"
  chroot "$root" systemctl mask getty@tty1.service serial-getty@ttyS0.service \
    systemd-remount-fs.service dev-hugepages.mount sys-fs-fuse-connections.mount >/dev/null 2>&1 || true
  # The lab's Java services (ZooKeeper, HDFS, YARN, Spark, Kafka) live for minutes on 2 shared cores: with the client
  # compiler only, a Kafka broker used 6 s of CPU in its first 3 minutes instead of 10 s, and `hdfs dfs -cat` 1.0
  # CPU-second instead of 2.0. lab_environment gives the same to commands run over SSH or docker exec (modules, the
  # tests' clients). Production hosts keep Java's defaults.
  mkdir -p "$root/etc/systemd/system.conf.d"
  printf '[Manager]\nDefaultEnvironment="JAVA_TOOL_OPTIONS=%s"\n' "$lab_jvm_options" \
    >"$root/etc/systemd/system.conf.d/lab-jvm.conf"
  # Ansible and the tests log in as root with the lab's key (lab/lib.sh lab_ssh_key), never with a password; one
  # connection per host carries every task (ControlPersist), and a test may run many commands on it at once. The host
  # keys are made once per image: the lab's logins do not check them (UserKnownHostsFile=/dev/null).
  printf '%s\n' '# The lab: root logs in with the lab key only; commands get the lab environment.' \
    'PermitRootLogin prohibit-password' 'PasswordAuthentication no' 'MaxSessions 64' \
    "SetEnv ${lab_environment[*]}" >"$root/etc/ssh/sshd_config.d/lab.conf"
  chroot "$root" apt-get clean
  rm -f "$root"/var/cache/apt/*.bin
  local env_changes=() setting
  for setting in "${lab_environment[@]}"; do env_changes+=(--change "ENV $setting"); done
  tar -C "$root" -c . | docker import \
    --change 'CMD ["/lib/systemd/systemd"]' \
    --change 'ENV container=docker' \
    "${env_changes[@]}" \
    --change "LABEL mlops.lab.inputs=$hash" \
    - "$image:latest" >/dev/null
  echo "lab: built $image"
}

pids=()
for d in $distros; do
  build_one "$d" &
  pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
exit $rc
