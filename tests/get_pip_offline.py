"""Stand-in for the get-pip bootstrap script ansible-test downloads from its own CI host.

That host is out of reach where only package registries are (ansible/ansible#77304). ansible-test
runs this file with pip install options and package specs as arguments: bootstrap the pip that
CPython bundles (ensurepip), then let it install the requested packages from the package index.
"""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys

SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
GET_PIP_ONLY = {'--no-setuptools', '--no-wheel'}

ensurepip.bootstrap(upgrade=True)
args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
# ansible-test runs pip with a minimal environment; keep trusting the system's CAs (intercepting proxies).
if os.path.exists(SYSTEM_CA_BUNDLE):
    args = ['--cert', SYSTEM_CA_BUNDLE, *args]
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install', '--upgrade', *args]))
