# shellcheck shell=bash
# Shared helpers for the lab scripts (sourced, not run).

lab_require_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "lab: run as root (debootstrap and the Docker engine need it)" >&2
    exit 1
  fi
}

lab_suite() {
  case "$1" in
    debian11) echo bullseye ;;
    debian12) echo bookworm ;;
    debian13) echo trixie ;;
    *) echo "lab: unknown distribution '$1' (use debian11, debian12, debian13)" >&2; return 1 ;;
  esac
}

# Make sure a Docker engine answers; on a Debian host as root, install and start one.
lab_engine_up() {
  docker info >/dev/null 2>&1 && return 0
  if ! command -v dockerd >/dev/null 2>&1; then
    if [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
      echo "lab: no Docker engine; installing docker.io from Debian"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
    else
      echo "lab: no Docker engine reachable. Install one (Debian: apt-get install docker.io) and start it." >&2
      exit 1
    fi
  fi
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl start docker
  else
    echo "lab: starting dockerd (log: /var/log/mlops-lab-dockerd.log)"
    nohup dockerd >/var/log/mlops-lab-dockerd.log 2>&1 &
  fi
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "lab: dockerd did not come up; see /var/log/mlops-lab-dockerd.log" >&2
  exit 1
}

lab_cache_reachable() {
  timeout 1 bash -c "exec 3<>/dev/tcp/$1/3142" 2>/dev/null
}

# Start apt-cacher-ng for the lab when it can be had; the lab works without it.
lab_cache_up() {
  lab_cache_reachable 127.0.0.1 && return 0
  if ! command -v apt-cacher-ng >/dev/null 2>&1; then
    if [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apt-cacher-ng >/dev/null 2>&1 || true
    fi
  fi
  command -v apt-cacher-ng >/dev/null 2>&1 || { echo "lab: no apt-cacher-ng; the lab downloads packages directly"; return 0; }
  # Only Debian's archives are served (ForceManaged), to the lab's containers.
  # The packaged backend (ftp.debian.org) may not resolve where only deb.debian.org does.
  printf '%s\n' 'BindAddress: 0.0.0.0' 'Port: 3142' 'ForceManaged: 1' \
    'Remap-debrep: file:deb_mirror*.gz /debian ; http://deb.debian.org/debian/' \
    >/etc/apt-cacher-ng/zz-mlops-lab.conf
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl restart apt-cacher-ng
  else
    apt-cacher-ng -c /etc/apt-cacher-ng foreground=0
  fi
  for _ in $(seq 10); do lab_cache_reachable 127.0.0.1 && { echo "lab: apt-cacher-ng on :3142"; return 0; }; sleep 0.5; done
  echo "lab: apt-cacher-ng did not start; the lab downloads packages directly"
}

lab_network_up() {
  docker network inspect mlops-lab >/dev/null 2>&1 || docker network create mlops-lab >/dev/null
}

# Run one systemd host container: the flags that work here (no --privileged).
lab_run_host() {
  local name=$1 distro=$2
  mkdir -p /var/cache/mlops-lab
  docker run -d --name "$name" --hostname "$name" --network mlops-lab \
    --label mlops.lab.host="$name" \
    --cap-add SYS_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
    -v /var/cache/mlops-lab:/var/cache/mlops-lab \
    --stop-signal SIGRTMIN+3 \
    "mlops-lab/$distro:latest" /lib/systemd/systemd >/dev/null
}
