# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running the tools of a Kafka release against a cluster, for the modules documented with the
mlops.hosts.kafka_admin fragment (kafka_scram_users, kafka_acls, kafka_topics and kafka_resources, which does the
work of the other three in one module execution).

Each kind of resource is a part (_kafka_scram_users.ScramUsers, _kafka_acls.Acls, _kafka_topics.Topics) that run_parts
drives through the same steps:
  problems()      what is wrong with its options, read on the host only (list of text)
  reads()         the tool runs that read the cluster's state, list of (script, args)
  plan(outputs)   with their outputs in the same order: what is to change; the refusals (list of text)
  execute()       change it (not in check mode); the part's result (dict with changed and changed_resources)
and has `scripts`, the tools it runs."""

from __future__ import annotations

import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.mlops.hosts.plugins.module_utils import _kafka_tool_batch as batch
from ansible_collections.mlops.hosts.plugins.module_utils._commands import environment_problems, tail


def argument_spec(**own):
    """The fragment's options, with the module's own."""
    spec = dict(
        kafka_home=dict(type='path', required=True),
        bootstrap_server=dict(type='str', required=True),
        command_config=dict(type='path'),
        environment=dict(type='dict', default={}),
        tool_class_archive=dict(type='path'),
    )
    spec.update(own)
    return spec


# Each tool is a short-lived JVM: the client compiler only and the serial collector take about half the CPU time of
# the server settings kafka-run-class.sh defaults to (1.5 s instead of 2.7 s for a kafka-topics.sh --describe).
TOOL_JVM_OPTIONS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true'
# With a class data sharing archive: an archive the JVM cannot map (another Java build or class path) is skipped with a
# warning on standard error, never on standard output, which the modules parse; Java 11, which cannot write a dynamic
# archive, ignores the option that asks for one.
ARCHIVE_JVM_OPTIONS = '-XX:+IgnoreUnrecognizedVMOptions -Xshare:auto -Xlog:disable -Xlog:all=warning:stderr'
UNUSABLE_ARCHIVE = 'Unable to use shared archive'
# How a tool's client fails when the broker is slow to answer, not wrong: kafka-broker-api-versions.sh's legacy admin
# client gives up within seconds ("Request METADATA failed on brokers", CI on 2026-12-03); the others time out.
BUSY_BROKER = re.compile(r'Request METADATA failed|TimeoutException|Timed out waiting')
RETRY_PAUSE_S = 3
# How the controller refuses to place replicas while no broker is unfenced: a broker that has just started and not
# caught up, or one that missed its heartbeats for broker.session.timeout.ms (CI on 2026-12-07, a starved machine).
# The request was refused before anything was done, so it is repeated, a write too, until a broker is back.
FENCED_BROKERS = re.compile(r'All brokers are currently fenced')
FENCED_ATTEMPTS = 10


class KafkaTools:
    """The tools of the release in params['kafka_home'], connected as params say."""

    def __init__(self, module):
        self.module = module
        params = module.params
        self.home = params['kafka_home']
        self.connect = ['--bootstrap-server', params['bootstrap_server']]
        if params['command_config']:
            self.connect += ['--command-config', params['command_config']]
        self.environ = {name: str(value) for name, value in params['environment'].items()}
        self.environ.setdefault('KAFKA_JVM_PERFORMANCE_OPTS', TOOL_JVM_OPTIONS)
        self.archive = params.get('tool_class_archive')

    def problems(self, scripts):
        """What is wrong with the options for running scripts (list of text, empty when nothing)."""
        found = environment_problems(self.environ)
        for script in scripts:
            path = os.path.join(self.home, 'bin', script)
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                found.append('%s is not an executable file: kafka_home %r is not a Kafka release' % (path, self.home))
        return found

    def run(self, script, args, attempts=1):
        """Standard output of bin/script with the connection options and args; fails the module when it fails.

        attempts (int, 1 or more; more only for reads, which are safe to repeat): how many times a run that failed as
        a busy or starting broker makes a client fail (BUSY_BROKER) is tried, RETRY_PAUSE_S seconds apart. A run the
        controller refused because every broker is fenced (FENCED_BROKERS) is tried up to FENCED_ATTEMPTS times
        whatever attempts says; any other failure (a wrong address, a refused login) fails at once."""
        out, failure = self._attempt(script, args, attempts)
        if failure:
            self.module.fail_json(**failure)
        return out

    def _attempt(self, script, args, attempts):
        """(standard output, None) of run(), or (None, the failure's fail_json arguments): never fails the module, so
        that threads can run it (a fail_json in each of several threads would print several results)."""
        argv = [os.path.join(self.home, 'bin', script)] + self.connect + list(args)
        attempt = 1
        while True:
            rc, out, err = self._run_once(argv)
            if rc == 0:
                return out, None
            if attempt >= _attempts_for((err or '') + (out or ''), attempts):
                break
            time.sleep(RETRY_PAUSE_S)
            attempt += 1
        return None, _failure(script, args, rc, err or out, attempt)

    def _run_once(self, argv, archive=None, class_path=None):
        """run_command() of argv with the tools' environment and class data sharing archive (archive, the tools'
        own by default; class_path, when given, put first on the class path): (rc, out, err)."""
        archive = archive or self.archive
        environ, making = self._with_archive(archive)
        if class_path:
            before = environ.get('CLASSPATH')
            environ = dict(environ, CLASSPATH=class_path + (':' + before if before else ''))
        try:
            rc, out, err = self.module.run_command(argv, environ_update=environ)
            if making and rc == 0 and os.path.isfile(making):
                os.chmod(making, 0o644)
                os.replace(making, archive)
            elif archive and UNUSABLE_ARCHIVE in (err or '') and not self.module.check_mode:
                self._remove_archive(archive)
        finally:
            if making and os.path.exists(making):
                os.remove(making)
        return rc, out, err

    @staticmethod
    def _remove_archive(archive):
        """Remove the class archive, made again by the next tool; a tool run side by side may have removed it first."""
        try:
            os.remove(archive)
        except FileNotFoundError:
            pass

    def _with_archive(self, archive):
        """The tools' environment with the class data sharing archive at archive: used when it exists, else written at
        the tool's exit to a file of its own that run() renames into place (never in check mode); the path of that
        file or None."""
        if not archive:
            return self.environ, None
        options = self.environ['KAFKA_JVM_PERFORMANCE_OPTS'] + ' ' + ARCHIVE_JVM_OPTIONS
        making = None
        if os.path.isfile(archive):
            options += ' -XX:SharedArchiveFile=' + archive
        elif os.path.isdir(os.path.dirname(archive)) and not self.module.check_mode:
            making = '%s.%d.%d' % (archive, os.getpid(), threading.get_ident())
            options += ' -XX:ArchiveClassesAtExit=' + making
        return dict(self.environ, KAFKA_JVM_PERFORMANCE_OPTS=options), making

    def run_side_by_side(self, calls):
        """run() for each (script, args) of calls at once, in one Java start where the tool batch can run
        (_kafka_tool_batch), else side by side; their outputs in the same order. When any fails, the module fails
        once, in this thread, with every failure's message (and the first one's rc, cmd and attempts)."""
        results = self._batch(calls)
        if results is None:
            with ThreadPoolExecutor(max_workers=len(calls)) as pool:
                futures = [pool.submit(self._attempt, script, args, 1) for script, args in calls]
                results = [future.result() for future in futures]
        failures = [failure for _out, failure in results if failure]
        if failures:
            self.module.fail_json(**dict(failures[0], msg='; '.join(failure['msg'] for failure in failures)))
        return [out for out, _failure in results]

    def _batch(self, calls):
        """[(standard output, None) or (None, failure)] of calls run in one JVM (see _attempt), or None when the batch
        cannot run here: no tool_class_archive (whose directory holds the batch's jar), a script whose main class
        is not named the usual way, no compiler in the Java runtime, or a batch that did not run to its end."""
        if not self.archive or not os.path.isdir(os.path.dirname(self.archive)):
            return None
        commands = []
        for script, args in calls:
            main_class = batch.script_class(os.path.join(self.home, 'bin', script))
            if main_class is None:
                return None
            commands.append((main_class, self.connect + list(args)))
        jar = batch.jar_path(self.archive)
        if not batch.compile_jar(self.module, self.home, self.environ.get('JAVA_HOME'), jar):
            return None
        marker = batch.new_marker()
        rc, out, err = self._run_once(batch.batch_argv(self.home, marker, commands),
                                      archive=batch.batch_archive(self.archive), class_path=jar)
        parsed = batch.parse_output(out, marker, len(commands)) if rc == 0 else None
        if parsed is None:
            return None
        results = []
        for (script, args), (code, text) in zip(calls, parsed):
            if code == 0:
                results.append((text, None))
                continue
            results.append((None, _failure(script, args, code, _joined(text, err), 1)))
        return results


def _attempts_for(output, attempts):
    """How many times in all a run that failed with output is tried (see KafkaTools.run)."""
    if FENCED_BROKERS.search(output):
        return FENCED_ATTEMPTS
    return attempts if BUSY_BROKER.search(output) else 1


def _failure(script, args, rc, output, attempts):
    """fail_json's arguments for a tool run that failed: its command (without the connection options), exit code and
    the tail of its output; attempts when it was tried more than once."""
    shown = [script] + list(args)
    tries = '' if attempts == 1 else ' %d times' % attempts
    return dict(msg='%s failed%s (exit %d): %s' % (' '.join(shown), tries, rc, tail(output.strip(), 3000)),
                rc=rc, cmd=shown, attempts=attempts)


def _joined(*texts):
    """The non-empty texts, stripped, one after the other on lines of their own."""
    return '\n'.join(text.strip() for text in texts if text and text.strip())


def run_parts(module, tools, parts, refusal='the Kafka cluster'):
    """Drive parts (see the module's docstring) with one set of tools: every option problem of every part fails the
    module at once before the cluster is read; all parts' reads run side by side; every refusal of every plan fails
    it at once before anything changes; then each part executes in order.

    Returns the results of the parts, in their order, each a dict. refusal (str) names what is refused in the
    message."""
    problems = [problem for part in parts for problem in part.problems()]
    problems += tools.problems(sorted(set(script for part in parts for script in part.scripts)))
    if problems:
        module.fail_json(msg='; '.join(problems))
    calls = [part.reads() for part in parts]
    flat = [call for part_calls in calls for call in part_calls]
    outputs = tools.run_side_by_side(flat) if len(flat) > 1 else [tools.run(*call) for call in flat]
    refusals, details, start = [], {}, 0
    for part, part_calls in zip(parts, calls):
        refusals += part.plan(outputs[start:start + len(part_calls)])
        details.update(getattr(part, 'failure_details', {}))
        start += len(part_calls)
    if refusals:
        module.fail_json(msg='refusing to change %s: %s; nothing was changed' % (refusal, '; '.join(refusals)),
                         **details)
    return [part.execute() for part in parts]
