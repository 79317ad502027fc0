"""The lab's Kafka distribution (lab/kafka-dist.sh) is a Kafka that works: built twice, the same bytes; a
KRaft server from it formats its storage once, starts, and serves a topic to the console clients.

Runs on this machine, not in a container: it needs Maven (with Maven Central) and Java 17, and is
skipped, with the reason, where either is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
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


# ---------------------------------------------------------------------------------------------------------
# mlops.hosts.kafka_storage against the real kafka-storage.sh of the lab's distribution.

MODULE = ROOT / 'plugins' / 'modules' / 'kafka_storage.py'
COLLECTIONS = ROOT / '.build' / 'collections'


def _kafka_storage(dist, config: Path, cluster_id: str, check: bool = False, **params) -> dict:
    """Runs the module as Ansible would (its arguments in a file), returns its JSON result."""
    args = {'kafka_home': str(dist['home']), 'config': str(config), 'cluster_id': cluster_id, 'user': '',
            'environment': {'KAFKA_HEAP_OPTS': '-Xmx256m'}, '_ansible_check_mode': check, **params}
    args_file = config.parent / 'args.json'
    args_file.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': args}), encoding='utf-8')
    run = subprocess.run([sys.executable, str(MODULE), str(args_file)], capture_output=True, text=True,
                         check=False, timeout=120, env={**os.environ, 'PYTHONPATH': str(COLLECTIONS)})
    return json.loads(run.stdout)


def _node_config(path: Path, dirs: list[Path], roles: str = 'broker,controller', node_id: int = 1) -> Path:
    lines = [f'process.roles={roles}', f'node.id={node_id}', 'controller.listener.names=CONTROLLER',
             'controller.quorum.bootstrap.servers=127.0.0.1:19093',
             'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
             'log.dirs=' + ','.join(str(d) for d in dirs)]
    if 'controller' in roles:
        lines.append('listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093')
    else:
        lines.append('listeners=PLAINTEXT://127.0.0.1:19092')
    path.write_text('\n'.join(lines) + '\n', encoding='utf-8')
    return path


def _meta(directory: Path) -> str:
    return (directory / 'meta.properties').read_text(encoding='utf-8')


def test_kafka_storage_formats_once_then_only_new_directories(dist, tmp_path):
    cluster_id = _tool(dist['home'], 'kafka-storage.sh', 'random-uuid').strip()
    d1, d2, d3 = tmp_path / 'd1', tmp_path / 'd2', tmp_path / 'd3'
    config = _node_config(tmp_path / 'server.properties', [d1, d2])

    plan = _kafka_storage(dist, config, cluster_id, check=True, quorum='standalone')
    assert plan['changed'] and plan['formatted'] == [str(d1), str(d2)], plan
    assert '--standalone' in plan['cmd'] and not d1.exists()

    done = _kafka_storage(dist, config, cluster_id, quorum='standalone')
    assert done['changed'] and done['formatted'] == [str(d1), str(d2)], done
    assert f'cluster.id={cluster_id}' in _meta(d1) and (d1 / '__cluster_metadata-0').is_dir()
    first_meta = _meta(d1)

    again = _kafka_storage(dist, config, cluster_id, quorum='standalone')
    assert not again['changed'] and again['formatted'] == [], again
    assert [d['state'] for d in again['directories']] == ['formatted', 'formatted']

    # A log directory added to log.dirs joins the node's cluster; the others are not touched.
    d3.mkdir()
    _node_config(config, [d1, d2, d3])
    added = _kafka_storage(dist, config, cluster_id, quorum='standalone')
    assert added['changed'] and added['formatted'] == [str(d3)], added
    assert '--ignore-formatted' in added['cmd'] and '--standalone' not in added['cmd']
    assert f'cluster.id={cluster_id}' in _meta(d3) and 'node.id=1' in _meta(d3)
    assert _meta(d1) == first_meta


def test_kafka_storage_refuses_other_data_and_lost_metadata(dist, tmp_path):
    cluster_id = _tool(dist['home'], 'kafka-storage.sh', 'random-uuid').strip()
    other_id = _tool(dist['home'], 'kafka-storage.sh', 'random-uuid').strip()
    d1, d2, d3 = tmp_path / 'd1', tmp_path / 'd2', tmp_path / 'd3'
    config = _node_config(tmp_path / 'server.properties', [d1, d2])
    assert _kafka_storage(dist, config, cluster_id, quorum='standalone')['changed']

    d3.mkdir()
    (d3 / 'stray.log').write_text('not Kafka\'s', encoding='utf-8')
    _node_config(config, [d1, d2, d3])
    refused = _kafka_storage(dist, config, other_id)
    assert refused.get('failed'), refused
    assert f'{d1}/meta.properties holds cluster {cluster_id}, not {other_id}' in refused['msg']
    assert f"{d3} holds other content than Kafka's (stray.log)" in refused['msg']
    assert not (d3 / 'meta.properties').exists()

    # The controller's metadata log directory (the first of log.dirs) lost: refused, with the way back.
    (d3 / 'stray.log').unlink()
    shutil.rmtree(d1)
    lost = _kafka_storage(dist, config, cluster_id)
    assert lost.get('failed') and 'lost its copy of the metadata log' in lost['msg'], lost
    assert 'remove-controller' in lost['msg'] and not d1.exists() and not (d3 / 'meta.properties').exists()

    # A new controller may not start a second quorum where the cluster has storage elsewhere.
    fresh = _node_config(tmp_path / 'fresh.properties', [tmp_path / 'n1'], node_id=2)
    split = _kafka_storage(dist, fresh, cluster_id, quorum='standalone', formatted_elsewhere=['kafka1:/var/lib/kafka'])
    assert split.get('failed') and 'would split it' in split['msg'], split
    joined = _kafka_storage(dist, fresh, cluster_id, quorum='join', formatted_elsewhere=['kafka1:/var/lib/kafka'])
    assert joined['changed'] and '--no-initial-controllers' in joined['cmd'], joined
    assert 'node.id=2' in _meta(tmp_path / 'n1')


def test_kafka_storage_formats_a_broker_without_quorum_options(dist, tmp_path):
    cluster_id = _tool(dist['home'], 'kafka-storage.sh', 'random-uuid').strip()
    config = _node_config(tmp_path / 'broker.properties', [tmp_path / 'b1'], roles='broker', node_id=4)
    done = _kafka_storage(dist, config, cluster_id, quorum='standalone')
    assert done['changed'] and done['formatted'] == [str(tmp_path / 'b1')], done
    assert not {'--standalone', '--no-initial-controllers', '--initial-controllers'} & set(done['cmd'])
    assert 'node.id=4' in _meta(tmp_path / 'b1')
