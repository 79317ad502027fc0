# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the drift contract's helper: the shape of one changed resource."""

from __future__ import annotations

from ansible_collections.mlops.hosts.plugins.module_utils import _changed_resources
from ansible_collections.mlops.hosts.plugins.plugin_utils import _drift


def test_resource_has_only_the_keys_it_was_given():
    assert _changed_resources.resource('file', '/etc/a') == {'kind': 'file', 'name': '/etc/a'}
    assert _changed_resources.resource('package', 'jq', 'removed') == {'kind': 'package', 'name': 'jq', 'summary': 'removed'}
    assert _changed_resources.resource('service', 'a.service', '', consequence=True) == {
        'kind': 'service', 'name': 'a.service', 'summary': '', 'consequence': True}


def test_resource_name_is_a_string_so_the_report_accepts_it():
    entry = _changed_resources.resource('gpu', 0)
    assert entry['name'] == '0'
    assert _drift.changes('x.y.z', {}, {'changed_resources': [entry]}, 't')[0]['name'] == '0'


def test_listed_shortens_long_lists():
    assert _changed_resources.listed(['a', 'b']) == 'a, b'
    assert _changed_resources.listed(list('abcde'), limit=3) == 'a, b, c and 2 more'


def test_the_report_reads_the_key_the_modules_write():
    assert _drift.RESULT_KEY == _changed_resources.RESULT_KEY == 'changed_resources'
