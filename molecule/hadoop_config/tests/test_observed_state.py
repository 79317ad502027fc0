"""Observed state on the converged host: stages run alone by their tags, services newer than their inputs."""

from __future__ import annotations

import os

import pytest
from conftest import assert_services_started_after_their_inputs, assert_stage_tag_alone, stage_tags

DISTRO = os.environ.get('MOLECULE_DISTRO', 'debian12')
testinfra_hosts = [f'ansible://hadoop_config-{DISTRO}']


def test_services_started_after_their_inputs(host, hostname):
    assert_services_started_after_their_inputs(host, hostname)


@pytest.mark.parametrize('check', [True, False], ids=['check', 'run'])
@pytest.mark.parametrize('tag', stage_tags('hadoop'))
def test_stage_tag_alone(hostname, tag, check):
    assert_stage_tag_alone(hostname, tag, check)
