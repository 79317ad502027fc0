"""Observed state on the converged host: stages run alone by their tags.

The daemons of this scenario's fake release are kept stopped (hadoop_service_state: stopped), so there
is no running service whose start could be compared with its inputs.
"""

from __future__ import annotations

import os

from conftest import observed_state_tests

DISTRO = os.environ.get('MOLECULE_DISTRO', 'debian12')
testinfra_hosts = [f'ansible://hadoop_config-{DISTRO}']
test_services_started_after_their_inputs, test_stage_tag_alone = observed_state_tests('hadoop', services=False)
