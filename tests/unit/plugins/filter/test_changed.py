# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the changed_paths and changed_packages filters."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.mlops.hosts.plugins.filter.changed import changed_packages, changed_paths


def test_paths_of_every_result_kind_in_order_once():
    config = {'changed': True, 'changed_paths': ['/etc/a', '/etc/b'], 'removed_paths': []}
    envs = {'changed': True, 'envs': [{'name': 'x', 'path': '/opt/envs/x', 'changed': True},
                                      {'name': 'y', 'path': '/opt/envs/y', 'changed': False}]}
    cert = {'changed': True, 'filename': '/etc/tls/cert.pem'}
    copy = {'changed': True, 'dest': '/etc/b'}
    unchanged = {'changed': False, 'path': '/etc/c'}
    skipped = {'changed': False, 'skipped': True, 'changed_paths': ['/etc/skipped']}

    assert changed_paths([config, envs, cert, copy, unchanged, skipped, {}]) == [
        '/etc/a', '/etc/b', '/opt/envs/x', '/etc/tls/cert.pem']


def test_one_result_alone():
    assert changed_paths({'changed': True, 'changed_paths': ['/etc/a']}) == ['/etc/a']


def test_packages():
    assert changed_packages([{'installed': ['chrony', 'curl']}, {'installed': ['chrony']}, {}, {'skipped': True}]) == [
        'chrony', 'curl']


def test_not_results_are_refused():
    with pytest.raises(AnsibleFilterError, match='expects a registered result'):
        changed_paths('/etc/a')
