# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the drift report: resources per module result, masking, and the report files."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

from ansible_collections.mlops.hosts.plugins.plugin_utils import _drift


@pytest.mark.parametrize(('text', 'secret'), [
    ('spark.authenticate.secret  s3cr3t-value', 's3cr3t-value'),
    ('c.JupyterHub.cookie_secret = "abcdef0123"', 'abcdef0123'),
    ('"password": "hunter2"', 'hunter2'),
    ('api_key=AKIA1234', 'AKIA1234'),
    ('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----', 'MIIEvQIBADANBg'),
])
def test_mask_hides_secret_values(text, secret):
    masked = _drift.mask(text)
    assert secret not in masked
    assert _drift.MASK in masked


@pytest.mark.parametrize('text', [
    'Acquire::http::Proxy "http://alice:S3cret-Example@proxy.example.org:3128";',
    'noproxy=x\nhttps-proxy=http://alice:S3cret-Example@proxy.example.org:3128',
    'index: https://S3cret-Example@pypi.example.org/simple',
])
def test_mask_hides_url_credentials_whatever_the_setting_is_called(text):
    masked = _drift.mask(text)
    assert 'S3cret-Example' not in masked
    assert '***@' in masked


def test_mask_keeps_ordinary_settings():
    assert _drift.mask('spark.executor.memory 2g') == 'spark.executor.memory 2g'


def test_config_files_one_resource_per_changed_path_with_its_own_diff():
    result = {'changed': True, 'changed_paths': ['/etc/a.conf', '/etc/b.conf'], 'removed_paths': ['/etc/b.conf'],
              'diff': [{'before_header': '/etc/a.conf', 'after_header': '/etc/a.conf',
                        'before': 'x = 1\npassword = old\n', 'after': 'x = 2\npassword = new\n'}]}
    found = _drift.changes('mlops.hosts.config_files', {}, result, 'Configure')
    assert [(entry['kind'], entry['name']) for entry in found] == [('file', '/etc/a.conf'), ('file', '/etc/b.conf')]
    assert '-x = 1' in found[0]['summary'] and '+x = 2' in found[0]['summary']
    assert 'old' not in found[0]['summary'] and 'new' not in found[0]['summary']
    assert found[1]['summary'] == 'removed'


def test_packages_services_groups_kernels_and_envs():
    assert [e['name'] for e in _drift.changes('mlops.hosts.deb_packages', {}, {'installed': ['jq'], 'removed': ['tree']}, 't')] == ['jq', 'tree']
    units = _drift.changes('mlops.hosts.systemd_units', {}, {'units': [
        {'name': 'a.service', 'changed': True, 'actions': ['enable', 'start'], 'active_state': 'inactive', 'unit_file_state': 'disabled'},
        {'name': 'b.service', 'changed': False, 'actions': []},
        {'name': 'c.service', 'changed': True, 'actions': ['restart'], 'active_state': 'active', 'unit_file_state': 'enabled'},
        {'name': 'd.service', 'changed': True, 'actions': ['restart'], 'active_state': 'inactive', 'unit_file_state': 'enabled'}]}, 't')
    assert [(u['name'], u['consequence']) for u in units] == [('a.service', False), ('c.service', True), ('d.service', False)]
    groups = _drift.changes('mlops.hosts.unix_groups', {}, {'groups': [
        {'name': 'datascience', 'changed': True, 'members': ['alice']}, {'name': 'x', 'changed': False}],
        'created_users': ['dave']}, 't')
    assert [(g['kind'], g['name']) for g in groups] == [('group', 'datascience'), ('user', 'dave')]
    kernel = _drift.changes('mlops.hosts.jupyter_kernel', {'name': 'spark'}, {'kernel_path': '/usr/local/share/jupyter/kernels/spark'}, 't')
    assert kernel[0]['kind'] == 'kernel'
    envs = _drift.changes('mlops.hosts.python_envs', {}, {'envs': [{'path': '/opt/e', 'changed': True, 'rebuilt': True}]}, 't')
    assert envs == [{'kind': 'python_env', 'name': '/opt/e', 'summary': 'rebuilt'}]


def test_python_env_content_drift_is_summarised():
    drift = {'missing': ['pandas==2.2.3'], 'added': ['requests==2.32.3'],
             'changed': [{'name': 'numpy', 'recorded': '2.1.0', 'installed': '1.26.4'}]}
    result = {'changed': True, 'envs': [
        {'path': '/opt/a', 'changed': True, 'rebuilt': False, 'repaired': True, 'content_drift': drift},
        {'path': '/opt/b', 'changed': True, 'rebuilt': True, 'repaired': True,
         'content_drift': {'missing': [], 'added': ['idna==3.10'], 'changed': []}},
        {'path': '/opt/c', 'changed': True, 'rebuilt': False, 'repaired': False,
         'content_drift': {'missing': [], 'added': [], 'changed': []}},
        {'path': '/opt/d', 'changed': False, 'rebuilt': False, 'repaired': False,
         'content_drift': {'missing': [], 'added': [], 'changed': []}}]}

    found = _drift.changes('mlops.hosts.python_envs', {}, result, 't')

    assert found == [
        {'kind': 'python_env', 'name': '/opt/a',
         'summary': 'content differs from its build: missing pandas==2.2.3; changed numpy 2.1.0 -> 1.26.4; '
                    'added requests==2.32.3; repaired'},
        {'kind': 'python_env', 'name': '/opt/b', 'summary': 'content differs from its build: added idna==3.10; rebuilt'},
        {'kind': 'python_env', 'name': '/opt/c', 'summary': 'changed'}]


