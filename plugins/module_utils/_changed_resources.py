# -*- coding: utf-8 -*-

# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The drift contract: what a module changed, in the one result shape the drift report reads.

Every module of this collection that changes something returns, beside its own keys, the result key
``changed_resources``: a list with one entry per resource it changed (in check mode: would change)::

    {'kind': 'file', 'name': '/etc/pip.conf'}
    {'kind': 'package', 'name': 'jq', 'summary': 'removed'}
    {'kind': 'service', 'name': 'chrony.service', 'summary': 'restart (was active, enabled)', 'consequence': True}

- ``kind``: what the resource is (file, package, service, restart pending, group, user, python_env,
  kernel, gpu, hdfs_namenode, ...); ``name``: the resource (a path, a package, a unit, a GPU).
- ``summary`` (optional): a short text. Without it the report summarises the result's ``diff`` entries
  whose header names the resource (or the whole diff when the result has one resource). A summary holds
  no secret; the report masks secret-looking values anyway.
- ``consequence`` (optional): true when the change only follows from another change of the same run (a
  restart after a configuration change); the report lists it apart, not as drift.

The ``mlops.hosts.drift_report`` callback reads this key from any module that returns it.
"""

from __future__ import annotations

RESULT_KEY = 'changed_resources'


def resource(kind, name, summary=None, consequence=False):
    """One entry of ``changed_resources``."""
    entry = {'kind': kind, 'name': str(name)}
    if summary is not None:
        entry['summary'] = summary
    if consequence:
        entry['consequence'] = True
    return entry


def listed(items, limit=12):
    """'a, b, c' for a list, shortened to its first ``limit`` items and a count of the rest."""
    shown = ', '.join(str(item) for item in items[:limit])
    if len(items) > limit:
        shown += ' and %d more' % (len(items) - limit)
    return shown
