#!/usr/bin/env bash
# Start one container per host of the lab inventory (inventories/lab/hosts.yml, or LAB_INVENTORY), from the lab images.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/lib.sh
. "$here/lib.sh"
inventory=${LAB_INVENTORY:-$here/../inventories/lab/hosts.yml}

lab_require_root
lab_engine_up
lab_cache_up
lab_network_up
lab_ssh_key

ansible-inventory -i "$inventory" --list --export |
  python3 -c 'import json, sys
inv = json.load(sys.stdin)
for host, hostvars in sorted(inv.get("_meta", {}).get("hostvars", {}).items()):
    print(host, hostvars.get("lab_distro", "debian12"))' |
  while read -r host distro; do
    if [ "$(docker inspect -f '{{.State.Running}}' "$host" 2>/dev/null)" = true ]; then
      echo "lab: $host is running"
      continue
    fi
    docker rm -f "$host" >/dev/null 2>&1 || true
    lab_run_host "$host" "$distro"
    echo "lab: started $host ($distro)"
  done

# Ansible reaches the lab's hosts over SSH as it reaches real ones: an SSH client configuration naming each host's
# address and the lab key (inventories/lab/hosts.yml passes it with -F). `ssh -F $lab_ssh_dir/config lab-jupyter`
# logs in too.
config=$lab_ssh_dir/config
{
  echo "# Written by lab/up.sh: the lab's hosts by their addresses in the mlops-lab network."
  docker ps --filter label=mlops.lab.host --format '{{.Names}}' | sort | while read -r host; do
    address=$(docker inspect -f '{{(index .NetworkSettings.Networks "mlops-lab").IPAddress}}' "$host")
    printf 'Host %s\n  HostName %s\n' "$host" "$address"
  done
  printf '%s\n' 'Host *' '  User root' "  IdentityFile $lab_ssh_dir/id_ed25519" '  IdentitiesOnly yes' \
    '  StrictHostKeyChecking no' '  UserKnownHostsFile /dev/null' '  LogLevel ERROR'
} >"$config.new"
mv "$config.new" "$config"
mapfile -t addresses < <(sed -n 's/^  HostName //p' "$config")
lab_wait_ssh "${addresses[@]}"
echo "lab: hosts reachable over SSH (ssh -F $config <host>)"
