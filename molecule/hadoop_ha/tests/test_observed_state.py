"""Observed state on a converged member: the server newer than its inputs; each stage tag alone changes nothing."""

from __future__ import annotations

from conftest import observed_state_tests

testinfra_hosts = ['ansible://zk1']
test_services_started_after_their_inputs, test_stage_tag_alone = observed_state_tests('zookeeper')
