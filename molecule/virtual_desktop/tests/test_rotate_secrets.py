"""Rotating the desktop's generated secrets with the collection playbook mlops.hosts.rotate_secrets.

The self-signed certificate (with its key) and every user's VNC password are remade, the old ones kept in a
root-only backup; noVNC serves the new certificate, the new password logs in and the old one is refused, and
the scenario's check run afterwards reports nothing to change.
"""

from __future__ import annotations

import os
import ssl

from conftest import record_secret, run_playbook, scenario_playbook
from desktopclient import NOVNC_PORT, Desktop, vnc_login

DISTRO = os.environ.get('MOLECULE_DISTRO', 'debian12')
testinfra_hosts = [f'ansible://vdesk-{DISTRO}']

VNC_DIR = '/var/lib/virtual-desktop/vnc'
TLS = ['/etc/virtual-desktop/tls/key.pem', '/etc/virtual-desktop/tls/cert.pem']
BACKUPS = '/var/backups/mlops-secrets'


def password(host, user: str) -> str:
    return host.check_output(f'cat {VNC_DIR}/{user}.password').strip()


def test_rotation_remakes_certificate_and_vnc_passwords(host, hostname, tmp_path_factory):
    made = [name for name in host.check_output(f'ls -1 {VNC_DIR}').split() if name.endswith(('.passwd', '.password'))]
    assert made, f'no VNC password in {VNC_DIR}'
    files = TLS + [f'{VNC_DIR}/{name}' for name in made]
    before = {path: host.file(path).sha256sum for path in files}
    old_password = password(host, 'alice')
    record_secret('vnc-alice-before-rotation', old_password)

    run = run_playbook('mlops.hosts.rotate_secrets', limit=hostname,
                       extra_vars={'mlops_rotate_secrets': ['virtual_desktop_tls', 'virtual_desktop_vnc_passwords']})
    assert run.rc == 0 and not run.failed, run.output[-4000:]

    new_password = password(host, 'alice')
    record_secret('vnc-alice-after-rotation', new_password)
    assert all(host.file(path).sha256sum != before[path] for path in files), 'a secret was not remade'
    stamp = host.check_output(f'ls -1 {BACKUPS}').split()[-1]
    for directory in (BACKUPS, f'{BACKUPS}/{stamp}'):
        assert host.file(directory).user == 'root' and host.file(directory).mode == 0o700, directory
    for path in files:
        assert host.file(f'{BACKUPS}/{stamp}{path}').sha256sum == before[path], path

    desktop = Desktop.of(host, hostname, tmp_path_factory.mktemp('rotated'))
    served = ssl.get_server_certificate((desktop.ip, NOVNC_PORT))
    assert served.split() == open(desktop.cert, encoding='ascii').read().split()
    ok, reason = vnc_login(desktop, 'alice', new_password)
    assert ok, reason
    assert not vnc_login(desktop, 'alice', old_password)[0]

    check = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert check.rc == 0 and check.changed_tasks(hostname) == [], check.changed
