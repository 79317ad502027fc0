"""Observed state on a converged host: every service newer than its inputs; each ZooKeeper stage tag alone changes nothing.

The hadoop scenario runs the hadoop role's stage tags alone; here ha1 has a NameNode, JournalNode, ZKFC, DataNode,
ResourceManager, NodeManager, ZooKeeper and a Spark master.
"""

from __future__ import annotations

from conftest import observed_state_tests

testinfra_hosts = ['ansible://ha1']
test_services_started_after_their_inputs, test_stage_tag_alone = observed_state_tests('zookeeper')
