"""AWX's drift cycle, driven through ansible-runner as AWX drives it, against a converged lab; state read from the host.

1. A check job on the converged lab: successful, no drift.
2. Lost restarts. A run that writes new settings and then fails (an unknown member with base_create_members
   false), and a run limited to the configure stages, leave chrony, the hub, the Spark daemons and a VNC session
   on their old settings. A check with the same settings reports exactly those restarts as pending, with the
   changed file as the reason; a run restarts them; the processes then run the new settings.
3. Drifts across roles, and host state changed behind the files' backs (a VNC server restarted by hand to listen
   on every interface with its file put back as it was, a package removed and another downgraded in the
   data-science environment, secrets with a wrong mode or owner), injected together. A check job with
   fail-on-drift: failed, the report lists exactly the injected drifts (precision and recall 100%; so no restart
   of part 2 is left pending), one failing JUnit case per drift, published as job artifacts. A run job fixes
   everything; the check after it is clean.
4. No secret in any report or job event of the eight jobs.

One module, so the cycles share their checks and runs: eight AWX jobs of the whole lab where two cycles of their
own took eleven (each job about 50 s in make test).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from xml.etree import ElementTree

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


# (host, shell command run as root on it, the resource the check must report: (kind, name)).
# {kernel} is the directory of the PySpark kernel, found on the hub before the drifts are made.
DRIFTS = [
    (HUB, 'systemctl stop chrony', ('service', 'chrony.service')),
    (HUB, 'systemctl disable --quiet jupyterhub', ('service', 'jupyterhub.service')),
    (HUB, 'gpasswd -d alice datascience', ('group', 'datascience')),
    (HUB, 'chmod 0644 /etc/sudoers.d/mlops-admins', ('file', '/etc/sudoers.d/mlops-admins')),
    (HUB, 'apt-get remove -y -qq jq >/dev/null', ('package', 'jq')),
    (HUB, 'rm -r {kernel}', ('kernel', '{kernel}')),
    (HUB, "sed -i 's|^spark.master .*|spark.master spark://elsewhere:7077|' /etc/spark/conf/spark-defaults.conf",
     ('file', '/etc/spark/conf/spark-defaults.conf')),
    (HUB, "echo 'timeout = 5' >>/etc/pip.conf", ('file', '/etc/pip.conf')),
    (GPU, 'chmod 0600 /etc/chrony/chrony.conf', ('file', '/etc/chrony/chrony.conf')),
    (GPU, 'systemctl stop chrony', ('service', 'chrony.service')),
    (GPU, "sed -i 's/^Pin: version .*/Pin: version 550.*/' /etc/apt/preferences.d/mlops-nvidia-driver",
     ('file', '/etc/apt/preferences.d/mlops-nvidia-driver')),
    (GPU, 'rm /etc/modprobe.d/mlops-blacklist-nouveau.conf', ('file', '/etc/modprobe.d/mlops-blacklist-nouveau.conf')),
    (DESKTOP, "sed -i 's/^security_layer=tls/security_layer=negotiate/' /etc/xrdp/xrdp.ini", ('file', '/etc/xrdp/xrdp.ini')),
    (DESKTOP, 'systemctl stop virtual-desktop-novnc', ('service', 'virtual-desktop-novnc.service')),
]

# Host state behind the files' backs: (host, shell command, (kind, name) the check must report).
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


def inject(changes: list[tuple], kernel: str = '') -> set:
    """Run each change's shell command on its host; the (host, kind, name) the check must report.

    {kernel} in a command or name is the PySpark kernel's directory."""
    expected = set()
    for host, command, (kind, name) in changes:
        command = command.replace('{kernel}', shlex.quote(kernel))
        result = sh(host, command)
        assert result.returncode == 0, f'{host}: {command}: {result.stderr}'
        expected.add((host, kind, name.replace('{kernel}', kernel)))
    return expected


