#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

DOCUMENTATION = r"""
module: hdfs_storage_info
short_description: Read which HDFS namespace the storage directories of a host hold, and whether HA is set up in ZooKeeper
version_added: 0.8.0
description:
  - Reads, without changing anything, the C(current/VERSION) file of each storage directory of an HDFS host
    (NameNode metadata, JournalNode journals, DataNode data) and returns the C(clusterID) and C(namespaceID) each
    holds, or that it holds none.
  - The results of all hosts of a cluster together say whether the cluster already has a namespace anywhere.
    The P(mlops.hosts.hadoop#role) role passes them to M(mlops.hosts.hdfs_namenode_format), which then refuses
    to format a second, empty namespace over one whose DataNodes would refuse it (C(Incompatible clusterIDs)).
  - Optionally reads a file in which the cluster ID of a NameNode was recorded (O(record_path)), and asks a
    ZooKeeper ensemble whether the znode of automatic failover (C(/hadoop-ha/<nameservice>)) exists.
author: mlops.hosts maintainers (@mlops-hosts)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: N/A
    details: Nothing is changed.
  platform:
    platforms: posix
options:
  storages:
    description: The storage directories to read.
    type: list
    elements: dict
    default: []
    suboptions:
      kind:
        description:
          - V(name) a NameNode metadata directory (C(dfs.namenode.name.dir)), read at C(<path>/current/VERSION).
          - V(journal) a JournalNode edits directory (C(dfs.journalnode.edits.dir)), read at
            C(<path>/<nameservice>/current/VERSION).
          - V(data) a DataNode data directory (C(dfs.datanode.data.dir)), read at C(<path>/current/VERSION).
        type: str
        choices: [name, journal, data]
        required: true
      path:
        description: The directory, an absolute path.
        type: path
        required: true
  nameservice:
    description: The HDFS name service whose journal the JournalNode directories hold; needed for V(journal).
    type: str
  record_path:
    description: A file holding a recorded cluster ID (one line); its content is returned as RV(recorded_cluster_id).
    type: path
  zookeeper_hosts:
    description: The ZooKeeper ensemble's client addresses, V(host:port); with O(znode), it is asked whether that exists.
    type: list
    elements: str
    default: []
  znode:
    description: An absolute znode path, such as V(/hadoop-ha/mlops).
    type: str
  timeout:
    description: Seconds to wait for each ZooKeeper server.
    type: float
    default: 5
notes:
  - A directory whose C(VERSION) cannot be read counts as holding a namespace of unknown ID (V(unreadable)).
seealso:
  - module: mlops.hosts.hdfs_namenode_format
"""

EXAMPLES = r"""
- name: Read the namespaces this host's HDFS storage holds
  mlops.hosts.hdfs_storage_info:
    storages:
      - {kind: name, path: /var/lib/hadoop/hdfs/name}
      - {kind: journal, path: /var/lib/hadoop/hdfs/journal}
      - {kind: data, path: /var/lib/hadoop/hdfs/data}
    nameservice: mlops
    record_path: /var/lib/hadoop/hdfs/cluster-id
    zookeeper_hosts: [zk1:2181, zk2:2181, zk3:2181]
    znode: /hadoop-ha/mlops
  register: hdfs_storage
"""

