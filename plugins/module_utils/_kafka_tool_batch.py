# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Several commands of Kafka's tools in one Java start, for _kafka_admin.KafkaTools.run_side_by_side.

Each tool command is a JVM of its own, and its start is most of its cost: four reads side by side took 2.9-3.4 s on a
2-core lab host, the same four in one JVM 1.5 s (2026-12-06, Kafka 4.1.1 on Java 17, each with its class data sharing
archive). The batch is a small Java class (JAVA_SOURCE) that calls each tool's main class in turn, with Kafka's
Exit procedures replaced so that a tool's exit ends only its own turn, and prints each turn's exit code and standard
output on one line of its own; it stops at the first tool that fails, so that an unreachable cluster costs one
timeout, not one per read. It is compiled once per source and host with the runtime's own compiler module
(jdk.compiler, which Debian's JRE packages hold), into a jar beside the tools' class archive; where it cannot be
compiled, or a tool's script does not name its main class the usual way, the caller runs the tools side by side as
before (runnable() is None)."""

from __future__ import annotations

import base64
import glob
import hashlib
import os
import re
import secrets
import shutil
import tempfile
import zipfile

from ansible_collections.mlops.hosts.plugins.module_utils._commands import tail

CLASS_NAME = 'MlopsKafkaToolBatch'
JAVA_SOURCE = r'''
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.apache.kafka.common.utils.Exit;

/** mlops.hosts: runs Kafka tool main classes one after the other in this JVM. Arguments: a marker, then groups
 * separated by the marker, each a main class and its arguments. For each group one line on standard output:
 * "MARKER EXIT_CODE BASE64_OF_ITS_STANDARD_OUTPUT"; after a group that fails, none. */
public class MlopsKafkaToolBatch {
    static final class Stop extends RuntimeException {
        Stop(int code) { super("exit " + code, null, false, false); }
    }

    /** Standard output as every class sees it, Scala's Console included, which keeps the stream it first saw. */
    static final class Switch extends OutputStream {
        volatile ByteArrayOutputStream target = new ByteArrayOutputStream();
        @Override public void write(int b) { target.write(b); }
        @Override public void write(byte[] b, int off, int len) { target.write(b, off, len); }
    }

    static volatile Integer firstExit;

    public static void main(String[] args) throws Exception {
        String marker = args[0];
        List<List<String>> groups = new ArrayList<>();
        List<String> group = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals(marker)) { groups.add(group); group = new ArrayList<>(); } else { group.add(args[i]); }
        }
        groups.add(group);
        // A tool that exits twice (TopicCommand exits from a finally block, then again with what its catch made of
        // the first exit) ends with its first code.
        Exit.setExitProcedure((code, message) -> { if (firstExit == null) firstExit = code; throw new Stop(code); });
        Exit.setHaltProcedure((code, message) -> { if (firstExit == null) firstExit = code; throw new Stop(code); });
        PrintStream real = System.out;
        Switch output = new Switch();
        System.setOut(new PrintStream(output, true, "UTF-8"));
        for (List<String> g : groups) {
            output.target = new ByteArrayOutputStream();
            firstExit = null;
            int code = 0;
            try {
                Class.forName(g.get(0)).getMethod("main", String[].class)
                    .invoke(null, (Object) g.subList(1, g.size()).toArray(new String[0]));
            } catch (InvocationTargetException e) {
                if (!(e.getCause() instanceof Stop)) { code = 1; e.getCause().printStackTrace(); }
            }
            System.out.flush();
            if (firstExit != null) code = firstExit;
            real.println(marker + " " + code + " " + Base64.getEncoder().encodeToString(output.target.toByteArray()));
            // The reads fail alike (an unreachable cluster, a refused login): one failure, not each one's timeout.
            if (code != 0) break;
        }
        real.flush();
        System.exit(0);
    }
}
'''
# The source's digest names the jar and its class archive: a changed source is compiled again, into new files.
SOURCE_ID = hashlib.sha256(JAVA_SOURCE.encode('utf-8')).hexdigest()[:12]
# How the release's scripts start their tool: `exec "$(dirname ...)/kafka-run-class.sh" CLASS "$@"`, Apache's and the
# lab's alike.
SCRIPT_CLASS = re.compile(r'kafka-run-class\.sh"?\s+([A-Za-z_$][\w.$]*)\s+"\$@"')
# What java says when its runtime lacks the compiler module or one it requires, at the start of its boot layer:
# "java.lang.module.FindException: Module jdk.compiler not found" (or "Module java.compiler not found, required by
# jdk.compiler"), a property of the runtime, not of this run.
NO_COMPILER = re.compile(r'FindException: Module [\w.]+ not found')
# The batch's files of any source: its jar, its marker, its class archives, a jar being written.
BATCH_FILE = re.compile(r'^mlops-tool-batch-([0-9a-f]{12})[.-]')


def script_class(path):
    """The main class the tool script at path runs (str), or None when it does not say so the usual way."""
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            found = SCRIPT_CLASS.findall(handle.read())
    except OSError:
        return None
    return found[0] if len(found) == 1 else None


def batch_argv(home, marker, commands):
    """kafka-run-class.sh's argv for commands (list of (main class, argument list)) in one batch."""
    argv = [os.path.join(home, 'bin', 'kafka-run-class.sh'), CLASS_NAME, marker]
    for index, (main_class, args) in enumerate(commands):
        if index:
            argv.append(marker)
        argv += [main_class] + list(args)
    return argv


def parse_output(out, marker, count):
    """[(exit code, standard output)] of the count commands from the batch's standard output: one for each, or fewer
    when the last one failed (the batch stops at a failure). None when it holds neither (the batch did not run to its
    end: the caller runs the tools side by side)."""
    results = []
    for line in (out or '').splitlines():
        fields = line.split(' ')
        if len(fields) == 3 and fields[0] == marker and re.match(r'^-?\d+$', fields[1]):
            try:
                text = base64.b64decode(fields[2], validate=True).decode('utf-8', errors='replace')
            except ValueError:
                return None
            results.append((int(fields[1]), text))
    if len(results) == count or (0 < len(results) < count and results[-1][0] != 0):
        return results
    return None


def new_marker():
    return 'mlops-tool-batch-' + secrets.token_hex(8)


def jar_path(archive):
    """The batch's jar beside the tools' class archive (archive: path of tool_class_archive)."""
    return os.path.join(os.path.dirname(archive), 'mlops-tool-batch-%s.jar' % SOURCE_ID)


def batch_archive(archive):
    """The class archive of the batch's JVM, whose class path differs from the tools': a file of its own beside the
    jar, named after the tools' archive too (another Kafka release is another class path)."""
    return os.path.join(os.path.dirname(archive), 'mlops-tool-batch-%s-%s' % (SOURCE_ID, os.path.basename(archive)))


def remove_other_sources(directory):
    """Remove the batch's files of other sources from directory (the jars, markers and class archives an earlier
    version of this collection made), leaving every other file."""
    for name in os.listdir(directory):
        found = BATCH_FILE.match(name)
        if found and found.group(1) != SOURCE_ID:
            try:
                os.remove(os.path.join(directory, name))
            except OSError:
                pass


def compile_jar(module, home, java_home, jar):
    """Compile JAVA_SOURCE into jar with the runtime's compiler module; True when jar exists afterwards. On a runtime
    without the compiler a marker file (jar + '.unavailable') keeps later runs from trying again for this source; any
    other failure warns and is tried again at the next run. A new jar replaces the files of other sources
    (remove_other_sources)."""
    unavailable = jar + '.unavailable'
    if os.path.exists(jar):
        return True
    if os.path.exists(unavailable) or module.check_mode:
        return False
    clients = sorted(glob.glob(os.path.join(home, 'libs', 'kafka-clients-*.jar')))
    java = os.path.join(java_home, 'bin', 'java') if java_home else 'java'
    if not clients:
        return False
    work = tempfile.mkdtemp(prefix='mlops-tool-batch-')
    try:
        source = os.path.join(work, CLASS_NAME + '.java')
        with open(source, 'w', encoding='utf-8') as handle:
            handle.write(JAVA_SOURCE)
        classes = os.path.join(work, 'classes')
        rc, out, err = module.run_command([java, '-m', 'jdk.compiler/com.sun.tools.javac.Main', '-nowarn',
                                           '-cp', clients[-1], '-d', classes, source])
        if rc != 0:
            said = (err or out or '').strip()
            if NO_COMPILER.search(said):
                with open(unavailable, 'w', encoding='utf-8') as handle:
                    handle.write('%s has no compiler module (jdk.compiler) for the tool batch; delete this file to '
                                 'retry\n' % java)
            else:
                module.warn('the Kafka tool batch did not compile (%s, exit %d: %s); the reads ran side by side, and it '
                            'is compiled again at the next run' % (java, rc, tail(said, 1000) or 'no output'))
            return False
        made = '%s.%d' % (jar, os.getpid())
        with zipfile.ZipFile(made, 'w') as archive:
            for name in sorted(os.listdir(classes)):
                archive.write(os.path.join(classes, name), name)
        os.chmod(made, 0o644)
        os.replace(made, jar)
        remove_other_sources(os.path.dirname(jar))
        return True
    finally:
        shutil.rmtree(work, ignore_errors=True)
