"""AWX's drift cycle, driven through ansible-runner as AWX drives it, against a converged lab.

1. a check job on the converged lab: successful, no drift;
2. drifts injected across roles;
3. a check job with fail-on-drift: failed, the report lists exactly the injected drifts (precision and
   recall 100%), no secret in any report or job event, one failing JUnit case per drift;
4. a run job fixes everything;
5. a check job: successful, no drift.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from xml.etree import ElementTree

import pytest
from driftjobs import DESKTOP, GPU, HUB, assert_no_secret, drifted, job, secrets, sh

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


@pytest.fixture(scope='module')
def cycle():
    steps = {'clean': job('1-check-converged', 'check', mlops_fail_on_drift=True)}
    kernel = sh(HUB, 'dirname "$(find / -xdev -path "*/kernels/spark/kernel.json" | head -1)"').stdout.strip()
    assert kernel.endswith('/kernels/spark'), kernel
    expected = set()
    for host, command, (kind, name) in DRIFTS:
        command = command.format(kernel=shlex.quote(kernel))
        result = sh(host, command)
        assert result.returncode == 0, f'{host}: {command}: {result.stderr}'
        expected.add((host, kind, name.format(kernel=kernel)))
    steps['expected'] = expected
    steps['secrets'] = secrets()
    steps['drift'] = job('3-check-drifted', 'check', mlops_fail_on_drift=True)
    steps['fix'] = job('4-run', 'run')
    steps['after'] = job('5-check-fixed', 'check', mlops_fail_on_drift=True)
    return steps


def test_check_of_the_converged_lab_is_clean(cycle):
    clean = cycle['clean']
    assert clean['rc'] == 0, clean['output'][-3000:]
    assert drifted(clean['report']) == set(), clean['report']['hosts']
    print(f"drift check of the whole lab ({len(clean['report']['hosts'])} hosts): {clean['elapsed']:.1f} s")


def test_check_with_drift_fails_and_reports_exactly_the_drift(cycle):
    drift = cycle['drift']
    assert drift['rc'] != 0, 'the check job with fail-on-drift passed although the lab had drifted'
    found = drifted(drift['report'])
    missed, extra = cycle['expected'] - found, found - cycle['expected']
    assert not missed and not extra, f'missed (recall): {sorted(missed)}\nnot injected (precision): {sorted(extra)}'
    assert sorted(drift['report']['drifted_hosts']) == sorted({host for host, _, _ in cycle['expected']})
    assert not drift['report']['failures'], drift['report']['failures']


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


def test_no_secret_in_reports_or_job_events(cycle):
    assert_no_secret([cycle[step] for step in ('clean', 'drift', 'fix', 'after')], cycle['secrets'])


def test_run_job_fixes_everything_and_the_next_check_is_clean(cycle):
    assert cycle['fix']['rc'] == 0, cycle['fix']['output'][-3000:]
    changed = drifted(cycle['fix']['report'])
    assert cycle['expected'] <= changed, f'the run did not fix: {sorted(cycle["expected"] - changed)}'
    after = cycle['after']
    assert after['rc'] == 0, after['output'][-3000:]
    assert drifted(after['report']) == set(), after['report']['hosts']
