# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a run's registered results changed, as inputs for mlops.hosts.systemd_units' restart decisions."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _results(value, name):
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise AnsibleFilterError('%s expects a registered result or a list of them, got %s' % (name, type(value).__name__))
    return [r for r in value if isinstance(r, Mapping) and not r.get('skipped')]


def changed_paths(results):
    """Every path the registered results changed (or in check mode would change), in order, once each.

    Understands mlops.hosts.config_files and hadoop_site (changed_paths), mlops.hosts.python_envs (the path of
    each changed environment) and any changed result naming one file as path, dest, filename (community.crypto,
    ansible.builtin.copy, get_url) or home (apache_dist_result of the mlops.hosts.apache_dist role). Skipped
    and undefined-by-default ({}) results count for nothing.
    """
    found = []
    for result in _results(results, 'changed_paths'):
        paths = list(result.get('changed_paths') or [])
        paths += [env['path'] for env in result.get('envs') or [] if env.get('changed') and env.get('path')]
        if result.get('changed') and not paths:
            single = result.get('path') or result.get('dest') or result.get('filename') or result.get('home')
            paths = [single] if isinstance(single, str) and single else []
        found += [p for p in paths if p not in found]
    return found


def changed_packages(results):
    """The Debian packages the registered mlops.hosts.deb_packages results installed (or would install)."""
    found = []
    for result in _results(results, 'changed_packages'):
        found += [p for p in result.get('installed') or [] if p not in found]
    return found


class FilterModule:
    def filters(self):
        return {'changed_paths': changed_paths, 'changed_packages': changed_packages}
