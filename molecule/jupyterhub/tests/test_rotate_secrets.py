"""Rotating the hub's generated secrets with the collection playbook mlops.hosts.rotate_secrets.

The cookie secret, the proxy's auth token and the self-signed certificate (with its key) are remade, the old
ones kept in a root-only backup, the hub and proxy restarted; old logins stop working, new ones do, a user
runs code, and the scenario's check run afterwards reports nothing to change.
"""

from __future__ import annotations

import os
import ssl

from conftest import run_playbook, scenario_playbook
from hubclient import Hub

DISTRO = os.environ.get('MOLECULE_DISTRO', 'debian12')
testinfra_hosts = [f'ansible://jupyterhub-{DISTRO}']

USER, PASSWORD = 'alice', 'alice-password'
ROTATE = 'mlops.hosts.rotate_secrets'
SECRETS = ['jupyterhub_cookie_secret', 'jupyterhub_proxy_auth_token', 'jupyterhub_tls']
FILES = ['/var/lib/jupyterhub/jupyterhub_cookie_secret', '/var/lib/jupyterhub/proxy.env',
         '/etc/jupyterhub/tls-key.pem', '/etc/jupyterhub/tls-cert.pem']
BACKUPS = '/var/backups/mlops-secrets'
# The scenario's host is in no inventory group: the play's hosts are given.
HOSTS = {'mlops_rotate_jupyterhub_hosts': 'all'}


def sums(host) -> dict:
    return {path: host.file(path).sha256sum for path in FILES}


def started(host, unit: str) -> str:
    return host.check_output(f'systemctl show {unit} -p ExecMainStartTimestampMonotonic --value')


def backups(host) -> list[str]:
    return host.run(f'ls -1 {BACKUPS}').stdout.split()


def test_unknown_name_is_refused_before_anything_changes(host, hostname):
    before, kept = sums(host), backups(host)
    run = run_playbook(ROTATE, extra_vars={'mlops_rotate_secrets': ['jupyterhub_tls', 'no_such_secret'], **HOSTS},
                       limit=hostname)
    assert run.rc != 0
    assert 'no_such_secret' in run.output and 'jupyterhub_cookie_secret, jupyterhub_proxy_auth_token' in run.output
    assert sums(host) == before and backups(host) == kept


def test_rotation_remakes_the_secrets_keeps_backups_and_users_still_work(host, hostname, tmp_path_factory):
    before = sums(host)
    hub_started, proxy_started = started(host, 'jupyterhub'), started(host, 'jupyterhub-proxy')
    old = Hub.of(host, tmp_path_factory.mktemp('old-hub'))
    old_session = old.login(USER, PASSWORD)
    assert old_session.get(f'{old.url}/hub/home', timeout=30, allow_redirects=False).status_code == 200

    run = run_playbook(ROTATE, extra_vars={'mlops_rotate_secrets': SECRETS, **HOSTS}, limit=hostname)
    assert run.rc == 0 and not run.failed, run.output[-4000:]

    after = sums(host)
    assert all(after[path] != before[path] for path in FILES), 'a secret was not remade'
    for path in FILES[:3]:
        made = host.file(path)
        assert made.user == 'root' and made.mode == 0o600, path
    # The old secrets, unchanged, in a new root-only backup directory.
    stamp = backups(host)[-1]
    for directory in (BACKUPS, f'{BACKUPS}/{stamp}'):
        kept = host.file(directory)
        assert kept.user == 'root' and kept.mode == 0o700, directory
    for path in FILES:
        assert host.file(f'{BACKUPS}/{stamp}{path}').sha256sum == before[path], path
    assert started(host, 'jupyterhub') != hub_started and started(host, 'jupyterhub-proxy') != proxy_started

    # The hub serves the new certificate; the old cookie no longer logs in; a new login runs code.
    new = Hub.of(host, tmp_path_factory.mktemp('new-hub'))
    assert ssl.get_server_certificate((new.ip, 443)).split() == open(new.cert, encoding='ascii').read().split()
    old_session.verify = new.cert
    home = old_session.get(f'{new.url}/hub/home', timeout=30, allow_redirects=False)
    assert home.status_code in (302, 303) and '/hub/login' in home.headers['Location']
    token = new.token(USER, PASSWORD)
    new.start_server(USER, token)
    assert new.execute(USER, token, 'print(6 * 7)').strip() == '42'

    check = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert check.rc == 0 and check.changed_tasks(hostname) == [], check.changed


def test_a_second_rotation_keeps_the_first_backup(host, hostname):
    """Backups accumulate: a rotation never overwrites or deletes an earlier one."""
    kept = backups(host)
    cookie = host.file(FILES[0]).sha256sum
    run = run_playbook(ROTATE, extra_vars={'mlops_rotate_secrets': ['jupyterhub_cookie_secret'], **HOSTS},
                       limit=hostname)
    assert run.rc == 0 and not run.failed, run.output[-4000:]
    now = backups(host)
    assert set(kept) < set(now)
    assert host.file(f'{BACKUPS}/{now[-1]}{FILES[0]}').sha256sum == cookie != host.file(FILES[0]).sha256sum
