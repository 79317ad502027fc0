"""The shared Apache distribution installer, proven by running what it installed and by breaking it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from conftest import run_playbook, scenario_playbook

DIST = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY']) / 'dist'
SUMS = yaml.safe_load((DIST / 'checksums.yml').read_text())['demo_sha512']
MIRROR = 'http://127.0.0.1:8080'
DEMO = '/opt/mlops/demo'
# Tasks that run on the controller only; everything else is a module execution on the host.
CONTROLLER_ACTIONS = {'ansible.builtin.assert', 'assert', 'ansible.builtin.fail', 'fail', 'ansible.builtin.set_fact', 'set_fact',
                      'ansible.builtin.debug', 'debug', 'ansible.builtin.include_role', 'include_role',
                      'ansible.builtin.include_tasks', 'include_tasks',
                      'ansible.builtin.validate_argument_spec', 'validate_argument_spec', 'ansible.builtin.meta', 'meta'}


def install(name='demo', version='1.0', url=None, src=None, checksum=None, check=False, marker_text=None):
    """Run install.yml for one distribution; returns the run and apache_dist_result (None if it failed).
    marker_text: apache_dist_marker_text, the marker as a caller read it (None: the role reads it)."""
    extra = {'dist_name': name, 'dist_version': version, 'dist_checksum': SUMS[version] if checksum is None else checksum}
    if marker_text is not None:
        extra['dist_marker_text'] = marker_text
    if src:
        extra['dist_src'] = src
    else:
        extra['dist_url'] = url or f'{MIRROR}/demo-{version}.tar.gz'
    run = run_playbook(scenario_playbook('install.yml'), check=check, extra_vars=extra)
    return run, _result(run)


def _report(run):
    out = run.output
    try:
        return json.JSONDecoder().raw_decode(out[out.index('{'):])[0]
    except ValueError:
        return {}


def _result(run):
    for play in _report(run).get('plays', []):
        for task in play['tasks']:
            if task['task']['name'] == 'Show the result':
                for result in task['hosts'].values():
                    return result.get('apache_dist_result')
    return None


def module_executions(run, hostname):
    """Names of the tasks that ran a module on the host (not skipped, not controller-only)."""
    names = []
    for play in _report(run).get('plays', []):
        for task in play['tasks']:
            result = task['hosts'].get(hostname)
            if result is None or result.get('skipped') or result.get('action') in CONTROLLER_ACTIONS:
                continue
            if result.get('_ansible_delegated_vars', {}).get('ansible_host') in ('localhost', '127.0.0.1'):
                continue
            names.append(task['task']['name'].split(' : ')[-1])   # without the role's prefix
    return names


def changed(run, hostname):
    return [name.split(' : ')[-1] for name in run.changed_tasks(hostname)]


def demo(host, home=DEMO):
    return host.check_output(f'{home}/current/bin/demo')


def test_check_after_converge_reports_no_change(hostname):
    run = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert run.rc == 0, run.output
    assert run.changed_tasks(hostname) == []


def test_no_change_run_is_one_stat_per_distribution(hostname):
    run = run_playbook(scenario_playbook(), limit=hostname)
    assert run.rc == 0, run.output
    assert run.changed_tasks(hostname) == []
    assert module_executions(run, hostname) == ['Look at the marker of the release in use'] * 2


def test_a_marker_the_caller_read_replaces_the_roles_read(host, hostname):
    """A caller that read the marker with its own files (apache_dist_marker_text) saves the role's stat. A marker it
    found missing or different sends the role to the release's own steps, which read the host: here the release is
    complete and linked, so nothing is unpacked and nothing is reported."""
    marker = host.file(f'{DEMO}/current/.mlops-dist').content_string
    run, result = install(marker_text=marker)
    assert run.rc == 0, run.output
    assert module_executions(run, hostname) == [] and result['changed'] is False
    for found in ('', marker.replace('version=1.0', 'version=0.9')):
        check, _ = install(marker_text=found, check=True)
        assert check.rc == 0, check.output
        assert module_executions(check, hostname) == ['Look at the marker of the release directory',
                                                      'Mark the release complete and point the stable link at it']
        assert changed(check, hostname) == []
    assert demo(host) == 'demo 1.0'


def test_both_sources_installed_their_version(host):
    assert demo(host) == 'demo 1.0'
    assert demo(host, '/opt/mlops/demo-airgap') == 'demo 2.0'
    assert host.file(f'{DEMO}/current').linked_to == f'{DEMO}/demo-1.0'
    assert host.file('/opt/mlops/demo-airgap/current').linked_to == '/opt/mlops/demo-airgap/demo-airgap-2.0'


def test_release_is_root_owned_and_not_writable_by_others(host):
    for release in (f'{DEMO}/demo-1.0', '/opt/mlops/demo-airgap/demo-airgap-2.0'):
        assert host.check_output(f'find {release} ! -user root -o ! -group root -o -perm /022') == ''
        assert host.file(f'{release}/share/notes.txt').mode == 0o644   # 0666 in the archive
        assert host.file(f'{release}/bin/demo').mode == 0o755


def test_archives_are_not_kept(host):
    assert host.check_output('ls -A /var/cache/mlops/dist') == ''


def test_marker_records_the_checksum(host):
    marker = host.file(f'{DEMO}/demo-1.0/.mlops-dist').content_string
    assert f'checksum=sha512:{SUMS["1.0"]}' in marker.splitlines()


def test_wrong_checksum_is_refused_and_current_stays(host):
    run, result = install(version='2.0', checksum=SUMS['1.0'])   # the 2.0 archive with 1.0's checksum
    assert run.rc != 0 and result is None
    assert 'not the expected' in run.output   # mlops.hosts.download's refusal
    assert demo(host) == 'demo 1.0'
    assert not host.file(f'{DEMO}/demo-2.0').exists
    assert host.check_output('ls -A /var/cache/mlops/dist') == ''


def test_wrong_checksum_of_a_controller_file_is_refused_before_the_copy(host):
    run, result = install(version='2.0', src=str(DIST / 'demo-2.0.tar.gz'), checksum=SUMS['1.0'])
    assert run.rc != 0 and result is None
    assert 'nothing was changed' in run.output
    assert demo(host) == 'demo 1.0'
    assert not host.file(f'{DEMO}/demo-2.0').exists
    assert host.check_output('ls -A /var/cache/mlops/dist') == ''


@pytest.mark.parametrize('checksum', [
    'sha256:' + 'a' * 64,
    'md5:d41d8cd98f00b204e9800998ecf8427e',
    'sha512:' + 'g' * 128,
    'a' * 127,
    '',
])
def test_checksum_that_is_not_sha512_hex_is_refused_by_preflight(hostname, checksum):
    run, _ = install(checksum=checksum)
    assert run.rc != 0
    assert "is not a SHA-512 checksum: 'sha512:' and 128 hex digits, or the hex digits alone (of the demo 1.0 archive" in run.output
    assert run.stats[hostname]['changed'] == 0
    assert module_executions(run, hostname) == []


def test_release_without_marker_is_unpacked_again(host, hostname):
    host.run(f'rm {DEMO}/demo-1.0/.mlops-dist {DEMO}/demo-1.0/bin/demo && touch {DEMO}/demo-1.0/leftover')
    check, _ = install(check=True)
    assert check.rc == 0, check.output
    assert 'Mark the release complete and point the stable link at it' in changed(check, hostname)
    run, result = install()
    assert run.rc == 0, run.output
    assert result['changed'] is True
    assert demo(host) == 'demo 1.0'
    assert not host.file(f'{DEMO}/demo-1.0/leftover').exists


def test_upgrade_keeps_the_old_release_and_rollback_does_not_unpack(host, hostname):
    host.run(f'touch {DEMO}/demo-1.0/kept-by-rollback')
    run, result = install(version='2.0', src=str(DIST / 'demo-2.0.tar.gz'))
    assert run.rc == 0, run.output
    assert result == {'home': f'{DEMO}/current', 'release_dir': f'{DEMO}/demo-2.0', 'version': '2.0', 'changed': True}
    assert demo(host) == 'demo 2.0'
    assert host.file(f'{DEMO}/demo-1.0/bin/demo').exists

    run, result = install(version='1.0')
    assert run.rc == 0, run.output
    assert result['changed'] is True
    assert demo(host) == 'demo 1.0'
    assert host.file(f'{DEMO}/demo-1.0/kept-by-rollback').exists       # not unpacked again
    assert 'Unpack the archive' not in module_executions(run, hostname)

    run, result = install(version='1.0')
    assert result['changed'] is False
    assert run.changed_tasks(hostname) == []
