# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""pytorch_wheel_tag: the driver's CUDA version to PyTorch's wheel index."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.mlops.hosts.plugins.filter.pytorch import FilterModule, pytorch_wheel_tag

TAGS = ['cu118', 'cu121', 'cu124', 'cu126', 'cu128', 'cu130']


@pytest.mark.parametrize(('cuda_version', 'tag'), [
    ('12.4', 'cu124'),     # exactly a published build
    ('12.5', 'cu124'),     # between builds: the newest not newer than the driver
    ('12.2', 'cu121'),
    ('12.0', 'cu118'),     # a CUDA 12.0 driver runs 11.8 programs, not 12.1 ones
    ('11.8', 'cu118'),
    ('13.1', 'cu130'),
    ('11.4', 'cpu'),       # older than every build
    (None, 'cpu'),         # no GPU, or no driver answering
    ('', 'cpu'),
])
def test_auto_picks_the_newest_build_the_driver_runs(cuda_version, tag):
    assert pytorch_wheel_tag('auto', cuda_version, TAGS) == tag


def test_tag_order_does_not_matter():
    assert pytorch_wheel_tag('auto', '12.6', list(reversed(TAGS))) == 'cu126'


@pytest.mark.parametrize('requested', ['cpu', 'cu121', 'cu999'])
def test_an_explicit_build_is_kept(requested):
    assert pytorch_wheel_tag(requested, '11.0', TAGS) == requested


@pytest.mark.parametrize(('requested', 'cuda_version', 'tags'), [
    ('cuda', '12.4', TAGS),
    ('CU121', '12.4', TAGS),
    (121, '12.4', TAGS),
    ('auto', '12', TAGS),
    ('auto', 'twelve', TAGS),
    ('auto', '12.4', ['cu121', 'rocm6.1']),
    ('auto', '12.4', 'cu121'),
])
def test_bad_input_is_refused(requested, cuda_version, tags):
    with pytest.raises(AnsibleFilterError):
        pytorch_wheel_tag(requested, cuda_version, tags)


def test_registered_as_a_filter():
    assert FilterModule().filters()['pytorch_wheel_tag'] is pytorch_wheel_tag
