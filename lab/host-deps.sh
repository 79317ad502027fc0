#!/usr/bin/env bash
# Install the Debian packages the lab and the linters use, when missing and when we can.
set -euo pipefail
want=()
command -v debootstrap >/dev/null || want+=(debootstrap)
command -v dockerd >/dev/null || docker info >/dev/null 2>&1 || want+=(docker.io)
command -v shellcheck >/dev/null || want+=(shellcheck)
# The virtual desktop tests log in over RDP with xfreerdp under Xvfb.
command -v xfreerdp >/dev/null || want+=(freerdp2-x11)
command -v Xvfb >/dev/null || want+=(xvfb)
# The desktop-in-JupyterLab test opens it in headless Chromium, driven by Playwright (requirements-dev.txt).
command -v chromium >/dev/null || want+=(chromium)
command -v curl >/dev/null || want+=(curl)
# Ansible, Molecule and the tests reach the lab's hosts over SSH (lab/lib.sh lab_ssh_key).
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || want+=(openssh-client)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "host-deps: please install: ${want[*]}" >&2
  exit 1
fi
echo "host-deps: installing ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
