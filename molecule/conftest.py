"""Helpers shared by the Molecule scenarios' Testinfra tests.

They run ansible-playbook against the scenario's instances with Molecule's own environment
(inventory, ansible.cfg, collections path), so a test can check mode, drift and re-converge.
"""

from __future__ import annotations

import json
import os
import resource
import shlex
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# make test runs the ci matrix (tests/molecule.sh), make test-full the full one.
FULL_MATRIX = os.environ.get('MOLECULE_MATRIX', 'ci') == 'full'


def full_matrix_only(why: str):
    """Marks a test that make test leaves to make test-full, which runs every test of every scenario: one whose case
    another test of make test shares in part, and whose time make test's budget (70 minutes on 2 cores) no longer
    has. why: what it covers beside the others, shown with the skip."""
    return pytest.mark.skipif(not FULL_MATRIX, reason=f'make test-full runs it, not make test (time budget): {why}')


@dataclass
class PlaybookRun:
    rc: int
    output: str
    stats: dict = field(default_factory=dict)
    changed: dict = field(default_factory=dict)   # host -> [task names that changed]
    failed: dict = field(default_factory=dict)    # host -> [(task name, message)]
    resources: dict = field(default_factory=dict)  # host -> [changed_resources entries of its changed tasks]
    # CPU-seconds (user and system) of ansible-playbook and its workers on the controller: unlike the run's wall
    # time, about the same whether the machine is idle or busy with the other Molecule lane.
    controller_cpu_s: float = 0.0

    def changed_tasks(self, host: str) -> list[str]:
        return self.changed.get(host, [])


