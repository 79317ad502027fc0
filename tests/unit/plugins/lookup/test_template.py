# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the template lookup's variables: read through unchanged, copied shallow (the point of it)."""

from __future__ import annotations

import copy

from ansible_collections.mlops.hosts.plugins.lookup.template import _CopiedShallow


def test_reads_the_variables_through():
    variables = {'a': 1, 'nested': {'b': [2]}}
    seen = _CopiedShallow(variables)
    assert dict(seen) == variables and len(seen) == 2 and 'a' in seen and 'z' not in seen
    assert seen.get('z', 'default') == 'default'


def test_deep_copy_is_one_shallow_copy_that_keeps_additions_to_itself():
    variables = {'a': 1, 'nested': {'b': [2]}}
    copied = copy.deepcopy(_CopiedShallow(variables))
    assert copied == variables and copied is not variables
    assert copied['nested'] is variables['nested']
    copied['template_path'] = 'x.j2'
    assert 'template_path' not in variables
