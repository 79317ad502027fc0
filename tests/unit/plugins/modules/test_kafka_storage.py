# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for mlops.hosts.kafka_storage: real directories below tmp_path, kafka-storage.sh faked.

tests/integration/test_lab_kafka_dist.py runs the module against the real kafka-storage.sh.
"""

from __future__ import annotations

import os

import pytest

from ansible_collections.mlops.hosts.plugins.modules import kafka_storage
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import FakeCommands, kafka_home, run_in_mode

CLUSTER = 'MkU3OEVBNTcwNTJENDM2Qg'

# meta.properties as Kafka 4.1 writes it (kafka-storage.sh format).
META = """#
#Mon Nov 30 23:21:03 UTC 2026
node.id=1
directory.id=j359V6LfTAmjPgeaANja0A
version=1
cluster.id={cluster}
"""


class FakeStorageTool(FakeCommands):
    """Imitates kafka-storage.sh format: writes meta.properties into the directories it is given to."""

    def __init__(self):
        super().__init__()
        self.formats = []
        self.result = (0, 'Formatting data directory with metadata.version 4.1-IV1.\n', '')

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        self.record(module, args, environ_update, kwargs)
        rc, out, err = self.result
        if rc == 0:
            for directory in self.formats:
                os.makedirs(directory, exist_ok=True)
                write_meta(directory, args[args.index('-t') + 1])
        return rc, out, err

    def get_bin_path(self, module, arg, required=False, opt_dirs=None):
        return '/usr/bin/' + arg


def write_meta(directory, cluster=CLUSTER, node=1):
    with open(os.path.join(str(directory), 'meta.properties'), 'w', encoding='utf-8') as handle:
        handle.write(META.format(cluster=cluster).replace('node.id=1', 'node.id=%d' % node))


@pytest.fixture
def tool(monkeypatch):
    return FakeStorageTool().install(monkeypatch)


@pytest.fixture
def home(tmp_path):
    return kafka_home(tmp_path, 'kafka-storage.sh')


def config(tmp_path, dirs, **extra):
    props = {'process.roles': 'broker,controller', 'node.id': '1', 'log.dirs': ','.join(str(d) for d in dirs)}
    props.update(extra)
    path = tmp_path / 'server.properties'
    path.write_text(''.join('%s=%s\n' % item for item in props.items() if item[1] is not None), encoding='utf-8')
    return path


def args(home, conf, **extra):
    return dict(kafka_home=str(home), config=str(conf), cluster_id=CLUSTER, user='', **extra)


def test_new_controller_starts_quorum_as_asked(tool, home, tmp_path):
    data = tmp_path / 'data'
    tool.formats = [data]
    result = run_in_mode(kafka_storage, args(home, config(tmp_path, [data]), quorum='standalone'))
    assert result['changed'] and result['formatted'] == [str(data)]
    assert tool.commands[0][1:] == ['format', '-t', CLUSTER, '-c', str(tmp_path / 'server.properties'), '--standalone']
    assert result['changed_resources'] == [
        {'kind': 'kafka_storage', 'name': str(data), 'summary': 'formatted into cluster ' + CLUSTER}]


def test_initial_controllers_and_static_quorum(tool, home, tmp_path):
    data = tmp_path / 'data'
    voters = '1@k1:9093:AAAAAAAAAAAAAAAAAAAAAA,2@k2:9093:BAAAAAAAAAAAAAAAAAAAAA'
    plan = run_in_mode(kafka_storage, args(home, config(tmp_path, [data]), quorum='initial_controllers',
                                           initial_controllers=voters), check_mode=True)
    assert plan['cmd'][-2:] == ['--initial-controllers', voters] and tool.commands == []
    # With controller.quorum.voters the quorum is static: no quorum option at all.
    plan = run_in_mode(kafka_storage, args(home, config(tmp_path, [data], **{'controller.quorum.voters': '1@k1:9093'}),
                                           quorum='standalone'), check_mode=True)
    assert plan['cmd'][-1] == str(tmp_path / 'server.properties')


def test_check_mode_names_the_user_without_needing_it(tool, home, tmp_path):
    data = tmp_path / 'data'
    plan = run_in_mode(kafka_storage, dict(args(home, config(tmp_path, [data])), user='kafka-not-yet-created'),
                       check_mode=True)
    assert plan['changed'] and plan['cmd'][:4] == ['runuser', '-u', 'kafka-not-yet-created', '--']
    assert plan['cmd'][-1] == '--no-initial-controllers' and not data.exists()


def test_nothing_to_do_when_every_directory_is_formatted(tool, home, tmp_path):
    d1, d2 = tmp_path / 'd1', tmp_path / 'd2'
    for d in (d1, d2):
        d.mkdir()
        write_meta(d)
    result = run_in_mode(kafka_storage, args(home, config(tmp_path, [d1, d2], **{'metadata.log.dir': str(d2)})))
    assert not result['changed'] and tool.commands == []
    assert [(d['path'], d['state'], d['metadata']) for d in result['directories']] == [
        (str(d2), 'formatted', True), (str(d1), 'formatted', False)]
    assert result['directories'][0]['directory_id'] == 'j359V6LfTAmjPgeaANja0A'


def test_every_problem_of_the_input_at_once(tool, home, tmp_path):
    conf = tmp_path / 'server.properties'
    conf.write_text('process.roles=zookeeper\nnode.id=one\nlog.dirs=relative/dir\n', encoding='utf-8')
    failed = run_in_mode(kafka_storage, dict(args(home, conf, quorum='initial_controllers'), cluster_id='not-a-uuid',
                                             environment={'BAD-NAME': 'x'}), fails=True)
    for text in ("cluster_id 'not-a-uuid' is not a Kafka UUID", 'quorum=initial_controllers needs initial_controllers',
                 "environment: 'BAD-NAME' is not a valid name for an environment variable",
                 "sets no numeric node.id (found 'one')", "process.roles must be broker, controller or both",
                 "the directory 'relative/dir' is not an absolute path"):
        assert text in failed['msg'], (text, failed['msg'])
    missing = run_in_mode(kafka_storage, args(home, tmp_path / 'absent.properties'), check_mode=True, fails=True)
    assert 'cannot read the configuration %s' % (tmp_path / 'absent.properties') in missing['msg']
    assert tool.commands == []


def test_other_node_other_cluster_and_other_content_refused_together(tool, home, tmp_path):
    d1, d2, d3 = tmp_path / 'd1', tmp_path / 'd2', tmp_path / 'd3'
    for d in (d1, d2, d3):
        d.mkdir()
    write_meta(d1, cluster='OtherClusterIdAAAAAAAAA')
    write_meta(d2, node=7)
    (d3 / 'lost+found').mkdir()
    failed = run_in_mode(kafka_storage, args(home, config(tmp_path, [d1, d2, d3])), fails=True)
    assert '%s/meta.properties holds cluster OtherClusterIdAAAAAAAAA, not %s' % (d1, CLUSTER) in failed['msg']
    assert '%s/meta.properties belongs to node 7, not node.id 1' % d2 in failed['msg']
    assert "%s holds other content than Kafka's (lost+found)" % d3 in failed['msg']
    assert tool.commands == [] and not failed['changed']


def test_broker_metadata_directory_replaced_is_formatted_into_the_cluster(tool, home, tmp_path):
    d1, d2 = tmp_path / 'd1', tmp_path / 'd2'
    d2.mkdir()
    write_meta(d2)
    tool.formats = [d1]
    result = run_in_mode(kafka_storage, args(home, config(tmp_path, [d1, d2], **{'process.roles': 'broker'})))
    assert result['formatted'] == [str(d1)]
    assert tool.commands[0][-1] == '--ignore-formatted'


def test_format_that_leaves_a_directory_unformatted_fails(tool, home, tmp_path):
    d1, d2 = tmp_path / 'd1', tmp_path / 'd2'
    tool.formats = [d1]
    failed = run_in_mode(kafka_storage, args(home, config(tmp_path, [d1, d2])), fails=True)
    assert failed['msg'] == 'kafka-storage.sh format succeeded, but %s hold no meta.properties of cluster %s' % (
        d2, CLUSTER)
    assert failed['changed']
    tool.result = (1, '', 'Log directory is already formatted.')
    failed = run_in_mode(kafka_storage, args(home, config(tmp_path, [tmp_path / 'd3'])), fails=True)
    assert failed['msg'].startswith('kafka-storage.sh format exited with 1') and not failed['changed']
    assert failed['stderr'] == 'Log directory is already formatted.'


def test_not_a_kafka_release(tool, tmp_path):
    failed = run_in_mode(kafka_storage, args(tmp_path / 'nowhere', config(tmp_path, [tmp_path / 'd'])), fails=True)
    assert 'kafka-storage.sh is not an executable file' in failed['msg'] and tool.commands == []
