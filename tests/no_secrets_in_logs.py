"""No secret of the lab in any log a Molecule run kept (the scenarios' output and drift artifacts).

Scenario tests record each secret they know (made on the hosts: cookie secrets, proxy tokens, the Spark
secret; or set in their inventory: the proxy and LDAP passwords) with molecule/conftest.py's
record_secret(); tests/molecule.sh keeps every scenario's whole output. This sweep runs after all
scenarios, when the hosts are gone, and names the log and the secret's source, never its value.

Usage: python tests/no_secrets_in_logs.py SECRETS_DIR LOG_DIR...
Exit status 1 when a secret is found, 0 otherwise; it says how many secrets and files it looked at.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(secrets_dir: str, *log_dirs: str) -> int:
    secrets = {}
    for path in sorted(Path(secrets_dir).glob('*')):
        value = path.read_text().strip()
        if len(value) >= 8:
            secrets[path.name] = value
    files = [path for directory in log_dirs for path in sorted(Path(directory).rglob('*')) if path.is_file()]
    found = []
    for path in files:
        text = path.read_text(errors='replace')
        found += [f'{path}: the secret {name}' for name, value in secrets.items() if value in text]
    print(f'no_secrets_in_logs: {len(secrets)} secrets, {len(files)} files')
    for line in found:
        print(f'no_secrets_in_logs: FOUND {line}')
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