@pytest.fixture(scope='module')
def clean():
    return job('1-check-converged', 'check', mlops_fail_on_drift=True)


@pytest.fixture(scope='module')
def lost(clean):  # after the check of the converged lab
    steps = {'failed': job('2-run-fails-after-config', 'run', **NEW, base_datascience_members=['alice', 'nosuchuser'],
                           base_create_members=False),
             'tags': job('3-run-configure-tags-only', 'run',
                         tags='jupyterhub_configure,spark_configure,virtual_desktop_configure', **NEW)}
    steps['check'] = job('4-check-lost-restarts', 'check', mlops_fail_on_drift=True, **NEW)
    steps['fix'] = job('5-run-restarts', 'run', **NEW)
    steps['culler'] = sh(HUB, 'ps -eo args | grep [j]upyterhub_idle_culler').stdout
    steps['chrony'] = sh(HUB, 'chronyc -n sources').stdout
    steps['vnc'] = sh(DESKTOP, 'ps -eo args | grep [X]tigervnc').stdout
    steps['stale'] = {host: stale_services(host, [
        {'name': name, 'inputs': [path], 'packages': []} for (h, _, name), path in
        ((key, REASONS[key[2]]) for key in LOST) if h == host]) for host in (HUB, GPU, DESKTOP)}
    return steps


@pytest.fixture(scope='module')
def cycle(lost):  # after the lost-restart cycle's run, with its settings
    steps = {'tzdata': pip_version('tzdata'), 'cycler': pip_version('cycler')}
    kernel = sh(HUB, 'dirname "$(find / -xdev -path "*/kernels/spark/kernel.json" | head -1)"').stdout.strip()
    assert kernel.endswith('/kernels/spark'), kernel
    # The hand restart of the VNC server first: the drifts then stop the noVNC service for good.
    steps['behind'] = inject(BEHIND)
    steps['listening'] = listeners(DESKTOP, 5901)
    steps['drifts'] = inject(DRIFTS, kernel)
    steps['expected'] = steps['behind'] | steps['drifts']
    steps['secrets'] = secrets()
    steps['drift'] = job('6-check-drifted', 'check', mlops_fail_on_drift=True, **NEW)
    steps['fix'] = job('7-run', 'run', **NEW)
    steps['after'] = job('8-check-fixed', 'check', mlops_fail_on_drift=True, **NEW)
    return steps


def test_check_of_the_converged_lab_is_clean(clean):
    assert clean['rc'] == 0, clean['output'][-3000:]
    assert drifted(clean['report']) == set(), clean['report']['hosts']
    print(f"drift check of the whole lab ({len(clean['report']['hosts'])} hosts): {clean['elapsed']:.1f} s")


# ------------------------------------------------------------------------------------------- lost restarts


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


def test_run_restarts_them_and_the_services_run_the_new_settings(lost):
    assert lost['fix']['rc'] == 0, lost['fix']['output'][-3000:]
    assert lost['stale'] == {HUB: [], GPU: [], DESKTOP: []}
    assert '--timeout=1800' in lost['culler'], lost['culler']
    assert '127.0.0.1' in lost['chrony'], lost['chrony']
    assert re.search(r'-geometry 1280x800\b', lost['vnc']), lost['vnc']


# ----------------------------------------------------------------------------- drifts and host state behind files


def test_injected_host_state_differs(cycle):
    assert cycle['listening'] - {'127.0.0.1', '[::1]'}, f'the hand restart left VNC on loopback: {cycle["listening"]}'
    assert cycle['cycler'] and cycle['tzdata'] not in ('', '2023.3'), 'the environment had nothing to remove or downgrade'


