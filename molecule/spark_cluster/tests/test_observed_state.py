"""Observed state on the converged host: stages run alone by their tags, services newer than their inputs."""

from __future__ import annotations

import os

import pytest
from conftest import assert_services_started_after_their_inputs, assert_stage_tag_alone, stage_tags

DISTRO = os.environ.get('MOLECULE_DISTRO', 'debian12')
testinfra_hosts = ['ansible://sc-master', 'ansible://sc-worker1', 'ansible://sc-client']


def test_services_started_after_their_inputs(host, hostname):
    assert_services_started_after_their_inputs(host, hostname)
