#!/usr/bin/env bash
# Remove the lab's containers (images and the package cache stay).
set -euo pipefail
ids=$(docker ps -aq --filter label=mlops.lab.host)
if [ -n "$ids" ]; then
  # End the SSH sessions first: the controller's persistent connections (ControlPersist) then close at once instead
  # of outliving their hosts, whose addresses the next `make lab-up` may give to other containers.
  for id in $ids; do docker exec "$id" pkill sshd >/dev/null 2>&1 || true; done
  # shellcheck disable=SC2086 # one id per word
  docker rm -f $ids >/dev/null
fi
echo "lab: containers removed"