def test_python_env_long_content_drift_is_shortened():
    added = ['pkg%02d==1.0' % number for number in range(30)]
    result = {'envs': [{'path': '/opt/a', 'changed': True, 'repaired': True,
                        'content_drift': {'missing': [], 'added': added, 'changed': []}}]}

    summary = _drift.changes('mlops.hosts.python_envs', {}, result, 't')[0]['summary']

    assert summary.startswith('content differs from its build: added pkg00==1.0, pkg01==1.0')
    assert 'pkg11==1.0 and 18 more; repaired' in summary
    assert 'pkg12' not in summary


def test_builtin_modules_by_their_arguments():
    assert _drift.changes('ansible.builtin.file', {'path': '/etc/x', 'mode': '0600'}, {'diff': {'before': {'mode': '0644'}, 'after': {'mode': '0600'}}}, 't') \
        == [{'kind': 'file', 'name': '/etc/x', 'summary': 'mode: 0644 -> 0600'}]
    assert _drift.changes('ansible.builtin.service', {'name': 'ssh', 'state': 'started'}, {}, 't')[0]['name'] == 'ssh'
    assert _drift.changes('ansible.builtin.apt', {'name': ['a', 'b']}, {}, 't')[1]['name'] == 'b'


def test_no_log_result_shows_only_that_it_changed():
    found = _drift.changes('mlops.hosts.config_files', {}, {'censored': 'hidden', 'changed': True}, 'Write the secret')
    assert found == [{'kind': 'task', 'name': 'Write the secret', 'summary': _drift.HIDDEN}]


def test_unknown_action_is_reported_as_its_task():
    found = _drift.changes('community.general.foo', {}, {'changed': True}, 'Do foo')
    assert found == [{'kind': 'task', 'name': 'Do foo', 'summary': 'foo'}]


def test_report_files(tmp_path):
    report = _drift.Report(str(tmp_path), check_mode=True)
    entry = {'kind': 'file', 'name': '/etc/a', 'summary': '-x\n+y', 'task': 'Configure', 'role': 'base', 'action': 'config_files'}
    report.add('h1', [dict(entry), dict(entry)])
    report.add('h1', [{**entry, 'kind': 'service', 'name': 'a.service', 'summary': 'restart', 'consequence': True}])
    report.add('h1', [{**entry, 'name': '/etc/b'}], consequence=True)
    report.write_all(hosts=['h1', 'h2'])
    data = json.loads((tmp_path / _drift.REPORT_JSON).read_text())
    assert data['drifted_hosts'] == ['h1']
    assert [e['name'] for e in data['hosts']['h1']] == ['/etc/a']
    assert [e['name'] for e in data['consequences']['h1']] == ['a.service', '/etc/b']
    assert data['hosts']['h2'] == []
    suites = ElementTree.parse(tmp_path / _drift.REPORT_JUNIT).getroot()
    failures = [case.get('name') for case in suites.iter('testcase') if case.find('failure') is not None]
    assert failures == ['file /etc/a']
    assert '/etc/a' in (tmp_path / _drift.REPORT_MARKDOWN).read_text()
    assert _drift.read_report(str(tmp_path))['check_mode'] is True


def test_restart_pending_is_drift_and_a_restart_of_this_run_a_consequence():
    units = _drift.changes('mlops.hosts.systemd_units', {}, {'units': [
        {'name': 'chrony.service', 'changed': True, 'actions': ['restart'], 'active_state': 'active',
         'restart_pending': True, 'restart_reasons': ['/etc/chrony/chrony.conf was modified after chrony.service started']},
        {'name': 'jupyterhub.service', 'changed': True, 'actions': ['restart'], 'active_state': 'active',
         'restart_pending': False, 'restart_reasons': ['/etc/jupyterhub/jupyterhub_config.py changed by this run']},
        {'name': 'tigervncserver@:1.service', 'changed': True, 'actions': [], 'active_state': 'active',
         'restart_pending': True, 'restart_deferred': True,
         'restart_reasons': ['/usr/local/lib/mlops/virtual-desktop-session was modified after it started']}]}, 't')

    assert [(u['kind'], u['name'], u.get('consequence', False)) for u in units] == [
        ('restart pending', 'chrony.service', False),
        ('service', 'jupyterhub.service', True),
        ('restart pending', 'tigervncserver@:1.service', False)]
    assert units[0]['summary'] == '/etc/chrony/chrony.conf was modified after chrony.service started'
    assert 'changed by this run' in units[1]['summary']
    assert units[2]['summary'].endswith('(deferred: clients connected)')
