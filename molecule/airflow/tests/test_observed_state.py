"""Observed state on the converged host: services newer than their inputs, stages run alone by their tags."""

from __future__ import annotations

import os

from conftest import observed_state_tests

DISTRO = os.environ.get('MOLECULE_DISTRO', 'debian12')
testinfra_hosts = [f'ansible://airflow-{DISTRO}']

test_services_started_after_their_inputs, test_stage_tag_alone = observed_state_tests('airflow')
