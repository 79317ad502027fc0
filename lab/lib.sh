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

# The lab's package cache: nginx on :3142 as an HTTP proxy for Debian's archive (deb.debian.org) only, caching
# packages and by-hash index files for 30 days (their names change when their content does) and InRelease files for
# 10 minutes. apt-cacher-ng did this job until 2026-12-02 and hung apt twice: several containers asking for the same
# outdated InRelease made it fail to move its copy aside ("Failure to move file ... File exists") and leave the
# connection open, and apt-get update waited on it 12 and 25 minutes, once until CI's limit. nginx coalesces
# concurrent misses (proxy_cache_lock) and gives up on a silent upstream after 60 s, and apt retries (lab images).
lab_cache_dir=/var/cache/mlops-lab-apt
lab_cache_conf=/etc/mlops-lab/apt-cache.conf

lab_cache_settings() {
  cat <<CONF
# The mlops.hosts lab's package cache (lab/lib.sh lab_cache_up writes this file; edits are overwritten).
user www-data;
worker_processes 1;
pid $lab_cache_dir/nginx.pid;
error_log $lab_cache_dir/error.log warn;
events { worker_connections 1024; }
http {
  log_format cache '\$time_iso8601 \$remote_addr "\$request" \$status \$body_bytes_sent \$upstream_cache_status \$request_time';
  access_log $lab_cache_dir/access.log cache;
  proxy_temp_path $lab_cache_dir/tmp;
  client_body_temp_path $lab_cache_dir/tmp;
  proxy_cache_path $lab_cache_dir/cache levels=1:2 keys_zone=apt:16m max_size=20g inactive=30d use_temp_path=off;
  server {
    listen 3142 default_server;
    return 403;
  }
  server {
    listen 3142;
    server_name deb.debian.org;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_connect_timeout 20s;
    proxy_read_timeout 60s;
    proxy_send_timeout 60s;
    proxy_cache apt;
    proxy_cache_lock on;
    proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
    proxy_ignore_headers Cache-Control Expires Set-Cookie;
    location ~ /(pool/|dists/.*/by-hash/) {
      proxy_pass http://deb.debian.org;
      proxy_cache_valid 200 30d;
    }
    location ~ /dists/ {
      proxy_pass http://deb.debian.org;
      proxy_cache_valid 200 10m;
    }
    location / {
      proxy_pass http://deb.debian.org;
      proxy_cache off;
    }
  }
}
CONF
}

# Start the lab's package cache when it can be had, or restart it when its settings changed; the lab works without
# it (lab/files/lab-apt-proxy goes direct when nothing answers on :3142).
lab_cache_up() {
  local settings
  settings=$(lab_cache_settings)
  if lab_cache_reachable 127.0.0.1 && [ "$(cat "$lab_cache_conf" 2>/dev/null)" = "$settings" ]; then return 0; fi
  if ! command -v nginx >/dev/null 2>&1 && [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
    lab_install_quietly nginx-light
  fi
  command -v nginx >/dev/null 2>&1 || { echo "lab: no nginx; the lab downloads packages directly"; return 0; }
  mkdir -p "$(dirname "$lab_cache_conf")" "$lab_cache_dir/tmp" "$lab_cache_dir/cache"
  chown www-data: "$lab_cache_dir/tmp" "$lab_cache_dir/cache"
  echo "$settings" >"$lab_cache_conf"
  # An earlier cache (this one with older settings, or apt-cacher-ng of earlier versions) gives up the port first.
  if [ -s "$lab_cache_dir/nginx.pid" ]; then nginx -q -c "$lab_cache_conf" -s stop 2>/dev/null || true; fi
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl stop apt-cacher-ng 2>/dev/null || true
  fi
  pkill -x apt-cacher-ng || true
  for _ in $(seq 20); do lab_cache_reachable 127.0.0.1 || break; sleep 0.5; done
  nginx -c "$lab_cache_conf" || { echo "lab: the package cache did not start; the lab downloads packages directly"; return 0; }
  for _ in $(seq 10); do lab_cache_reachable 127.0.0.1 && { echo "lab: package cache (nginx) on :3142"; return 0; }; sleep 0.5; done
  echo "lab: the package cache did not answer; the lab downloads packages directly"
}

# Install Debian packages without starting their services (a package's own nginx would take port 80).
lab_install_quietly() {
  local policy=/usr/sbin/policy-rc.d made=''
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && made=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 || true
  if [ -n "$made" ]; then rm -f "$policy"; fi
}

lab_network_up() {
  docker network inspect mlops-lab >/dev/null 2>&1 || docker network create mlops-lab >/dev/null
}

# The lab's SSH key: Ansible, Molecule and the tests log in to every lab host as root with it, as users reach real
# hosts. It lives outside any checkout (a clean clone reuses it) and root-only; each container gets the public half as
# root's authorized_keys at start, so the images do not change with it.
lab_ssh_dir=${LAB_SSH_DIR:-/var/lib/mlops-lab/ssh}
lab_ssh_key() {
  install -d -m 0700 "$lab_ssh_dir"
  if [ ! -s "$lab_ssh_dir/id_ed25519" ] || [ ! -s "$lab_ssh_dir/id_ed25519.pub" ]; then
    rm -f "$lab_ssh_dir/id_ed25519" "$lab_ssh_dir/id_ed25519.pub"
    ssh-keygen -q -t ed25519 -N '' -C mlops-lab -f "$lab_ssh_dir/id_ed25519"
    echo "lab: made the lab's SSH key $lab_ssh_dir/id_ed25519"
  fi
}

# Wait until an SSH server answers on each address given (port 22), up to 60 s each; fail naming the one that did not.
lab_wait_ssh() {
  local address
  for address in "$@"; do
    for _ in $(seq 120); do
      if timeout 2 bash -c "exec 3<>/dev/tcp/$address/22 && head -c 4 <&3" 2>/dev/null | grep -q '^SSH-'; then continue 2; fi
      sleep 0.5
    done
    echo "lab: no SSH server answered on $address:22 in 60 s" >&2
    return 1
  done
}

# Start one lab host container, as every caller does (lab/up.sh, molecule/create.yml, tests/benchmark_drift.py): systemd
# as PID 1 with the flags that work here (no --privileged, ../shared/MACHINE.md), the shared download cache, and the
# lab key as root's authorized_keys. Arguments: name, hostname, network, image, then any further `docker run` options.
lab_start_container() {
  local name=$1 hostname=$2 network=$3 image=$4
  shift 4
  mkdir -p /var/cache/mlops-lab
  docker run -d --name "$name" --hostname "$hostname" --network "$network" "$@" \
    --cap-add SYS_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
    -v /var/cache/mlops-lab:/var/cache/mlops-lab \
    -v "$lab_ssh_dir/id_ed25519.pub:/root/.ssh/authorized_keys:ro" \
    --stop-signal SIGRTMIN+3 \
    "$image" /lib/systemd/systemd >/dev/null
}

# One host of the lab (lab/up.sh) on its network.
lab_run_host() {
  lab_start_container "$1" "$1" mlops-lab "mlops-lab/$2:latest" --label mlops.lab.host="$1"
}
