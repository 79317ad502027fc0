"""The cluster's three-node ZooKeeper ensemble used through real clients: four-letter words, zkCli, failover, an id
that differs on disk. Its drift (a hand edit of zoo.cfg) is in test_hadoop_ha.py's drift test, in the same check.

The tests run in order, after the HDFS and Spark ones: the failover test leaves the old leader back as a follower,
which does not disturb the HDFS NameNodes' or Spark masters' ZooKeeper sessions, which move to another server.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from conftest import lab_host, run_playbook, scenario_playbook, wait_for

testinfra_hosts = ['ansible://ha1']

NODES = ['ha1', 'ha2', 'ha3']
SPARK_MASTERS = ['ha1', 'ha2']
CFG = '/etc/zookeeper/ensemble/zoo.cfg'
MYID = '/var/lib/zookeeper/data/myid'
ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh'
ZNODE = f'/molecule-{uuid.uuid4().hex[:8]}'
# A four-letter word sent over a plain TCP connection, as monitoring does (nc is not in the image).
ASK = ('python3 -c "import socket,sys; c=socket.create_connection((sys.argv[1], 2181), 5); c.sendall(sys.argv[2].encode());'
       ' d=b\'\'.join(iter(lambda: c.recv(4096), b\'\')); print(d.decode())" {address} {word}')


@pytest.fixture(scope='module')
def nodes(host):
    return {name: lab_host(host, name) for name in NODES}


def address(node) -> str:
    return node.check_output('hostname -i').split()[0]


def ask(node, word: str) -> str:
    result = node.run(ASK.format(address=address(node), word=word))
    return result.stdout.strip() if result.rc == 0 else f'error: {result.stderr}'


def mode(node) -> str:
    found = re.search(r'^Mode: (\w+)', ask(node, 'srvr'), re.M)
    return found.group(1) if found else 'not serving'


def modes(nodes, names=NODES) -> dict:
    return {name: mode(nodes[name]) for name in names}


def wait_modes(nodes, names, expected: list[str], timeout: float) -> dict:
    found = {}

    def settled():
        found.update(modes(nodes, names))
        return sorted(found.values()) == expected

    wait_for(settled, timeout, step=1)
    return found


def zkcli(node, server: str, *args: str):
    return node.run(' '.join([ZKCLI, '-server', f'{server}:2181', *args]))


def test_every_node_is_ok_and_one_leads(nodes):
    for name, node in nodes.items():
        assert ask(node, 'ruok') == 'imok', name
    assert sorted(modes(nodes).values()) == ['follower', 'follower', 'leader']


def test_runs_as_zookeeper_under_the_roles_unit(nodes):
    for name, node in nodes.items():
        assert node.check_output('systemctl show -p User --value zookeeper') == 'zookeeper', name
        assert node.check_output('systemctl show -p FragmentPath --value zookeeper') == '/etc/systemd/system/zookeeper.service'
        assert node.file(MYID).content_string.strip() == str(NODES.index(name) + 1)


def test_ports_bound_to_the_cluster_address_only(nodes):
    for name, node in nodes.items():
        listeners = node.check_output('ss -Hltn').split('\n')
        local = [line.split()[3] for line in listeners if line.split()[3].rsplit(':', 1)[1] in ('2181', '3888', '8080')]
        assert f'{address(node)}:2181' in local, (name, local)
        assert f'{address(node)}:3888' in local, (name, local)
        assert not [a for a in local if a.rsplit(':', 1)[0] in ('0.0.0.0', '*', '[::]')], (name, local)
        # No AdminServer: ha1 and ha2's only port 8080 is their Spark master's web UI, on loopback.
        assert 'admin.enableServer=false' in node.file(CFG).content_string.splitlines(), name
        assert not [a for a in local if a.endswith(':8080') and not a.startswith('127.0.0.1:')], (name, local)


def test_znode_written_on_one_node_is_read_on_another(nodes):
    created = zkcli(nodes['ha1'], 'ha1', 'create', ZNODE, 'written-on-ha1')
    assert created.rc == 0 and f'Created {ZNODE}' in created.stdout + created.stderr, created.stdout + created.stderr
    read = zkcli(nodes['ha3'], 'ha2', 'get', ZNODE)
    assert read.rc == 0 and 'written-on-ha1' in read.stdout, read.stdout + read.stderr


def test_a_new_leader_is_elected_when_the_leader_stops_and_it_rejoins_as_follower(nodes):
    leader = next(name for name, found in modes(nodes).items() if found == 'leader')
    others = [name for name in NODES if name != leader]
    nodes[leader].run_expect([0], 'systemctl stop zookeeper')
    try:
        started = time.monotonic()
        found = wait_modes(nodes, others, ['follower', 'leader'], 30)
        assert sorted(found.values()) == ['follower', 'leader'], f'no new leader within 30 s: {found}'
        print(f'new leader after {time.monotonic() - started:.1f} s: {found}')
        read = zkcli(nodes[others[0]], others[1], 'get', ZNODE)
        assert read.rc == 0 and 'written-on-ha1' in read.stdout, read.stdout + read.stderr
    finally:
        nodes[leader].run_expect([0], 'systemctl start zookeeper')
    found = wait_modes(nodes, NODES, ['follower', 'follower', 'leader'], 60)
    assert found[leader] == 'follower', found
    # A Spark master whose session was on the stopped server may have given up leadership by exiting: its unit
    # brings it back, as a standby.
    for name in SPARK_MASTERS:
        assert wait_for(lambda node=nodes[name]: node.service('spark-master').is_running, 60, 2), f'{name}: spark-master'


def test_a_different_id_on_disk_stops_the_run_and_is_kept(nodes):
    node = nodes['ha3']
    node.run_expect([0], f'cp -p {MYID} /root/myid.kept && echo 9 > {MYID}')
    try:
        run = run_playbook(scenario_playbook('cluster.yml'), '--tags', 'zookeeper_configure', limit='ha3')
        assert run.rc != 0
        message = ' '.join(msg for _, msg in run.failed.get('ha3', []))
        assert f"{MYID} holds '9', not '3': ha3 is given ZooKeeper id 3 by the inventory" in message, run.output[-3000:]
        assert node.file(MYID).content_string.strip() == '9'
    finally:
        node.run_expect([0], f'cp -p /root/myid.kept {MYID}')
