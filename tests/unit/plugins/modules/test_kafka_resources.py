# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for mlops.hosts.kafka_resources on the tools' output recorded for the other admin modules' tests (Kafka
4.1.1 of the lab's distribution); tests/integration/test_lab_kafka_dist.py runs it against a real server."""

from __future__ import annotations

import threading

import pytest

from ansible_collections.mlops.hosts.plugins.module_utils import _kafka_scram_users
from ansible_collections.mlops.hosts.plugins.modules import kafka_resources
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import (
    STARVED_CORE_S, USER, FakeCommands, kafka_home, run_in_mode)
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.test_kafka_acls import LISTED
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.test_kafka_scram_users import DESCRIBED
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.test_kafka_topics import BROKERS, CONFIGS, DESCRIBE

READS = 4


class FakeCluster(FakeCommands):
    """Answers each read with its recorded output, once all four reads are running; records every command."""

    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()
        self.barrier = threading.Barrier(READS, timeout=STARVED_CORE_S)

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        with self.lock:
            self.record(module, args, environ_update, kwargs)
        script = args[0].rsplit('/', 1)[1]
        if '--describe' in args or '--list' in args:
            # Every read waits for the other three: the test fails (BrokenBarrierError) unless they run side by side.
            self.barrier.wait()
        if script == 'kafka-topics.sh' and '--describe' in args:
            return 0, DESCRIBE, ''
        if script == 'kafka-configs.sh' and '--describe' in args:
            return 0, DESCRIBED if 'users' in args else CONFIGS, ''
        if script == 'kafka-acls.sh' and '--list' in args:
            return 0, LISTED, ''
        if script == 'kafka-broker-api-versions.sh':
            return 0, BROKERS, ''
        return 0, '', ''

    def get_bin_path(self, module, arg, required=False, opt_dirs=None):
        return None


@pytest.fixture
def cluster(monkeypatch):
    return FakeCluster().install(monkeypatch)


@pytest.fixture
def home(tmp_path):
    return kafka_home(tmp_path, 'kafka-configs.sh', 'kafka-acls.sh', 'kafka-topics.sh')


def settled(tmp_path):
    """Options that match the recorded cluster: bob's credential, alice's ACLs on events, topics t1 and t2."""
    password = tmp_path / 'bob.password'
    password.write_text('pw-123456\n', encoding='utf-8')
    password.chmod(0o600)
    record = _kafka_scram_users.fingerprint('pw-123456', 'SCRAM-SHA-512', 8192, 'salt')
    (tmp_path / 'bob.password.applied').write_text(record + '\n', encoding='utf-8')
    return dict(
        users=[dict(name='bob', password_file=str(password), password_owner=USER)],
        acls=[dict(principal='User:alice', resource_type='topic', resource_name='events', operations=['read', 'describe']),
              dict(principal='User:alice', resource_type='group', resource_name='team-', pattern_type='prefixed',
                   operations=['read'])],
        exclusive=True,
        topics=[dict(name='t1', partitions=2, replication_factor=1,
                     configs={'min.insync.replicas': 1, 'retention.ms': 3600000}),
                dict(name='t2')])


def args(home, **options):
    return dict(kafka_home=str(home), bootstrap_server='k1:9094', **options)


def test_a_settled_cluster_is_read_with_four_commands_side_by_side(cluster, home, tmp_path):
    result = run_in_mode(kafka_resources, args(home, **settled(tmp_path)), check_mode=True)
    assert not result['changed'] and result['changed_resources'] == [], result
    assert len(cluster.commands) == READS
    assert result['users']['set'] == {} and result['acls']['commands'] == [] and result['topics']['commands'] == []


def test_changes_are_reported_users_then_acls_then_topics(cluster, home, tmp_path):
    options = settled(tmp_path)
    options['users'].append(dict(name='carol', password_file=str(tmp_path / 'carol.password'), password_owner=USER))
    options['acls'][0]['operations'].append('write')
    options['topics'][1]['configs'] = {'retention.ms': 1000}
    result = run_in_mode(kafka_resources, args(home, **options), check_mode=True, diff=True)
    assert [(r['kind'], r['name']) for r in result['changed_resources']] == [
        ('file', str(tmp_path / 'carol.password')), ('kafka_scram_user', 'carol'),
        ('kafka_acl', 'User:alice allow write on topic events (literal) from *'), ('kafka_topic', 't2')]
    assert [d['before_header'] for d in result['diff']] == ['ACLs of User:alice', 'topic t2']
    assert len(cluster.commands) == READS, 'check mode ran a change'
    assert not (tmp_path / 'carol.password').exists()


def test_every_problem_of_every_list_at_once_before_reading(cluster, home, tmp_path):
    options = settled(tmp_path)
    options['users'][0]['iterations'] = 100
    options['acls'][0]['principal'] = 'alice'
    options['topics'][0]['name'] = '..'
    failed = run_in_mode(kafka_resources, args(home, **options), fails=True)
    for text in ('users[0] (bob): iterations must be 4096 to 16384, not 100',
                 "acls[0]: principal 'alice' is not TYPE:NAME", 'topics[0] (..): the name must be'):
        assert text in failed['msg'], (text, failed['msg'])
    assert cluster.commands == []


def test_a_refused_topic_changes_no_user_and_no_acl(cluster, home, tmp_path):
    options = settled(tmp_path)
    options['users'].append(dict(name='carol', password_file=str(tmp_path / 'carol.password'), password_owner=USER))
    options['topics'][0]['partitions'] = 1
    failed = run_in_mode(kafka_resources, args(home, **options), fails=True)
    assert failed['msg'] == ('refusing to change the Kafka cluster: topic t1: partitions 1 is fewer than its 2; Kafka '
                             'cannot remove partitions; nothing was changed')
    assert len(cluster.commands) == READS and not (tmp_path / 'carol.password').exists()


def test_empty_lists_read_nothing(cluster, home):
    result = run_in_mode(kafka_resources, args(home))
    assert result == dict(result, changed=False, changed_resources=[]) and cluster.commands == []


class UnreachableCluster(FakeCluster):
    """Every read fails as the tools do when the bootstrap server does not answer."""

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        super().run_command(module, args, check_rc, environ_update, **kwargs)
        return 1, '', 'Error while executing %s: TimeoutException' % args[0].rsplit('/', 1)[1]


def test_failed_reads_fail_the_module_once_with_every_message(monkeypatch, home, tmp_path):
    cluster = UnreachableCluster().install(monkeypatch)
    failed = run_in_mode(kafka_resources, args(home, **settled(tmp_path)), fails=True)
    # One result: a fail_json in each reading thread would print one per read, which Ansible cannot parse.
    assert failed['msg'].count('failed (exit 1)') == READS, failed['msg']
    for script in ('kafka-configs.sh --describe --entity-type users', 'kafka-acls.sh --list',
                   'kafka-topics.sh --describe', 'kafka-configs.sh --describe --entity-type topics'):
        assert script in failed['msg'], (script, failed['msg'])
    assert len(cluster.commands) == READS


def test_one_user_with_two_mechanisms_keeps_each_password_file(cluster, home, tmp_path):
    options = settled(tmp_path)
    bob = options['users'][0]
    options['users'] = [dict(bob, mechanism='SCRAM-SHA-256'), dict(bob, password_file=str(tmp_path / 'bob-512.password'))]
    result = run_in_mode(kafka_resources, args(home, **options), check_mode=True)
    assert result['users']['made_password_files'] == [str(tmp_path / 'bob-512.password')], result