def run_playbook(playbook: str | Path, *args: str, check: bool = False, extra_vars: dict | None = None,
                 limit: str | None = None, env: dict | None = None) -> PlaybookRun:
    """Run a playbook against the scenario's inventory; parse the JSON callback's report.

    env adds environment variables (ANSIBLE_CALLBACKS_ENABLED among them: by default only the callbacks of
    Molecule's ansible.cfg run, mlops.hosts.preload, as in users' runs).
    """
    extra_env = env or {}
    env = dict(os.environ)
    env['ANSIBLE_STDOUT_CALLBACK'] = 'ansible.posix.json'
    env['ANSIBLE_CALLBACK_RESULT_FORMAT'] = 'json'
    env.pop('ANSIBLE_CALLBACKS_ENABLED', None)
    env.update(extra_env)
    # The inventory directory, not only its ansible_inventory.yml: groups a scenario declares under
    # provisioner.inventory.hosts are written to another file beside it.
    inventory = os.path.dirname(os.environ['MOLECULE_INVENTORY_FILE'])
    cmd = ['ansible-playbook', '-i', inventory, str(playbook), *args]
    if check:
        cmd += ['--check', '--diff']
    if limit:
        cmd += ['--limit', limit]
    if extra_vars:
        cmd += ['--extra-vars', json.dumps(extra_vars)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = PlaybookRun(rc=proc.returncode, output=proc.stdout + proc.stderr,
                      controller_cpu_s=after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    try:
        report = json.loads(proc.stdout[proc.stdout.index('{'):])
    except ValueError:
        return run
    run.stats = report.get('stats', {})
    for play in report.get('plays', []):
        for task in play.get('tasks', []):
            name = task['task']['name']
            for host, result in task.get('hosts', {}).items():
                if result.get('changed'):
                    run.changed.setdefault(host, []).append(name)
                    run.resources.setdefault(host, []).extend(result.get('changed_resources') or [])
                if result.get('failed') or result.get('unreachable'):
                    run.failed.setdefault(host, []).append((name, result.get('msg', '')))
    return run


SECRETS_DIR = Path(__file__).resolve().parents[1] / '.build' / 'artifacts' / 'secrets'


def record_secret(name: str, value: str) -> None:
    """Keep a lab secret (root-only) for tests/no_secrets_in_logs.py, which greps the kept logs for it."""
    assert len(value) >= 8, f'{name}: no secret to record'
    SECRETS_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = SECRETS_DIR / name
    path.touch(mode=0o600)
    path.write_text(value)


BENCHMARKS = Path(__file__).resolve().parents[1] / '.build' / 'artifacts' / 'benchmarks.tsv'


def cpu_calibration() -> float:
    """CPU-seconds of a fixed pure-Python loop on the controller. Machines of the same kind differ from day to day (on
    that of 2026-12-01 the loop took 1.2 s and a no-change run of hadoop_ha's cluster 22 s, where the benchmark of
    2026-11-30 had recorded 13 s): a benchmark figure compares only with one measured beside a like calibration."""
    start = time.process_time()
    sum(i * i for i in range(10**7))
    return time.process_time() - start


def record_benchmark(what: str, seconds: float) -> None:
    """Print a benchmark figure and append it to .build/artifacts/benchmarks.tsv (scenario, what, seconds, the
    controller's cpu_calibration() at that moment, date), which make test keeps beside the scenarios' logs."""
    calibration = cpu_calibration()
    scenario = os.environ.get('MOLECULE_SCENARIO_NAME', '')
    print(f'benchmark {scenario}: {what}: {seconds:.1f} s (CPU calibration {calibration:.2f} s)')
    BENCHMARKS.parent.mkdir(parents=True, exist_ok=True)
    with BENCHMARKS.open('a') as out:
        out.write(f'{scenario}\t{what}\t{seconds:.1f}\t{calibration:.2f}\t{time.strftime("%Y-%m-%dT%H:%M:%S")}\n')


def bare_converge_seconds() -> float:
    """Seconds between the marks molecule/clock.yml wrote in the first converge (converge-start, converge-end)."""
    eph = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
    return float((eph / 'converge-end').read_text()) - float((eph / 'converge-start').read_text())


def timed_clean_check(playbook: str | Path, mark: str = 'no-change-check', **kwargs) -> float:
    """Seconds of a check of playbook (run_playbook's keyword arguments), which must report no change: the no-change
    benchmark of a scenario whose drift test just fixed the hosts. Kept under mark, a file name in the scenario's
    ephemeral directory, for no_change_check_seconds(mark)."""
    start = time.monotonic()
    run = run_playbook(playbook, check=True, **kwargs)
    seconds = time.monotonic() - start
    assert run.rc == 0 and run.changed == {}, (run.changed, run.output[-4000:])
    (Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY']) / mark).write_text(f'{seconds:.1f}')
    return seconds


def no_change_check_seconds(mark: str = 'no-change-check') -> float:
    """What timed_clean_check() measured under mark earlier in the scenario's run."""
    return float((Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY']) / mark).read_text())


def record_bare_and_no_change(bare_label: str, no_change_label: str, bare_limit: float, no_change_limit: float = 120) -> None:
    """Record the bare converge (bare_converge_seconds) and the no-change check (no_change_check_seconds) under these
    labels, and fail above the limits (seconds): guards against regressions, far above the issues' targets, as make
    test runs two scenarios side by side on 2 cores."""
    bare, no_change = bare_converge_seconds(), no_change_check_seconds()
    record_benchmark(bare_label, bare)
    record_benchmark(no_change_label, no_change)
    assert bare < bare_limit, f'the bare converge took {bare:.0f} s, the guard is {bare_limit:.0f} s'
    assert no_change < no_change_limit, f'the no-change check took {no_change:.1f} s, the guard is {no_change_limit:.0f} s'


def scenario_playbook(name: str = 'converge.yml') -> Path:
    return Path(os.environ['MOLECULE_SCENARIO_DIRECTORY']) / name


def lab_host(host, name: str):
    """The testinfra host of another host of the scenario, by its inventory name."""
    return host.get_host(f'ansible://{name}', ansible_inventory=host.backend.ansible_inventory)


# The sshd every lab container runs for Ansible's and the tests' logins (lab/build-images.sh), not the roles'.
LAB_SSH_PORT = 22


def tcp_listeners(host) -> set[str]:
    """Local addresses (address:port) of the host's listening TCP sockets, less the lab's own: Docker's resolver
    (127.0.0.11) and the lab's sshd (LAB_SSH_PORT)."""
    addresses = {line.split()[3] for line in host.check_output('ss -Hltn').splitlines()}
    return {a for a in addresses if not a.startswith('127.0.0.11:') and a.rsplit(':', 1)[1] != str(LAB_SSH_PORT)}


def wait_for(condition, timeout: float, step: float = 2.0):
    """condition()'s first true value, polled every step seconds; its last value after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


@pytest.fixture(scope='module')
def hostname(host) -> str:
    """The inventory name of the host under test."""
    return host.backend.get_hostname()


# ------------------------------------------------------------------------------------------------ stage tags

ROLES = Path(__file__).resolve().parents[1] / 'roles'


def stage_tags(*roles: str) -> list[str]:
    """The tags of the roles' stages (tasks/main.yml), except preflight, which every tag runs."""
    import yaml  # pylint: disable=import-outside-toplevel

    found = []
    for role in roles:
        for entry in yaml.safe_load((ROLES / role / 'tasks' / 'main.yml').read_text()):
            found += [tag for tag in entry.get('tags', [])
                      if tag.startswith(role + '_') and not tag.endswith('_preflight') and tag not in found]
    return found


def assert_stage_tag_alone(hostname: str, tag: str, check: bool) -> None:
    """A stage run alone on a converged host: no failure and, as for the full role, no change.

    make test-full (MOLECULE_MATRIX=full) runs each stage alone in run and in check mode on every distribution. make
    test leaves them to it: the scenarios have 37 stages on Debian 12, and their runs took 8-15 s each in make test
    (about 400 s of a lane, 2026-12-07), which its 70 minutes no longer have. The scenarios' checks of their whole
    playbooks (before the converge, after it, on drift) test every task's check mode in make test too.
    """
    if not FULL_MATRIX:
        pytest.skip('stage tags alone run in make test-full (MOLECULE_MATRIX=full), in run and check mode on every '
                    'distribution, not in make test (its time budget)')
    run = run_playbook(scenario_playbook(), '--tags', tag, check=check, limit=hostname)
    assert run.rc == 0 and not run.failed, f'--tags {tag} failed: {run.failed}\n{run.output[-4000:]}'
    assert run.changed_tasks(hostname) == [], f'--tags {tag} changed {run.changed_tasks(hostname)} on a converged host'


# ------------------------------------------------------------------------------------- services and inputs

# Run on the host: for each unit (name, declared inputs, packages), the unit's own files as systemd reports
# them, and every input modified after the unit's main process started. Written independently of the
# systemd_units module, whose decisions it checks.
_INPUTS_PROBE = r'''
import glob, json, os, subprocess, sys, time
units = json.loads(sys.argv[1])
now_real, now_mono = time.time(), time.clock_gettime(time.CLOCK_MONOTONIC)
report = []
for unit in units:
    props = dict(line.split('=', 1) for line in subprocess.run(
        ['systemctl', 'show', unit['name'], '-p', 'ActiveState', '-p', 'ExecMainStartTimestampMonotonic',
         '-p', 'FragmentPath', '-p', 'DropInPaths', '-p', 'EnvironmentFiles'],
        capture_output=True, text=True).stdout.splitlines() if '=' in line)
    if props.get('ActiveState') != 'active' or not int(props.get('ExecMainStartTimestampMonotonic') or 0):
        continue
    started = now_real - (now_mono - int(props['ExecMainStartTimestampMonotonic']) / 1e6)
    paths = [props.get('FragmentPath', '')] + props.get('DropInPaths', '').split()
    paths += [props.get('EnvironmentFiles', '').split(' (')[0]]
    for pattern in unit['inputs']:
        paths += glob.glob(pattern)
    for package in unit['packages']:
        paths += glob.glob('/var/lib/dpkg/info/%s.list' % package) + glob.glob('/var/lib/dpkg/info/%s:*.list' % package)
    for path in filter(None, paths):
        if os.path.lexists(path) and os.lstat(path).st_mtime > started:
            report.append('%s started %s, before %s was modified (%s)' % (
                unit['name'], time.strftime('%H:%M:%S', time.gmtime(started)), path,
                time.strftime('%H:%M:%S', time.gmtime(os.lstat(path).st_mtime))))
print(json.dumps(report))
'''


_CHECK_REPORTS: dict = {}


def managed_units(hostname: str, tested: str) -> list[dict]:
    """Every unit the roles run on the host, with its declared inputs, from a check run's module arguments.

    tested: the hosts the test module tests (a --limit pattern); one check run of them all serves each of their
    tests, as the declarations do not change between tests.
    """
    inventory = os.path.dirname(os.environ['MOLECULE_INVENTORY_FILE'])
    if (inventory, tested) not in _CHECK_REPORTS:
        env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK='ansible.posix.json', ANSIBLE_CALLBACK_RESULT_FORMAT='json')
        env.pop('ANSIBLE_CALLBACKS_ENABLED', None)
        proc = subprocess.run(['ansible-playbook', '-i', inventory, str(scenario_playbook()), '--check', '--limit', tested],
                              env=env, capture_output=True, text=True, check=False)
        _CHECK_REPORTS[inventory, tested] = json.loads(proc.stdout[proc.stdout.index('{'):])
    units = []
    for play in _CHECK_REPORTS[inventory, tested].get('plays', []):
        for task in play.get('tasks', []):
            result = task.get('hosts', {}).get(hostname, {})
            args = result.get('invocation', {}).get('module_args', {})
            for unit in args.get('units') or []:
                # Patterns (users' Jupyter servers) match units the hub starts, not the roles.
                if 'inputs' in unit and unit.get('state', 'started') == 'started' and '*' not in unit['name']:
                    name = unit['name'] if '.' in unit['name'] else unit['name'] + '.service'
                    units.append({'name': name, 'inputs': unit['inputs'] + unit.get('secure_inputs', []),
                                  'packages': unit.get('packages', [])})
    return units


def assert_services_started_after_their_inputs(host, hostname: str, tested: str) -> None:
    """No managed service on the host started before any of its inputs was last modified (tested: managed_units)."""
    units = managed_units(hostname, tested)
    assert units, 'the check run reported no managed unit on this host'
    out = host.run('python3 -c %s %s' % (shlex.quote(_INPUTS_PROBE), shlex.quote(json.dumps(units))))
    assert out.rc == 0, out.stderr
    assert json.loads(out.stdout) == [], f'services older than their inputs on {hostname}'


def observed_state_tests(*roles: str, services: bool = True) -> tuple:
    """The observed-state tests of a scenario, to assign to test_* names in its test module.

    test_services_started_after_their_inputs (unless services=False) and test_stage_tag_alone for every
    stage tag of roles, in run mode (and in check mode in the full matrix: assert_stage_tag_alone).
    """
    @pytest.mark.parametrize('check', [True, False], ids=['check', 'run'])
    @pytest.mark.parametrize('tag', stage_tags(*roles))
    def stage_tag_alone(hostname, tag, check):
        assert_stage_tag_alone(hostname, tag, check)

    def services_started_after_their_inputs(host, hostname, request):
        # A module without testinfra_hosts tests every host of the scenario.
        tested = ','.join(name.split('://', 1)[-1] for name in getattr(request.module, 'testinfra_hosts', ['all']))
        assert_services_started_after_their_inputs(host, hostname, tested)

    return (services_started_after_their_inputs if services else None), (stage_tag_alone if roles else None)
