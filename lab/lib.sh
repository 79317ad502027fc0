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

# Start apt-cacher-ng for the lab when it can be had, or restart it when its settings changed; the lab works without
# it.
lab_cache_up() {
  local conf=/etc/apt-cacher-ng/zz-mlops-lab.conf settings
  # Only Debian's archives are served (ForceManaged), to the lab's containers.
  # The packaged backend (ftp.debian.org) may not resolve where only deb.debian.org does.
  # Index files stay fresh for 10 minutes instead of 27 s: when several containers asked for an outdated InRelease at
  # once, apt-cacher-ng 3.7 failed to move its copy aside ("Failure to move file ... errno: File exists" in
  # /var/log/apt-cacher-ng/apt-cacher.err), dropped the connection, and one container's apt-get update waited on it
  # for good (a Molecule converge hung 25 minutes on 2026-12-02). Debian's archive serves indexes by hash, so a
  # 10-minute-old InRelease still matches the files it lists.
  settings=$(printf '%s\n' 'BindAddress: 0.0.0.0' 'Port: 3142' 'ForceManaged: 1' 'FreshIndexMaxAge: 600' \
    'Remap-debrep: file:deb_mirror*.gz /debian ; http://deb.debian.org/debian/')
  if lab_cache_reachable 127.0.0.1 && [ "$(cat "$conf" 2>/dev/null)" = "$settings" ]; then return 0; fi
  if ! command -v apt-cacher-ng >/dev/null 2>&1; then
    if [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apt-cacher-ng >/dev/null 2>&1 || true
    fi
  fi
  command -v apt-cacher-ng >/dev/null 2>&1 || { echo "lab: no apt-cacher-ng; the lab downloads packages directly"; return 0; }
  echo "$settings" >"$conf"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl restart apt-cacher-ng
  else
    # Started here before, without a service manager: stopped, so the new settings can take its port.
    if pkill -x apt-cacher-ng; then
      for _ in $(seq 20); do lab_cache_reachable 127.0.0.1 || break; sleep 0.5; done
    fi
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
