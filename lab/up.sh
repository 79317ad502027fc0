#!/usr/bin/env bash
# Start one container per host of the lab inventory (inventories/lab), from the lab images.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/lib.sh
. "$here/lib.sh"
inventory=${LAB_INVENTORY:-$here/../inventories/lab}

lab_require_root
lab_engine_up
lab_cache_up
lab_network_up

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
