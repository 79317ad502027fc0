"""The lab's Kafka distribution (lab/kafka-dist.sh) is a Kafka that works: built twice, the same bytes; a
KRaft server from it formats its storage once, starts, and serves a topic to the console clients.

Runs on this machine, not in a container: it needs Maven (with Maven Central) and Java 17, and is
skipped, with the reason, where either is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / 'lab' / 'kafka-dist.sh'


def _skip_reason() -> str | None:
    for tool in ('mvn', 'java', 'unzip'):
        if not shutil.which(tool):
            return f'no {tool} on this machine (lab/kafka-dist.sh needs Maven, a JDK and unzip)'
    return None


def _build(cache: Path) -> dict[str, str]:
    run = subprocess.run(['bash', str(SCRIPT)], capture_output=True, text=True, check=False,
                         env={**os.environ, 'LAB_KAFKA_CACHE': str(cache)}, timeout=600)
    assert run.returncode == 0, run.stderr
    return dict(line.split('=', 1) for line in run.stdout.splitlines())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def dist(tmp_path_factory):
    reason = _skip_reason()
    if reason:
        print(f'SKIPPED test_lab_kafka_dist: {reason}')
        pytest.skip(reason)
    first = _build(tmp_path_factory.mktemp('cache1'))
    second = _build(tmp_path_factory.mktemp('cache2'))
    top = tmp_path_factory.mktemp('kafka')
    with tarfile.open(first['KAFKA_ARCHIVE_FILE']) as archive:
        archive.extractall(top, filter='tar')
    return {'built': (first, second), 'home': top / f"kafka_2.13-{first['KAFKA_ARCHIVE_VERSION']}"}


def test_archive_is_reproducible_and_checksummed(dist):
    first, second = dist['built']
    assert first['KAFKA_ARCHIVE_SHA512'] == second['KAFKA_ARCHIVE_SHA512']
    listed = Path(first['KAFKA_ARCHIVE_FILE'] + '.sha512').read_text(encoding='utf-8').split()
    assert listed == [first['KAFKA_ARCHIVE_SHA512'], Path(first['KAFKA_ARCHIVE_FILE']).name]


def test_layout_is_apache_tarball(dist):
    home, version = dist['home'], dist['built'][0]['KAFKA_ARCHIVE_VERSION']
    for path in ('bin/kafka-server-start.sh', 'bin/kafka-storage.sh', 'bin/kafka-topics.sh', 'bin/kafka-acls.sh',
                 'bin/kafka-configs.sh', 'bin/kafka-metadata-quorum.sh', 'config/server.properties',
                 'config/log4j2.yaml', f'libs/kafka_2.13-{version}.jar', f'libs/kafka-clients-{version}.jar'):
        assert (home / path).is_file(), path
    assert os.access(home / 'bin' / 'kafka-topics.sh', os.X_OK)
    jars = sorted(p.name for p in (home / 'libs').glob('slf4j-api-*.jar'))
    assert len(jars) == 1 and jars[0].startswith('slf4j-api-2.'), jars


def _tool(home: Path, name: str, *args: str, stdin: str | None = None, check: bool = True) -> str:
    run = subprocess.run([str(home / 'bin' / name), *args], capture_output=True, text=True, input=stdin,
                         check=False, timeout=120, env={**os.environ, 'KAFKA_HEAP_OPTS': '-Xmx256m'})
    if check:
        assert run.returncode == 0, f'{name} {args}: {run.stdout}{run.stderr}'
    return run.stdout + run.stderr if not check else run.stdout


def test_kraft_server_formats_once_starts_and_serves(dist, tmp_path):
    home = dist['home']
    broker, controller = _free_port(), _free_port()
    config = tmp_path / 'server.properties'
    config.write_text('\n'.join([
        'process.roles=broker,controller', 'node.id=1',
        f'controller.quorum.bootstrap.servers=127.0.0.1:{controller}',
        f'listeners=PLAINTEXT://127.0.0.1:{broker},CONTROLLER://127.0.0.1:{controller}',
        f'advertised.listeners=PLAINTEXT://127.0.0.1:{broker}',
        'controller.listener.names=CONTROLLER', 'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        f'log.dirs={tmp_path / "data"}', 'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1', 'transaction.state.log.min.isr=1', '']), encoding='utf-8')
    cluster_id = _tool(home, 'kafka-storage.sh', 'random-uuid').strip()
    assert len(cluster_id) == 22, cluster_id
    _tool(home, 'kafka-storage.sh', 'format', '-t', cluster_id, '-c', str(config), '--standalone')
    meta = (tmp_path / 'data' / 'meta.properties').read_text(encoding='utf-8')
    assert f'cluster.id={cluster_id}' in meta
    # Kafka's own guard, which the kafka role relies on as a second line: formatted storage is not formatted again.
    again = _tool(home, 'kafka-storage.sh', 'format', '-t', cluster_id, '-c', str(config), '--standalone',
                  check=False)
    assert 'already formatted' in again, again

    log = (tmp_path / 'server.log').open('w', encoding='utf-8')
    server = subprocess.Popen([str(home / 'bin' / 'kafka-server-start.sh'), str(config)], stdout=log,
                              stderr=subprocess.STDOUT, env={**os.environ, 'KAFKA_HEAP_OPTS': '-Xmx512m'})
    try:
        deadline = time.monotonic() + 90
        while 'Kafka Server started' not in (tmp_path / 'server.log').read_text(encoding='utf-8'):
            assert server.poll() is None, (tmp_path / 'server.log').read_text(encoding='utf-8')[-3000:]
            assert time.monotonic() < deadline, 'the server did not start in 90 s'
            time.sleep(1)
        bootstrap = f'127.0.0.1:{broker}'
        _tool(home, 'kafka-topics.sh', '--bootstrap-server', bootstrap, '--create', '--topic', 'lab',
              '--partitions', '2', '--replication-factor', '1')
        _tool(home, 'kafka-console-producer.sh', '--bootstrap-server', bootstrap, '--topic', 'lab',
              stdin=''.join(f'{n}\n' for n in range(1, 101)))
        consumed = _tool(home, 'kafka-console-consumer.sh', '--bootstrap-server', bootstrap, '--topic', 'lab',
                         '--from-beginning', '--max-messages', '100', '--timeout-ms', '30000')
        assert sorted(int(n) for n in consumed.split()) == list(range(1, 101))
        quorum = _tool(home, 'kafka-metadata-quorum.sh', '--bootstrap-server', bootstrap, 'describe', '--status')
        assert f'ClusterId:              {cluster_id}' in quorum and 'LeaderId:               1' in quorum, quorum
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
