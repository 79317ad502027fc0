"""Rotating the cluster's generated secret with mlops.hosts.rotate_secrets: new secret everywhere, daemons
restarted, the old one kept in a root-only backup, jobs run with the new one, and nothing left to change."""

from __future__ import annotations

import os

from conftest import record_secret, run_playbook, scenario_playbook
from sparkcheck import cluster_info, run_pi

DISTRO = os.environ.get('MOLECULE_DISTRO', 'debian12')
testinfra_hosts = [f'ansible://spark-{DISTRO}']

SECRET = '/etc/spark/auth-secret'
BACKUPS = '/var/backups/mlops-secrets'
UNITS = ('spark-master', 'spark-worker', 'spark-history')


def started(host, unit: str) -> str:
    return host.check_output(f'systemctl show {unit} -p ExecMainStartTimestampMonotonic --value')


def test_rotation_gives_every_daemon_and_client_a_new_secret(host, hostname):
    record_secret('spark-auth-secret-before-rotation', host.check_output(f'cat {SECRET}'))
    before = host.file(SECRET).sha256sum
    client_conf = host.file('/etc/spark/conf/spark-defaults.conf').sha256sum
    starts = {unit: started(host, unit) for unit in UNITS}

    run = run_playbook('mlops.hosts.rotate_secrets', extra_vars={'mlops_rotate_secrets': ['spark_auth_secret']})
    assert run.rc == 0 and not run.failed, run.output[-4000:]

    made = host.file(SECRET)
    assert made.sha256sum != before and made.user == 'root' and made.mode == 0o600
    record_secret('spark-auth-secret-after-rotation', host.check_output(f'cat {SECRET}'))
    stamp = host.check_output(f'ls -1 {BACKUPS}').split()[-1]
    assert host.file(BACKUPS).mode == 0o700 and host.file(f'{BACKUPS}/{stamp}').mode == 0o700
    assert host.file(f'{BACKUPS}/{stamp}{SECRET}').sha256sum == before
    assert host.file('/etc/spark/conf/spark-defaults.conf').sha256sum != client_conf
    for unit in UNITS:
        assert started(host, unit) != starts[unit], f'{unit} was not restarted'

    cluster_info(host, wait_for_hosts=[hostname], wait_timeout=90)
    run_pi(host, host, 'alice', 2)
    check = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert check.rc == 0 and check.changed_tasks(hostname) == [], check.changed
