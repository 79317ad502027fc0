# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for mlops.hosts.hdfs_storage_info: real directories below tmp_path, a fake ZooKeeper server
replaying the bytes that ZooKeeper 3.8.0 (Debian 12's package) sent to the same requests."""

from __future__ import annotations

import os
import socket
import struct
import threading

import pytest

from ansible_collections.mlops.hosts.plugins.module_utils import _zookeeper
from ansible_collections.mlops.hosts.plugins.modules import hdfs_storage_info
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import run_module

# Recorded from ZooKeeper 3.8.0: the ConnectResponse, then the replies to exists(/hadoop-ha) (present) and
# exists(/hadoop-ha/none) (error -101, NoNode).
CONNECT = bytes.fromhex('00000000000013880100025529db0003000000107413f5d0688d34e548216a3fbe3b00b200')
EXISTS = bytes.fromhex('0000000100000000000000070000000000000000000000060000000000000006000001a22bd905c0000001a22bd905c0'
                       '000000000000000000000000000000000000000000000001000000000000000000000006')
NO_NODE = bytes.fromhex('000000010000000000000008ffffff9b')

DATANODE_VERSION = """#Mon Nov 30 10:00:00 UTC 2026
storageID=DS-1
clusterID=CID-lab
cTime=0
datanodeUuid=5f1
storageType=DATA_NODE
layoutVersion=-57
"""


class FakeZooKeeper:
    """Answers one session per connection: the connect request, then one exists request, as recorded."""

    def __init__(self, present):
        self.present = present
        self.paths = []
        self.server = socket.socket()
        self.server.bind(('127.0.0.1', 0))
        self.server.listen(4)
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn = self.server.accept()[0]
            except OSError:
                return
            with conn:
                _zookeeper._receive(conn)
                _zookeeper._send(conn, CONNECT)
                request = _zookeeper._receive(conn)
                size = struct.unpack('>i', request[8:12])[0]
                self.paths.append(request[12:12 + size].decode())
                _zookeeper._send(conn, EXISTS if request[12:12 + size].decode() in self.present else NO_NODE)

    def close(self):
        self.server.close()


@pytest.fixture
def zookeeper():
    fake = FakeZooKeeper(present={'/hadoop-ha'})
    yield fake
    fake.close()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)


def test_reads_each_kind_of_storage(tmp_path):
    write(str(tmp_path / 'data' / 'current' / 'VERSION'), DATANODE_VERSION)
    write(str(tmp_path / 'journal' / 'mlops' / 'current' / 'VERSION'), 'clusterID=CID-lab\nnamespaceID=42\n')
    (tmp_path / 'name').mkdir()
    record = tmp_path / 'cluster-id'
    record.write_text('CID-recorded\n')

    result = run_module(hdfs_storage_info, dict(storages=[
        dict(kind='name', path=str(tmp_path / 'name')),
        dict(kind='journal', path=str(tmp_path / 'journal')),
        dict(kind='data', path=str(tmp_path / 'data')),
        dict(kind='data', path=str(tmp_path / 'gone')),
    ], nameservice='mlops', record_path=str(record)))

    states = [(s['kind'], s['state'], s['cluster_id'], s['namespace_id']) for s in result['storages']]
    assert states == [('name', 'empty', None, None), ('journal', 'formatted', 'CID-lab', '42'),
                      ('data', 'formatted', 'CID-lab', None), ('data', 'missing', None, None)]
    assert result['cluster_ids'] == ['CID-lab', 'CID-recorded']
    assert result['recorded_cluster_id'] == 'CID-recorded'
    assert result['znode_exists'] is None
    assert result['changed'] is False


def test_a_journal_dir_of_another_nameservice_is_not_this_ones(tmp_path):
    write(str(tmp_path / 'journal' / 'other' / 'current' / 'VERSION'), 'clusterID=CID-other\n')

    result = run_module(hdfs_storage_info, dict(storages=[dict(kind='journal', path=str(tmp_path / 'journal'))],
                                                nameservice='mlops'))

    assert result['storages'][0]['state'] == 'empty'
    assert result['cluster_ids'] == []


def test_asks_zookeeper_whether_the_znode_exists(zookeeper):
    hosts = ['127.0.0.1:1', '127.0.0.1:%d' % zookeeper.port]

    present = run_module(hdfs_storage_info, dict(zookeeper_hosts=hosts, znode='/hadoop-ha', timeout=2))
    absent = run_module(hdfs_storage_info, dict(zookeeper_hosts=hosts, znode='/hadoop-ha/none', timeout=2))

    assert present['znode_exists'] is True
    assert absent['znode_exists'] is False
    assert zookeeper.paths == ['/hadoop-ha', '/hadoop-ha/none']


def test_an_unreachable_ensemble_is_reported_not_guessed():
    result = run_module(hdfs_storage_info, dict(zookeeper_hosts=['127.0.0.1:1'], znode='/hadoop-ha', timeout=1))

    assert result['znode_exists'] is None
    assert '127.0.0.1:1' in result['zookeeper_error']


def test_parse_hosts():
    assert _zookeeper.parse_hosts(['zk1:2182', 'zk2', '[::1]:2183']) == [('zk1', 2182), ('zk2', 2181), ('::1', 2183)]
