#!/usr/bin/env bash
# Remove the lab's containers (images and the package cache stay).
set -euo pipefail
ids=$(docker ps -aq --filter label=mlops.lab.host)
if [ -n "$ids" ]; then
  # shellcheck disable=SC2086 # one id per word
  docker rm -f $ids >/dev/null
fi
echo "lab: containers removed"
