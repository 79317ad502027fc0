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


def test_contract_one_resource_per_entry_each_with_the_diff_that_names_it():
    # As mlops.hosts.config_files returns it.
    result = {'changed': True, 'changed_paths': ['/etc/a.conf', '/etc/b.conf'], 'removed_paths': ['/etc/b.conf'],
              'changed_resources': [{'kind': 'file', 'name': '/etc/a.conf'},
                                    {'kind': 'file', 'name': '/etc/b.conf', 'summary': 'removed'}],
              'diff': [{'before_header': '/etc/a.conf', 'after_header': '/etc/a.conf',
                        'before': 'x = 1\npassword = old\n', 'after': 'x = 2\npassword = new\n'},
                       {'before_header': '/etc/b.conf', 'after_header': '/etc/b.conf', 'before': 'y = 1\n', 'after': ''}]}
    found = _drift.changes('mlops.hosts.config_files', {}, result, 'Configure')
    assert [(entry['kind'], entry['name']) for entry in found] == [('file', '/etc/a.conf'), ('file', '/etc/b.conf')]
    assert '-x = 1' in found[0]['summary'] and '+x = 2' in found[0]['summary']
    assert 'y = 1' not in found[0]['summary']
    assert 'old' not in found[0]['summary'] and 'new' not in found[0]['summary']
    assert found[1]['summary'] == 'removed'


def test_contract_is_read_from_any_module_that_returns_it():
    result = {'changed': True, 'changed_resources': [
        {'kind': 'bucket', 'name': 's3://models', 'summary': 'policy: token=abc123'},
        {'kind': 'service', 'name': 'a.service', 'summary': 'restart', 'consequence': True},
        {'kind': 'file'}, 'not a dict']}
    found = _drift.changes('example.cloud.bucket', {'name': 'ignored'}, result, 'Sync')
    assert found == [{'kind': 'bucket', 'name': 's3://models', 'summary': 'policy: token=' + _drift.MASK},
                     {'kind': 'service', 'name': 'a.service', 'summary': 'restart', 'consequence': True}]


def test_contract_entry_of_the_only_resource_takes_the_whole_diff():
    result = {'changed': True, 'changed_resources': [{'kind': 'kernel', 'name': '/k/spark'}],
              'diff': {'before_header': '/k/spark/kernel.json', 'after_header': '/k/spark/kernel.json',
                       'before': '{"a": 1}\n', 'after': ''}}
    assert _drift.changes('mlops.hosts.jupyter_kernel', {}, result, 't') == [
        {'kind': 'kernel', 'name': '/k/spark', 'summary': '-{"a": 1}'}]


def test_contract_without_entries_reports_the_task():
    found = _drift.changes('mlops.hosts.nvidia_gpu_settings', {}, {'changed': True, 'changed_resources': []}, 'Set')
    assert found == [{'kind': 'task', 'name': 'Set', 'summary': 'nvidia_gpu_settings'}]


def test_contract_takes_precedence_over_the_builtin_adapters():
    result = {'changed': True, 'changed_resources': [{'kind': 'file', 'name': '/real'}]}
    assert _drift.changes('ansible.builtin.copy', {'dest': '/from-args'}, result, 't')[0]['name'] == '/real'


def test_collection_modules_are_read_through_the_contract_only():
    # Without changed_resources a collection module is reported as its task: no adapter guesses from its arguments.
    for action in ('config_files', 'deb_packages', 'systemd_units', 'unix_groups', 'python_envs', 'jupyter_kernel',
                   'hadoop_site', 'download'):
        assert _drift.changes('mlops.hosts.' + action, {'path': '/x', 'name': 'x'}, {'changed': True}, 'T') == [
            {'kind': 'task', 'name': 'T', 'summary': action}]


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


@pytest.mark.parametrize('action', ['ansible.builtin.set_fact', 'set_fact', 'ansible.builtin.debug'])
def test_changed_controller_action_is_a_consequence_not_drift(tmp_path, action):
    """A set_fact that reports changed to notify a handler changed nothing on the host."""
    found = _drift.changes(action, {}, {'changed': True}, 'Note what changed')
    assert found == [{'kind': 'task', 'name': 'Note what changed', 'summary': action.rsplit('.', 1)[-1],
                      'consequence': True}]
    report = _drift.Report(str(tmp_path), check_mode=True)
    report.add('h1', found)
    assert report.as_dict()['drifted_hosts'] == [] and len(report.as_dict()['consequences']['h1']) == 1


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


def test_gate_verdict_is_the_drift_gate_failing_a_drifted_host_only():
    assert _drift.is_gate_verdict('mlops.hosts.drift_gate', {'failed': True, 'drifted': True})
    assert not _drift.is_gate_verdict('mlops.hosts.drift_gate', {'failed': True, 'msg': 'No drift report'})
    assert not _drift.is_gate_verdict('ansible.builtin.fail', {'failed': True, 'drifted': True})
