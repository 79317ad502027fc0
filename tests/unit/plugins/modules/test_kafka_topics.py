# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for mlops.hosts.kafka_topics on the output of Kafka 4.1.1's tools, recorded from the lab's
distribution (lab/kafka-dist.sh); tests/integration/test_lab_kafka_dist.py runs the module against them."""

from __future__ import annotations

import pytest

from ansible_collections.mlops.hosts.plugins.module_utils import _kafka_admin
from ansible_collections.mlops.hosts.plugins.module_utils import _kafka_topics
from ansible_collections.mlops.hosts.plugins.modules import kafka_topics
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import FakeCommands, kafka_home, run_in_mode

DESCRIBE = (
    'Topic: t1\tTopicId: XFHp02v4TWefEJZftOcwvQ\tPartitionCount: 2\tReplicationFactor: 1\t'
    'Configs: min.insync.replicas=1,retention.ms=3600000\n'
    '\tTopic: t1\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n'
    '\tTopic: t1\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n'
    'Topic: t2\tTopicId: nCtLmIw3QF2uh2Lw15H6Wg\tPartitionCount: 1\tReplicationFactor: 1\t'
    'Configs: min.insync.replicas=1\n'
    '\tTopic: t2\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n')

CONFIGS = (
    'Dynamic configs for topic t1 are:\n'
    '  min.insync.replicas=1 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:min.insync.replicas=1, '
    'DYNAMIC_DEFAULT_BROKER_CONFIG:min.insync.replicas=1, DEFAULT_CONFIG:min.insync.replicas=1}\n'
    '  retention.ms=3600000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=3600000}\n'
    'Dynamic configs for topic t2 are:\n')

BROKERS = ('localhost:9092 (id: 1 rack: null isFenced: false) -> (\n\tProduce(0): 3 to 12 [usable: 12],\n)\n'
           'kafka2:9092 (id: 2 rack: null isFenced: false) -> (\n)\n')


class FakeTools(FakeCommands):
    """Answers the describe commands with the recorded output; records the others."""

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        self.record(module, args, environ_update, kwargs)
        if '--describe' in args:
            return 0, DESCRIBE if args[0].endswith('kafka-topics.sh') else CONFIGS, ''
        if args[0].endswith('kafka-broker-api-versions.sh'):
            return 0, BROKERS, ''
        return 0, '', ''

    def get_bin_path(self, module, arg, required=False, opt_dirs=None):
        return None


@pytest.fixture
def tools(monkeypatch):
    return FakeTools().install(monkeypatch)


@pytest.fixture
def home(tmp_path):
    return kafka_home(tmp_path, 'kafka-topics.sh', 'kafka-configs.sh')


def args(home, topics, **extra):
    return dict(kafka_home=str(home), bootstrap_server='k1:9094', command_config='/etc/kafka/admin.properties',
                topics=topics, **extra)


def test_parsers_read_the_recorded_output():
    assert _kafka_topics.parse_topics(DESCRIBE) == {'t1': {'partitions': 2, 'replication_factor': 1},
                                                    't2': {'partitions': 1, 'replication_factor': 1}}
    assert _kafka_topics.parse_topic_configs(CONFIGS) == {
        't1': {'min.insync.replicas': '1', 'retention.ms': '3600000'}, 't2': {}}
    assert _kafka_topics.parse_broker_ids(BROKERS) == [1, 2]


def test_no_change_reads_with_two_commands(tools, home):
    result = run_in_mode(kafka_topics, args(home, [
        {'name': 't1', 'partitions': 2, 'replication_factor': 1,
         'configs': {'min.insync.replicas': 1, 'retention.ms': 3600000}},
        {'name': 't2'}]))
    assert not result['changed'] and result['commands'] == [] and len(tools.commands) == 2
    for argv in tools.commands:
        assert argv[1:5] == ['--bootstrap-server', 'k1:9094', '--command-config', '/etc/kafka/admin.properties']


def test_create_checks_the_broker_count_and_quotes_list_values(tools, home):
    result = run_in_mode(kafka_topics, args(home, [
        {'name': 'new', 'partitions': 3, 'replication_factor': 2, 'configs': {'cleanup.policy': ['compact', 'delete']}},
        {'name': 't2', 'configs': {'cleanup.policy': ['compact', 'delete']}}]), check_mode=True, diff=True)
    assert result['commands'] == [
        ['kafka-topics.sh', '--create', '--topic', 'new', '--partitions', '3', '--replication-factor', '2',
         '--config', 'cleanup.policy=compact,delete'],
        ['kafka-configs.sh', '--alter', '--entity-type', 'topics', '--entity-name', 't2',
         '--add-config', 'cleanup.policy=[compact,delete]']]
    assert [argv[0].rsplit('/', 1)[1] for argv in tools.commands][-1] == 'kafka-broker-api-versions.sh'
    assert result['diff'][1]['after'] == 'partitions: 1\nreplication_factor: 1\ncleanup.policy: compact,delete\n'
    assert len(tools.commands) == 3, 'check mode ran a change'


def test_every_refusal_at_once_and_nothing_changed(tools, home):
    failed = run_in_mode(kafka_topics, args(home, [
        {'name': 't1', 'partitions': 1, 'replication_factor': 3},
        {'name': 'big', 'replication_factor': 3}]), fails=True)
    assert failed['msg'] == (
        'refusing to change Kafka topics: topic t1: partitions 1 is fewer than its 2; Kafka cannot remove partitions; '
        'topic t1: replication_factor 3 differs from its 1; change it with a partition reassignment '
        '(kafka-reassign-partitions.sh), not here; topic big: replication_factor 3 is above the 2 broker(s) of the '
        'cluster (1, 2); nothing was changed')
    assert not any('--alter' in argv or '--create' in argv for argv in tools.commands)


class SlowBrokers(FakeTools):
    """The broker listing fails as a busy broker's does (recorded on CI, 2026-12-03) the first `failures` times."""

    def __init__(self, failures):
        super().__init__()
        self.failures = failures

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        if args[0].endswith('kafka-broker-api-versions.sh') and self.failures:
            self.failures -= 1
            self.record(module, args, environ_update, kwargs)
            return 1, '', 'Request METADATA failed on brokers [127.0.0.1:57237 (id: -1 rack: null isFenced: false)]'
        return super().run_command(module, args, check_rc, environ_update, **kwargs)