RETURN = r"""
storages:
  description: Each storage directory and what it holds.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: V(name), V(journal) or V(data), as given.
      type: str
    path:
      description: The directory as given.
      type: str
    version_path:
      description: The C(VERSION) file read.
      type: str
    state:
      description: V(formatted) (C(VERSION) read), V(unreadable) (C(VERSION) exists but cannot be read), V(empty) or V(missing).
      type: str
    cluster_id:
      description: The C(clusterID) of C(VERSION); V(null) when not formatted.
      type: str
    namespace_id:
      description: The C(namespaceID) of C(VERSION); V(null) when not formatted or when it has none.
      type: str
  sample: [{kind: data, path: /var/lib/hadoop/hdfs/data, version_path: /var/lib/hadoop/hdfs/data/current/VERSION,
            state: formatted, cluster_id: CID-molecule, namespace_id: null}]
cluster_ids:
  description: The distinct cluster IDs found in RV(storages) and RV(recorded_cluster_id), sorted.
  returned: always
  type: list
  elements: str
  sample: [CID-molecule]
recorded_cluster_id:
  description: The content of O(record_path), stripped; V(null) when it is not set or does not exist.
  returned: always
  type: str
znode_exists:
  description: Whether O(znode) exists in ZooKeeper; V(null) when not asked or when no server answered.
  returned: always
  type: bool
zookeeper_error:
  description: Why no ZooKeeper server answered.
  returned: when the ensemble was asked and did not answer
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native, to_text

from ansible_collections.mlops.hosts.plugins.module_utils._java_properties import read_properties
from ansible_collections.mlops.hosts.plugins.module_utils._zookeeper import ZooKeeperError, parse_hosts, znode_exists


class StorageInfo(object):
    """Reads the storage directories, the record and the znode; changes nothing."""

    def __init__(self, module):
        self.module = module
        self.params = module.params

    def run(self):
        storages = [self._storage(item) for item in self.params['storages']]
        recorded = self._recorded()
        ids = set(s['cluster_id'] for s in storages if s['cluster_id'])
        if recorded:
            ids.add(recorded)
        result = dict(changed=False, storages=storages, cluster_ids=sorted(ids), recorded_cluster_id=recorded,
                      znode_exists=None)
        if self.params['zookeeper_hosts'] and self.params['znode']:
            try:
                hosts = parse_hosts(self.params['zookeeper_hosts'])
            except ValueError as exc:
                self.module.fail_json(msg='zookeeper_hosts: %s' % to_native(exc))
            try:
                result['znode_exists'] = znode_exists(hosts, self.params['znode'], self.params['timeout'])
            except ZooKeeperError as exc:
                result['zookeeper_error'] = to_native(exc)
        return result

    def _storage(self, item):
        kind, path = item['kind'], item['path']
        if not os.path.isabs(path):
            self.module.fail_json(msg='storages: %r is not an absolute path' % path)
        base = path
        if kind == 'journal':
            if not self.params['nameservice']:
                self.module.fail_json(msg='nameservice is required to read the journal directory %s' % path)
            base = os.path.join(path, self.params['nameservice'])
        version_path = os.path.join(base, 'current', 'VERSION')
        out = dict(kind=kind, path=path, version_path=version_path, cluster_id=None, namespace_id=None)
        if os.path.lexists(version_path):
            version = read_properties(version_path)
            if version is None:
                out['state'] = 'unreadable'
                out['cluster_id'] = 'unknown (%s cannot be read)' % version_path
            else:
                out['state'] = 'formatted'
                out['cluster_id'] = version.get('clusterID')
                out['namespace_id'] = version.get('namespaceID')
        elif os.path.isdir(path) and os.listdir(path):
            out['state'] = 'empty' if kind == 'journal' and not os.path.lexists(base) else 'unknown'
        else:
            out['state'] = 'empty' if os.path.isdir(path) else 'missing'
        return out

    def _recorded(self):
        path = self.params['record_path']
        if not path or not os.path.exists(path):
            return None
        try:
            with open(path, 'rb') as handle:
                return to_text(handle.read()).strip() or None
        except OSError as exc:
            self.module.fail_json(msg='cannot read %s: %s' % (path, to_native(exc)))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            storages=dict(type='list', elements='dict', default=[], options=dict(
                kind=dict(type='str', choices=['name', 'journal', 'data'], required=True),
                path=dict(type='path', required=True),
            )),
            nameservice=dict(type='str'),
            record_path=dict(type='path'),
            zookeeper_hosts=dict(type='list', elements='str', default=[]),
            znode=dict(type='str'),
            timeout=dict(type='float', default=5),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**StorageInfo(module).run())


if __name__ == '__main__':
    main()
