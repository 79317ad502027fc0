"""Observed state on the converged host: services newer than their inputs, stages run alone by their tags."""

from __future__ import annotations

from airflowclient import SINGLE_HOST
from conftest import observed_state_tests

testinfra_hosts = [f'ansible://{SINGLE_HOST}']

test_services_started_after_their_inputs, test_stage_tag_alone = observed_state_tests('airflow')