@pytest.mark.parametrize('failures', [2, 3])
def test_broker_listing_is_tried_three_times_while_the_broker_is_busy(monkeypatch, home, failures):
    monkeypatch.setattr(_kafka_admin.time, 'sleep', lambda seconds: None)
    fake = SlowBrokers(failures).install(monkeypatch)
    topics = [{'name': 'new', 'replication_factor': 2}]
    if failures < _kafka_topics.BROKER_LIST_ATTEMPTS:
        result = run_in_mode(kafka_topics, args(home, topics), check_mode=True)
        assert result['changed']
    else:
        failed = run_in_mode(kafka_topics, args(home, topics), fails=True)
        assert failed['msg'].startswith('kafka-broker-api-versions.sh failed 3 times (exit 1): Request METADATA failed')
    listings = [argv for argv in fake.commands if argv[0].endswith('kafka-broker-api-versions.sh')]
    assert len(listings) == min(failures + 1, _kafka_topics.BROKER_LIST_ATTEMPTS)


# The controller's refusal while no broker is unfenced, recorded on CI (2026-12-07) from the lab's distribution.
FENCED = ('[2026-12-07 10:04:20,394] ERROR org.apache.kafka.common.errors.InvalidReplicationFactorException: Unable to '
          'replicate the partition 1 time(s): All brokers are currently fenced.\n (org.apache.kafka.tools.TopicCommand)')


class FencedBrokers(FakeTools):
    """The create is refused as every broker being fenced the first `failures` times."""

    def __init__(self, failures):
        super().__init__()
        self.failures = failures

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        if '--create' in args and self.failures:
            self.failures -= 1
            self.record(module, args, environ_update, kwargs)
            return 1, '', FENCED
        return super().run_command(module, args, check_rc, environ_update, **kwargs)


@pytest.mark.parametrize('failures', [4, _kafka_admin.FENCED_ATTEMPTS])
def test_a_create_refused_while_every_broker_is_fenced_is_tried_again(monkeypatch, home, failures):
    pauses = []
    monkeypatch.setattr(_kafka_admin.time, 'sleep', pauses.append)
    fake = FencedBrokers(failures).install(monkeypatch)
    topics = [{'name': 'new', 'partitions': 2, 'replication_factor': 1}]
    if failures < _kafka_admin.FENCED_ATTEMPTS:
        assert run_in_mode(kafka_topics, args(home, topics))['changed']
    else:
        failed = run_in_mode(kafka_topics, args(home, topics), fails=True)
        assert failed['msg'].startswith('kafka-topics.sh --create --topic new --partitions 2 --replication-factor 1 '
                                        'failed 10 times (exit 1): [2026-12-07'), failed['msg']
        assert failed['attempts'] == _kafka_admin.FENCED_ATTEMPTS
    creates = [argv for argv in fake.commands if '--create' in argv]
    assert len(creates) == min(failures + 1, _kafka_admin.FENCED_ATTEMPTS)
    assert pauses == [_kafka_admin.RETRY_PAUSE_S] * (len(creates) - 1)


def test_a_refused_login_is_not_tried_again(monkeypatch, home):
    class Refused(FakeTools):
        def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
            if args[0].endswith('kafka-broker-api-versions.sh'):
                self.record(module, args, environ_update, kwargs)
                return 1, '', 'org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed'
            return super().run_command(module, args, check_rc, environ_update, **kwargs)

    fake = Refused().install(monkeypatch)
    failed = run_in_mode(kafka_topics, args(home, [{'name': 'new', 'replication_factor': 2}]), fails=True)
    assert failed['msg'].startswith('kafka-broker-api-versions.sh failed (exit 1): org.apache.kafka.common.errors.Sasl')
    assert len([argv for argv in fake.commands if argv[0].endswith('kafka-broker-api-versions.sh')]) == 1