def test_check_with_drift_fails_and_reports_exactly_the_drift(cycle):
    """Exactly the injected drifts: none missed, and nothing else, so no restart of the lost-restart cycle is left."""
    drift = cycle['drift']
    assert drift['rc'] != 0, 'the check job with fail-on-drift passed although the lab had drifted'
    found = drifted(drift['report'])
    missed, extra = cycle['expected'] - found, found - cycle['expected']
    assert not missed and not extra, f'missed (recall): {sorted(missed)}\nnot injected (precision): {sorted(extra)}'
    assert sorted(drift['report']['drifted_hosts']) == sorted({host for host, _, _ in cycle['expected']})
    assert not drift['report']['failures'], drift['report']['failures']
    summaries = entries(drift['report'])
    assert 'listens on 0.0.0.0 port 5901' in summaries[(DESKTOP, 'restart pending', 'tigervncserver@:1.service')]['summary']
    env = summaries[(HUB, 'python_env', ENV)]['summary']
    assert 'missing cycler==' in env and 'changed tzdata' in env, env


def test_junit_has_one_failing_case_per_drift(cycle):
    suites = ElementTree.parse(cycle['drift']['dir'] / 'drift.xml').getroot()
    failing = {(suite.get('name'), case.get('name')) for suite in suites.iter('testsuite')
               for case in suite.iter('testcase') if case.find('failure') is not None}
    assert failing == {(host, f'{kind} {name}') for host, kind, name in cycle['expected']}


def artifact_data(artifacts: Path) -> dict | None:
    """The set_stats data of a job, as AWX reads it: the playbook_on_stats event's artifact_data."""
    for path in artifacts.rglob('job_events/*.json'):
        event = json.loads(path.read_text())
        if event.get('event') == 'playbook_on_stats':
            return event['event_data'].get('artifact_data')
    return None


def test_drift_is_published_as_job_artifacts(cycle):
    data = artifact_data(cycle['drift']['artifacts'])
    assert data is not None, 'no playbook_on_stats event with artifact_data in the job events'
    published = {(host, line.split(' (')[0]) for host, lines in data['mlops_drift'].items() for line in lines}
    assert published == {(host, f'{kind} {name}') for host, kind, name in cycle['expected']}


def test_run_job_fixes_everything_and_the_next_check_is_clean(cycle):
    assert cycle['fix']['rc'] == 0, cycle['fix']['output'][-3000:]
    changed = drifted(cycle['fix']['report'])
    assert cycle['drifts'] <= changed, f'the run did not fix: {sorted(cycle["drifts"] - changed)}'
    after = cycle['after']
    assert after['rc'] == 0, after['output'][-3000:]
    assert drifted(after['report']) == set(), after['report']['hosts']


def test_run_repairs_the_host_state(cycle):
    assert listeners(DESKTOP, 5901) <= {'127.0.0.1', '[::1]'}, listeners(DESKTOP, 5901)
    assert pip_version('cycler') == cycle['cycler'] and pip_version('tzdata') == cycle['tzdata']
    assert sh(HUB, f'{ENV}/bin/python -c "import cycler, tzdata, pandas"').returncode == 0
    modes = sh(HUB, 'stat -c "%U %a %n" /var/lib/jupyterhub/jupyterhub_cookie_secret /var/lib/jupyterhub/proxy.env '
                    '/etc/spark/auth-secret').stdout.split('\n')
    assert modes[:3] == ['root 600 /var/lib/jupyterhub/jupyterhub_cookie_secret', 'root 600 /var/lib/jupyterhub/proxy.env',
                         'root 600 /etc/spark/auth-secret'], modes
    assert sh(DESKTOP, 'stat -c "%U %a" /var/lib/virtual-desktop/vnc/alice.passwd').stdout.strip() == 'alice 600'
    assert sh(HUB, 'curl -sfk https://localhost/hub/health -o /dev/null').returncode == 0, 'the hub does not answer'


def test_no_secret_in_reports_or_job_events(clean, lost, cycle):
    jobs = [clean] + [step for steps in (lost, cycle) for step in steps.values() if isinstance(step, dict) and 'artifacts' in step]
    assert len(jobs) == 8
    assert_no_secret(jobs, cycle['secrets'])
