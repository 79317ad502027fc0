# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for mlops.hosts.kafka_acls on the output of Kafka 4.1.1's kafka-acls.sh --list, recorded from the
lab's distribution; tests/integration/test_lab_kafka_dist.py runs the module against a real server."""

from __future__ import annotations

import pytest

from ansible_collections.mlops.hosts.plugins.module_utils import _kafka_acls
from ansible_collections.mlops.hosts.plugins.modules import kafka_acls
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import FakeCommands, kafka_home, run_in_mode

LISTED = (
    'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=events, patternType=LITERAL)`:\n'
    '\t(principal=User:bob, host=*, operation=WRITE, permissionType=DENY)\n'
    '\t(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)\n'
    '\t(principal=User:alice, host=*, operation=DESCRIBE, permissionType=ALLOW)\n'
    '\n'
    'Current ACLs for resource `ResourcePattern(resourceType=GROUP, name=team-, patternType=PREFIXED)`:\n'
    '\t(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)\n'
    '\n'
    'Current ACLs for resource `ResourcePattern(resourceType=CLUSTER, name=kafka-cluster, patternType=LITERAL)`:\n'
    '\t(principal=User:CN=kafka1,O=Example, host=10.0.0.1, operation=DESCRIBE_CONFIGS, permissionType=ALLOW)\n')


class FakeAcls(FakeCommands):
    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        self.record(module, args, environ_update, kwargs)
        return 0, LISTED if '--list' in args else '', ''

    def get_bin_path(self, module, arg, required=False, opt_dirs=None):
        return None


@pytest.fixture
def tool(monkeypatch):
    return FakeAcls().install(monkeypatch)


@pytest.fixture
def home(tmp_path):
    return kafka_home(tmp_path, 'kafka-acls.sh')


def args(home, acls, **extra):
    return dict(kafka_home=str(home), bootstrap_server='k1:9094', acls=acls, **extra)


ALICE_EVENTS = {'principal': 'User:alice', 'resource_type': 'topic', 'resource_name': 'events',
                'operations': ['read', 'describe']}


def test_parse_acls_reads_every_binding():
    assert _kafka_acls.parse_acls(LISTED) == [
        ('User:bob', 'topic', 'events', 'literal', 'write', 'deny', '*'),
        ('User:alice', 'topic', 'events', 'literal', 'read', 'allow', '*'),
        ('User:alice', 'topic', 'events', 'literal', 'describe', 'allow', '*'),
        ('User:alice', 'group', 'team-', 'prefixed', 'read', 'allow', '*'),
        ('User:CN=kafka1,O=Example', 'cluster', 'kafka-cluster', 'literal', 'describe_configs', 'allow', '10.0.0.1')]


def test_present_bindings_cost_one_listing(tool, home):
    result = run_in_mode(kafka_acls, args(home, [ALICE_EVENTS]))
    assert not result['changed'] and len(tool.commands) == 1


def test_exclusive_removes_the_principals_other_bindings_only(tool, home):
    result = run_in_mode(kafka_acls, args(home, [ALICE_EVENTS], exclusive=True), check_mode=True)
    assert result['commands'] == [[
        'kafka-acls.sh', '--remove', '--allow-principal', 'User:alice', '--allow-host', '*', '--operation', 'Read',
        '--group', 'team-', '--resource-pattern-type', 'prefixed', '--force']]
    assert len(tool.commands) == 1, 'check mode ran a change'


def test_added_operations_grouped_in_one_command(tool, home):
    result = run_in_mode(kafka_acls, args(home, [
        {'principal': 'User:CN=kafka1,O=Example', 'resource_type': 'cluster', 'host': '10.0.0.1',
         'operations': ['describe_configs', 'cluster_action', 'alter_configs']}]))
    assert result['commands'] == [[
        'kafka-acls.sh', '--add', '--allow-principal', 'User:CN=kafka1,O=Example', '--allow-host', '10.0.0.1',
        '--operation', 'AlterConfigs', '--operation', 'ClusterAction', '--cluster', '--resource-pattern-type',
        'literal']]
    assert tool.commands[-1][1:3] == ['--bootstrap-server', 'k1:9094']


def test_bad_entries_named_at_once(tool, home):
    failed = run_in_mode(kafka_acls, args(home, [
        {'principal': 'alice', 'resource_type': 'topic', 'operations': ['all', 'read']},
        {'principal': 'User:x', 'resource_type': 'cluster', 'resource_name': 'other', 'operations': ['alter']},
        dict(ALICE_EVENTS, state='absent')]), fails=True)
    for text in ("acls[0]: principal 'alice' is not TYPE:NAME", 'acls[0]: resource_type topic needs resource_name',
                 'acls[0]: operations lists all with others (all, read)',
                 "acls[1]: a cluster resource has no name but kafka-cluster (found 'other')"):
        assert text in failed['msg'], (text, failed['msg'])
    assert tool.commands == []


def test_present_and_absent_at_once_refused(tool, home):
    failed = run_in_mode(kafka_acls, args(home, [ALICE_EVENTS, dict(ALICE_EVENTS, state='absent')]), fails=True)
    assert 'the binding "User:alice allow describe on topic events (literal) from *" is listed both' in failed['msg']