def test_bad_input_named_before_any_command(tools, home):
    failed = run_in_mode(kafka_topics, args(home, [
        {'name': 'bad name'}, {'name': 't1', 'partitions': 0}, {'name': 't1', 'configs': {'retention.ms': None}}]),
        fails=True)
    for text in ('topics[0] (bad name): the name must be', 'topics[1] (t1): partitions must be 1 or more, not 0',
                 'topics[2] (t1): listed twice', "topics[2] (t1): configs['retention.ms'] has no value"):
        assert text in failed['msg'], (text, failed['msg'])
    assert tools.commands == []


def test_overrides_kept_when_not_exclusive(tools, home):
    result = run_in_mode(kafka_topics, args(home, [{'name': 't1', 'configs': {'retention.ms': 1000}}],
                                            exclusive_configs=False))
    assert result['commands'] == [['kafka-configs.sh', '--alter', '--entity-type', 'topics', '--entity-name', 't1',
                                   '--add-config', 'retention.ms=1000']]
    assert result['changed_resources'][0]['summary'] == 'configs: retention.ms 3600000 -> 1000'


class ArchivingTools(FakeTools):
    """Writes the class archive a tool is asked for at its exit, as the JVM does; can warn that an archive is unusable."""

    def __init__(self, unusable=False, content='classes', removed_by_other=None):
        super().__init__()
        self.unusable = unusable
        self.content = content
        self.removed_by_other = removed_by_other

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        options = (environ_update or {}).get('KAFKA_JVM_PERFORMANCE_OPTS', '')
        rc, out, err = super().run_command(module, args, check_rc, environ_update, **kwargs)
        for option in options.split():
            if option.startswith('-XX:ArchiveClassesAtExit='):
                with open(option.split('=', 1)[1], 'w', encoding='utf-8') as archive:
                    archive.write(self.content)
        if self.unusable and '-XX:SharedArchiveFile=' in options:
            if self.removed_by_other:
                self.removed_by_other.unlink(missing_ok=True)
            err = '[0.038s][warning][cds,dynamic] Unable to use shared archive. The top archive failed to load'
        return rc, out, err


def test_tools_run_as_short_lived_jvms_and_make_then_use_the_class_archive(monkeypatch, home, tmp_path):
    archive = tmp_path / 'cache' / 'tools.jsa'
    topics = [{'name': 't2'}]
    fake = ArchivingTools().install(monkeypatch)
    # No directory for the archive: none is asked for; the tools run with the short-lived JVM's options.
    run_in_mode(kafka_topics, args(home, topics, tool_class_archive=str(archive)))
    assert all(env['KAFKA_JVM_PERFORMANCE_OPTS'].startswith('-XX:TieredStopAtLevel=1 -XX:+UseSerialGC')
               and 'Archive' not in env['KAFKA_JVM_PERFORMANCE_OPTS'] for env in fake.environ), fake.environ
    archive.parent.mkdir()
    # A check writes nothing, not even the archive.
    run_in_mode(kafka_topics, args(home, topics, tool_class_archive=str(archive)), check_mode=True)
    assert not archive.exists()
    # The first run writes it (each tool to its own file, renamed into place), the next one maps it.
    run_in_mode(kafka_topics, args(home, topics, tool_class_archive=str(archive)))
    assert archive.read_text(encoding='utf-8') == 'classes' and oct(archive.stat().st_mode & 0o777) == '0o644'
    assert sorted(p.name for p in archive.parent.iterdir()) == ['tools.jsa']
    fake.environ.clear()
    run_in_mode(kafka_topics, args(home, topics, tool_class_archive=str(archive)))
    assert all(f'-XX:SharedArchiveFile={archive}' in env['KAFKA_JVM_PERFORMANCE_OPTS'] for env in fake.environ)
    # An archive the JVM cannot map (another Java) is removed; a tool that starts after that makes it again (the two
    # reads run side by side).
    fake = ArchivingTools(unusable=True, content='remade').install(monkeypatch)
    run_in_mode(kafka_topics, args(home, topics, tool_class_archive=str(archive)))
    assert any('SharedArchiveFile' in env['KAFKA_JVM_PERFORMANCE_OPTS'] for env in fake.environ)
    assert not archive.exists() or archive.read_text(encoding='utf-8') == 'remade'
    # Both reads find it unusable and the other one removed it first (as in CI of 9627e59): no error.
    archive.write_text('classes', encoding='utf-8')
    fake = ArchivingTools(unusable=True, content='made again', removed_by_other=archive).install(monkeypatch)
    run_in_mode(kafka_topics, args(home, topics, tool_class_archive=str(archive)))
    assert fake.environ and (not archive.exists() or archive.read_text(encoding='utf-8') == 'made again')
    # Options given in the environment replace the short-lived JVM's.
    fake = ArchivingTools().install(monkeypatch)
    run_in_mode(kafka_topics, args(home, topics, environment={'KAFKA_JVM_PERFORMANCE_OPTS': '-Xint'}))
    assert {env['KAFKA_JVM_PERFORMANCE_OPTS'] for env in fake.environ} == {'-Xint'}
