#!/usr/bin/env bash
# Build the execution environment image (execution-environment.yml) with no registry and no Galaxy:
# the base image from the lab's Debian 12 image, collections as tarballs packed here.
# EE_IMAGE names the result (default mlops-hosts-ee:latest).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/.venv/bin:$PATH
image=${EE_IMAGE:-mlops-hosts-ee:latest}
base=mlops-hosts-ee-base:latest    # images.base_image.name in execution-environment.yml
work=.build/ee

if ! docker image inspect mlops-lab/debian12:latest >/dev/null 2>&1; then
  LAB_DISTROS=debian12 bash lab/build-images.sh
fi
echo "ee: base image $base"
docker build --quiet --tag "$base" --file ee/base/Containerfile ee/base >/dev/null
python ee/pack_collections.py --output "$work"
echo "ee: building $image"
ansible-builder build --file execution-environment.yml --context "$work/context" \
  --container-runtime docker --tag "$image" --verbosity 2
docker run --rm "$image" ansible-galaxy collection list mlops.hosts
