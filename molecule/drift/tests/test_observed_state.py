"""State read from the host: what a failed or tag-limited run, or a person, left behind is found and repaired.

One more AWX cycle after test_drift's, in two parts; the run that ends the first leaves the settings of the
second, so the check that finds the second also shows that the first was repaired:

1. Lost restarts. A run that writes new settings and then fails (an unknown member with
   base_create_members false), and a run limited to the configure stages, leave chrony, the hub, the Spark
   daemons and a VNC session on their old settings. A check with the same settings reports exactly those
   restarts as pending, with the changed file as the reason; a run restarts them; the processes then run
   the new settings.
2. Host state behind the files' backs. A VNC server restarted by hand to listen on every interface (its
   file put back as it was), a package removed and another downgraded in the data-science environment,
   and secrets made on the host with a wrong mode or owner: each reported exactly, repaired by a run.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import _INPUTS_PROBE
from driftjobs import DESKTOP, GPU, HUB, assert_no_secret, drifted, job, secrets, sh

ENV = '/opt/mlops/envs/datascience'
VNC_CONFIG = '/etc/tigervnc/vncserver-config-mandatory'
# New settings of the lost-restart cycle: each lands in a file one service reads at start.
NEW = {
    'base_ntp_servers': ['127.0.0.1'],
    'jupyterhub_idle_timeout': 1800,
    'spark_daemon_properties': {'spark.deploy.retainedApplications': '100'},
    'virtual_desktop_geometry': '1280x800',
}
LOST = {(host, 'restart pending', 'chrony.service') for host in (HUB, GPU, DESKTOP)} | {
    (HUB, 'restart pending', 'jupyterhub.service'),
    (HUB, 'restart pending', 'spark-master.service'),
    (HUB, 'restart pending', 'spark-worker.service'),
    (HUB, 'restart pending', 'spark-history.service'),
    (DESKTOP, 'restart pending', 'tigervncserver@:1.service'),
}
# The file each pending restart must name as its reason.
REASONS = {'chrony.service': '/etc/chrony/chrony.conf', 'jupyterhub.service': '/etc/jupyterhub/jupyterhub_config.py',
           'spark-master.service': '/etc/spark/daemon/spark-defaults.conf',
           'spark-worker.service': '/etc/spark/daemon/spark-defaults.conf',
           'spark-history.service': '/etc/spark/daemon/spark-defaults.conf',
           'tigervncserver@:1.service': VNC_CONFIG}


def entries(report: dict) -> dict:
    return {(host, entry['kind'], entry['name']): entry for host, found in report['hosts'].items() for entry in found}


def stale_services(host: str, units: list[dict]) -> list[str]:
    """Units on host that started before one of their inputs was last modified (the Molecule probe)."""
    out = sh(host, "python3 -c '%s' '%s'" % (_INPUTS_PROBE.replace("'", "'\\''"), json.dumps(units)))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def pip_version(package: str) -> str:
    return sh(HUB, f'{ENV}/bin/python -c "import importlib.metadata as m; print(m.version(\'{package}\'))"').stdout.strip()


def listeners(host: str, port: int) -> set:
    out = sh(host, 'ss -ltnH').stdout
    return {line.split()[3].rsplit(':', 1)[0] for line in out.splitlines() if line.split()[3].endswith(f':{port}')}


# ------------------------------------------------------------------------------------------- lost restarts


@pytest.fixture(scope='module')
def lost():
    steps = {'failed': job('6-run-fails-after-config', 'run', **NEW, base_datascience_members=['alice', 'nosuchuser'],
                           base_create_members=False),
             'tags': job('7-run-configure-tags-only', 'run',
                         tags='jupyterhub_configure,spark_configure,virtual_desktop_configure', **NEW)}
    steps['check'] = job('8-check-lost-restarts', 'check', mlops_fail_on_drift=True, **NEW)
    steps['fix'] = job('9-run-restarts', 'run', **NEW)
    steps['culler'] = sh(HUB, 'ps -eo args | grep [j]upyterhub_idle_culler').stdout
    steps['chrony'] = sh(HUB, 'chronyc -n sources').stdout
    steps['vnc'] = sh(DESKTOP, 'ps -eo args | grep [X]tigervnc').stdout
    steps['stale'] = {host: stale_services(host, [
        {'name': name, 'inputs': [path], 'packages': []} for (h, _, name), path in
        ((key, REASONS[key[2]]) for key in LOST) if h == host]) for host in (HUB, GPU, DESKTOP)}
    return steps


def test_failed_and_tag_limited_runs_changed_files_without_restarting(lost):
    assert lost['failed']['rc'] != 0, 'the run with an unknown member did not fail'
    assert 'nosuchuser' in json.dumps(lost['failed']['report']['failures'])
    # It wrote chrony.conf before it failed: the files changed, the restarts were lost.
    assert {(h, k, n) for h, k, n in drifted(lost['failed']['report'])} == {
        (host, 'file', '/etc/chrony/chrony.conf') for host in (HUB, GPU, DESKTOP)}
    assert lost['tags']['rc'] == 0, lost['tags']['output'][-3000:]


def test_check_reports_exactly_the_lost_restarts_with_their_reasons(lost):
    check = lost['check']
    assert check['rc'] != 0, 'the check with fail-on-drift passed over pending restarts'
    found = entries(check['report'])
    assert set(found) == LOST, f"missed: {sorted(LOST - set(found))}\nnot expected: {sorted(set(found) - LOST)}"
    for (host, _, name), entry in found.items():
        assert REASONS[name] in entry['summary'] and 'after' in entry['summary'], (host, entry)


def test_run_restarts_them_and_the_services_run_the_new_settings(lost, behind):
    assert lost['fix']['rc'] == 0, lost['fix']['output'][-3000:]
    # The next check finds exactly the host state injected after this run (the VNC server's restart by hand among
    # it): no other restart is left pending.
    assert set(entries(behind['drift']['report'])) == behind['expected'], behind['drift']['report']['hosts']
    assert lost['stale'] == {HUB: [], GPU: [], DESKTOP: []}
    assert '--timeout=1800' in lost['culler'], lost['culler']
    assert '127.0.0.1' in lost['chrony'], lost['chrony']
    assert re.search(r'-geometry 1280x800\b', lost['vnc']), lost['vnc']


# --------------------------------------------------------------------------------- host state behind files


# (host, shell command, (kind, name) the check must report)
BEHIND = [
    # Listening on every interface by hand, then the file put back as it was (content and modification time).
    (DESKTOP, f'cp -p {VNC_CONFIG} /root/vnc.bak && sed -i \'s/^\\$localhost = "yes";/$localhost = "no";/\' {VNC_CONFIG}'
              f' && systemctl restart tigervncserver@:1 && sleep 5 && cp -p /root/vnc.bak {VNC_CONFIG}',
     ('restart pending', 'tigervncserver@:1.service')),
    (HUB, f'{ENV}/bin/pip uninstall -y -q cycler && {ENV}/bin/pip install -q --no-deps tzdata==2023.3',
     ('python_env', ENV)),
    (HUB, 'chmod 0644 /var/lib/jupyterhub/jupyterhub_cookie_secret', ('file', '/var/lib/jupyterhub/jupyterhub_cookie_secret')),
    (HUB, 'chown nobody /var/lib/jupyterhub/proxy.env', ('file', '/var/lib/jupyterhub/proxy.env')),
    (HUB, 'chmod 0644 /etc/spark/auth-secret', ('file', '/etc/spark/auth-secret')),
    (DESKTOP, 'chmod 0644 /var/lib/virtual-desktop/vnc/alice.passwd', ('file', '/var/lib/virtual-desktop/vnc/alice.passwd')),
]


@pytest.fixture(scope='module')
def behind(lost):  # after the lost-restart cycle's run, with its settings
    steps = {'tzdata': pip_version('tzdata'), 'cycler': pip_version('cycler')}
    expected = set()
    for host, command, (kind, name) in BEHIND:
        result = sh(host, command)
        assert result.returncode == 0, f'{host}: {command}: {result.stderr}'
        expected.add((host, kind, name))
    steps['expected'] = expected
    steps['listening'] = listeners(DESKTOP, 5901)
    steps['secrets'] = secrets()
    steps['drift'] = job('10-check-host-state', 'check', mlops_fail_on_drift=True, **NEW)
    steps['fix'] = job('11-run-host-state', 'run', **NEW)
    steps['after'] = job('12-check-host-state-fixed', 'check', mlops_fail_on_drift=True, **NEW)
    return steps


def test_injected_host_state_differs(behind):
    assert behind['listening'] - {'127.0.0.1', '[::1]'}, f'the hand restart left VNC on loopback: {behind["listening"]}'
    assert behind['cycler'] and behind['tzdata'] not in ('', '2023.3'), 'the environment had nothing to remove or downgrade'


def test_check_reports_exactly_the_host_state(behind):
    found = entries(behind['drift']['report'])
    assert behind['drift']['rc'] != 0
    assert set(found) == behind['expected'], (
        f"missed: {sorted(behind['expected'] - set(found))}\nnot expected: {sorted(set(found) - behind['expected'])}")
    assert 'listens on 0.0.0.0 port 5901' in found[(DESKTOP, 'restart pending', 'tigervncserver@:1.service')]['summary']
    env = found[(HUB, 'python_env', ENV)]['summary']
    assert 'missing cycler==' in env and 'changed tzdata' in env, env


def test_run_repairs_the_host_state(behind):
    assert behind['fix']['rc'] == 0, behind['fix']['output'][-3000:]
    assert drifted(behind['after']['report']) == set(), behind['after']['report']['hosts']
    assert listeners(DESKTOP, 5901) <= {'127.0.0.1', '[::1]'}, listeners(DESKTOP, 5901)
    assert pip_version('cycler') == behind['cycler'] and pip_version('tzdata') == behind['tzdata']
    assert sh(HUB, f'{ENV}/bin/python -c "import cycler, tzdata, pandas"').returncode == 0
    modes = sh(HUB, 'stat -c "%U %a %n" /var/lib/jupyterhub/jupyterhub_cookie_secret /var/lib/jupyterhub/proxy.env '
                    '/etc/spark/auth-secret').stdout.split('\n')
    assert modes[:3] == ['root 600 /var/lib/jupyterhub/jupyterhub_cookie_secret', 'root 600 /var/lib/jupyterhub/proxy.env',
                         'root 600 /etc/spark/auth-secret'], modes
    assert sh(DESKTOP, 'stat -c "%U %a" /var/lib/virtual-desktop/vnc/alice.passwd').stdout.strip() == 'alice 600'
    assert sh(HUB, 'curl -sfk https://localhost/hub/health -o /dev/null').returncode == 0, 'the hub does not answer'


def test_no_secret_in_the_new_jobs(behind, lost):
    jobs = [step for steps in (lost, behind) for step in steps.values() if isinstance(step, dict) and 'artifacts' in step]
    assert len(jobs) == 7
    assert_no_secret(jobs, behind['secrets'])
