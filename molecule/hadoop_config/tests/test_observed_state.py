"""Observed state on the converged host: stages run alone by their tags.

The daemons of this scenario's fake release are kept stopped (hadoop_service_state: stopped), so there
is no running service whose start could be compared with its inputs.
"""

from __future__ import annotations

import os

import pytest
from conftest import assert_stage_tag_alone, stage_tags

DISTRO = os.environ.get('MOLECULE_DISTRO', 'debian12')
testinfra_hosts = [f'ansible://hadoop_config-{DISTRO}']


@pytest.mark.parametrize('check', [True, False], ids=['check', 'run'])
@pytest.mark.parametrize('tag', stage_tags('hadoop'))
def test_stage_tag_alone(hostname, tag, check):
    assert_stage_tag_alone(hostname, tag, check)
