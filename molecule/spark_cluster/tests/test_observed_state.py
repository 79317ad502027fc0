"""Observed state on the converged hosts: services newer than their inputs.

The stage tags of the spark role are tested alone in the spark scenario.
"""

from __future__ import annotations

from conftest import observed_state_tests

testinfra_hosts = ['ansible://sc-master', 'ansible://sc-worker1', 'ansible://sc-client']
test_services_started_after_their_inputs, test_stage_tag_alone = observed_state_tests()
