# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the Kafka tool batch (module_utils/_kafka_tool_batch.py) as kafka_resources uses it: the reads in one
Java start where the batch compiles, side by side where it cannot. The batch's Java against a real server:
tests/integration/test_lab_kafka_dist.py (kafka_resources)."""

from __future__ import annotations

import base64
import os

from ansible_collections.mlops.hosts.plugins.module_utils import _kafka_tool_batch as batch
from ansible_collections.mlops.hosts.plugins.modules import kafka_resources
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import kafka_home, run_in_mode
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.test_kafka_acls import LISTED
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.test_kafka_resources import (READS, FakeCluster, args,
                                                                                             settled)
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.test_kafka_scram_users import DESCRIBED
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.test_kafka_topics import CONFIGS, DESCRIBE

# The tools' scripts as Apache's release (kafka-acls.sh, kafka-topics.sh) and the lab's (kafka-configs.sh) write them.
SCRIPTS = {
    'kafka-acls.sh': 'exec $(dirname $0)/kafka-run-class.sh org.apache.kafka.tools.AclCommand "$@"\n',
    'kafka-topics.sh': 'exec $(dirname $0)/kafka-run-class.sh org.apache.kafka.tools.TopicCommand "$@"\n',
    'kafka-configs.sh': '# The lab\'s kafka-configs.sh\nexec "$(dirname "$(readlink -f "$0")")/kafka-run-class.sh" '
                        'kafka.admin.ConfigCommand "$@"\n',
}
# What Java 17 prints for `java -m jdk.compiler/...` on a runtime image without the module (jlink'ed JREs).
NO_COMPILER = ('Error occurred during initialization of boot layer\n'
               'java.lang.module.FindException: Module jdk.compiler not found\n')
OUTPUTS = {'org.apache.kafka.tools.AclCommand': LISTED, 'org.apache.kafka.tools.TopicCommand': DESCRIBE}


def encoded(text):
    return base64.b64encode(text.encode('utf-8')).decode('ascii')


class BatchHost(FakeCluster):
    """A host whose Java compiles the batch (or not: compiles=False) and runs it as the real class does: one line per
    command, with its recorded output; exits with failing[main class] for those named, and stops there."""

    def __init__(self, compiles=True, failing=None, compile_error=None):
        super().__init__()
        self.compiles, self.failing, self.compile_error = compiles, failing or {}, compile_error

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        if 'jdk.compiler/com.sun.tools.javac.Main' in args:
            self.record(module, args, environ_update, kwargs)
            if not self.compiles:
                return 1, '', NO_COMPILER
            if self.compile_error:
                return 1, '', self.compile_error
            classes = args[args.index('-d') + 1]
            os.makedirs(classes)
            with open(os.path.join(classes, batch.CLASS_NAME + '.class'), 'wb') as handle:
                handle.write(b'\xca\xfe\xba\xbe')
            return 0, '', ''
        if args[0].endswith('kafka-run-class.sh'):
            self.record(module, args, environ_update, kwargs)
            marker, lines = args[2], ['a log line of the JVM on standard output']
            groups, group = [], []
            for arg in args[3:]:
                if arg == marker:
                    groups.append(group)
                    group = []
                else:
                    group.append(arg)
            groups.append(group)
            for group in groups:
                main_class = group[0]
                output = OUTPUTS.get(main_class) or (DESCRIBED if 'users' in group else CONFIGS)
                code = self.failing.get(main_class, 0)
                lines.append('%s %d %s' % (marker, code, encoded('Error: denied\n' if code else output)))
                if code:
                    break
            return 0, '\n'.join(lines) + '\n', 'a warning of the JVM'
        return super().run_command(module, args, check_rc, environ_update, **kwargs)


def release(tmp_path):
    home = kafka_home(tmp_path, *SCRIPTS)
    for script, text in SCRIPTS.items():
        (home / 'bin' / script).write_text('#!/bin/bash\n' + text, encoding='utf-8')
    (home / 'libs').mkdir()
    (home / 'libs' / 'kafka-clients-4.1.1.jar').write_bytes(b'PK')
    cache = tmp_path / 'cache'
    cache.mkdir()
    return home, cache


def batch_args(tmp_path, home, cache):
    return args(home, tool_class_archive=str(cache / 'tools-4.1.1.jsa'), environment={'JAVA_HOME': '/usr/lib/jvm/j'},
                **settled(tmp_path))


def test_the_four_reads_run_in_one_java_start_after_one_compilation(monkeypatch, tmp_path):
    host = BatchHost().install(monkeypatch)
    home, cache = release(tmp_path)
    result = run_in_mode(kafka_resources, batch_args(tmp_path, home, cache))
    assert not result['changed'] and result['changed_resources'] == [], result
    compile_argv, run_argv = host.commands
    assert compile_argv[:3] == ['/usr/lib/jvm/j/bin/java', '-m', 'jdk.compiler/com.sun.tools.javac.Main']
    jar = cache / ('mlops-tool-batch-%s.jar' % batch.SOURCE_ID)
    assert jar.is_file() and oct(jar.stat().st_mode & 0o777) == '0o644'
    assert run_argv[:2] == [str(home / 'bin' / 'kafka-run-class.sh'), batch.CLASS_NAME]
    assert [a for a in run_argv if a.startswith(('org.apache.kafka', 'kafka.admin'))] == [
        'kafka.admin.ConfigCommand', 'org.apache.kafka.tools.AclCommand', 'org.apache.kafka.tools.TopicCommand',
        'kafka.admin.ConfigCommand']
    assert run_argv.count('--bootstrap-server') == READS
    environ = host.environ[1]
    assert environ['CLASSPATH'] == str(jar)
    # Its own class archive, made at its first exit: the tools' archive is of another class path.
    assert '-XX:ArchiveClassesAtExit=%s.' % (cache / ('mlops-tool-batch-%s-tools-4.1.1.jsa' % batch.SOURCE_ID)) in \
        environ['KAFKA_JVM_PERFORMANCE_OPTS']
    # The next run compiles nothing.
    host.commands.clear()
    run_in_mode(kafka_resources, batch_args(tmp_path, home, cache), check_mode=True)
    assert len(host.commands) == 1 and host.commands[0][1] == batch.CLASS_NAME


def test_a_runtime_without_the_compiler_reads_side_by_side_and_does_not_try_again(monkeypatch, tmp_path):
    host = BatchHost(compiles=False).install(monkeypatch)
    home, cache = release(tmp_path)
    result = run_in_mode(kafka_resources, batch_args(tmp_path, home, cache))
    assert not result['changed'], result
    assert len(host.commands) == 1 + READS and all(argv[0].endswith('.sh') for argv in host.commands[1:])
    assert (cache / ('mlops-tool-batch-%s.jar.unavailable' % batch.SOURCE_ID)).is_file()
    host.commands.clear()
    host.barrier.reset()
    run_in_mode(kafka_resources, batch_args(tmp_path, home, cache))
    assert len(host.commands) == READS


def test_a_compilation_that_fails_otherwise_warns_and_is_tried_again_at_the_next_run(monkeypatch, tmp_path, warnings):
    host = BatchHost(compile_error='MlopsKafkaToolBatch.java:3: error: cannot find symbol\n1 error\n').install(monkeypatch)
    home, cache = release(tmp_path)
    result = run_in_mode(kafka_resources, batch_args(tmp_path, home, cache))
    assert not result['changed'], result
    assert len(warnings) == 1 and 'did not compile' in warnings[0] and '1 error' in warnings[0], warnings
    assert 'error: cannot find symbol' in warnings[0], warnings
    assert len(host.commands) == 1 + READS
    assert not (cache / ('mlops-tool-batch-%s.jar.unavailable' % batch.SOURCE_ID)).exists()
    host.commands.clear()
    host.barrier.reset()
    host.compile_error = None
    run_in_mode(kafka_resources, batch_args(tmp_path, home, cache))
    assert len(host.commands) == 2 and host.commands[1][1] == batch.CLASS_NAME


def test_a_new_jar_removes_the_files_of_other_sources_and_keeps_the_rest(monkeypatch, tmp_path):
    BatchHost().install(monkeypatch)
    home, cache = release(tmp_path)
    other = '0123456789ab' if batch.SOURCE_ID != '0123456789ab' else 'ba9876543210'
    old = ['mlops-tool-batch-%s.jar' % other, 'mlops-tool-batch-%s.jar.unavailable' % other,
           'mlops-tool-batch-%s-tools-4.1.1.jsa' % other]
    kept = ['tools-4.1.1.jsa', 'tools-4.0.0.jsa', 'mlops-tool-batch-notes.txt']
    for name in old + kept:
        (cache / name).write_bytes(b'x')
    run_in_mode(kafka_resources, batch_args(tmp_path, home, cache))
    assert sorted(p.name for p in cache.iterdir()) == sorted(kept + ['mlops-tool-batch-%s.jar' % batch.SOURCE_ID])


def test_a_check_on_a_new_host_compiles_nothing_and_reads_side_by_side(monkeypatch, tmp_path):
    host = BatchHost().install(monkeypatch)
    home, cache = release(tmp_path)
    run_in_mode(kafka_resources, batch_args(tmp_path, home, cache), check_mode=True)
    assert len(host.commands) == READS and list(cache.iterdir()) == []


def test_a_failed_read_in_the_batch_fails_the_module_naming_it(monkeypatch, tmp_path):
    BatchHost(failing={'org.apache.kafka.tools.AclCommand': 1}).install(monkeypatch)
    home, cache = release(tmp_path)
    failed = run_in_mode(kafka_resources, batch_args(tmp_path, home, cache), fails=True)
    assert failed['msg'].startswith('kafka-acls.sh --list failed (exit 1): Error: denied'), failed['msg']
    assert 'Error: denied' in failed['msg'] and failed['rc'] == 1
    # The batch stopped at it: the topics' reads, after it, are not named.
    assert 'kafka-topics.sh' not in failed['msg'], failed['msg']


def test_parse_output_needs_every_result_and_ignores_other_lines():
    marker = batch.new_marker()
    out = 'log\n%s 0 %s\n%s 2 \nmore log\n' % (marker, encoded('Topic: t1\n'), marker)
    assert batch.parse_output(out, marker, 2) == [(0, 'Topic: t1\n'), (2, '')]
    # Fewer results than commands: only after a failure, where the batch stops.
    assert batch.parse_output(out, marker, 3) == [(0, 'Topic: t1\n'), (2, '')]
    assert batch.parse_output('%s 0 \n' % marker, marker, 2) is None
    assert batch.parse_output('', marker, 1) is None
    assert batch.parse_output('%s 0 not-base64!\n' % marker, marker, 1) is None
    assert batch.parse_output(out, batch.new_marker(), 2) is None


def test_a_script_that_does_not_name_its_class_the_usual_way_is_not_batched(tmp_path):
    script = tmp_path / 'kafka-acls.sh'
    script.write_text('#!/bin/sh\nexec java -cp x Tool "$@"\n', encoding='utf-8')
    assert batch.script_class(str(script)) is None
    assert batch.script_class(str(tmp_path / 'missing.sh')) is None
    script.write_text('#!/bin/sh\n' + SCRIPTS['kafka-configs.sh'], encoding='utf-8')
    assert batch.script_class(str(script)) == 'kafka.admin.ConfigCommand'
