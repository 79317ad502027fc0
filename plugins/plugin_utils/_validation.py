# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Value checks shared by the test plugins (``is mlops.hosts.timezone_name``) and the problems filter.

Controller-side only.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
from collections.abc import Mapping

_PEM_BLOCK = re.compile(
    r'-----BEGIN CERTIFICATE-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END CERTIFICATE-----'
)
_ZONEINFO_DIRS = ('/usr/share/zoneinfo', '/usr/lib/zoneinfo', '/usr/share/lib/zoneinfo')


@functools.lru_cache(maxsize=None)
def optional_module(name):
    """The module ``name`` imported on first use, or None when the controller lacks it.

    Ansible imports a filter or test plugin afresh in every worker process, that is for every task and host that
    uses it: importing cryptography.x509 and packaging there took 0.1 CPU-second each time, so the
    checks import what they need only when a value needs it.
    """
    try:
        return importlib.import_module(name)
    except ImportError:  # zoneinfo before Python 3.9; cryptography or packaging missing: checks degrade
        return None


# Local user and group names the roles accept: what Debian's useradd/groupadd accept without --badname,
# less the trailing '$' of machine accounts. Lower case letters, digits, '_', '-' and '.', starting with a
# letter or '_' (so never with '.' or '-'), at most 32 characters: firstname.lastname is fine.
UNIX_NAME_PATTERN = r'^[a-z_][a-z0-9_.-]{0,31}$'
UNIX_NAME_RULE = ("lowercase letters, digits, '.', '_' and '-', starting with a letter or '_', "
                  "at most 32 characters")


def pem_certificate(value):
    """True when value holds one or more PEM certificates and nothing else but whitespace."""
    if not isinstance(value, str):
        return False
    blocks = _PEM_BLOCK.findall(value)
    if not blocks or _PEM_BLOCK.sub('', value).strip():
        return False
    x509 = optional_module('cryptography.x509')
    if x509 is None:
        return True
    try:
        return len(x509.load_pem_x509_certificates(value.encode('ascii'))) == len(blocks)
    except (ValueError, UnicodeEncodeError):
        return False


def _known_timezones():
    names = set()
    zoneinfo = optional_module('zoneinfo')
    if zoneinfo is not None:
        names = set(zoneinfo.available_timezones())
    return names


def timezone_name(value):
    """True when value names an IANA timezone known to the controller's tz database."""
    if not isinstance(value, str) or not re.match(r'^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$', value):
        return False
    if value in ('UTC', 'Etc/UTC'):
        return True
    known = _known_timezones()
    if known:
        return value in known
    return any(os.path.isfile(os.path.join(d, value)) for d in _ZONEINFO_DIRS)


def unix_name(value):
    """True when value is a user or group name the roles accept (UNIX_NAME_PATTERN)."""
    return isinstance(value, str) and re.match(UNIX_NAME_PATTERN, value) is not None


# Hex digits of each checksum algorithm the roles accept, optionally after '<algorithm>:'.
CHECKSUM_DIGITS = {'sha256': 64, 'sha512': 128}


def checksum(value, algorithm):
    """True when value is the hex digest of algorithm (CHECKSUM_DIGITS), alone or after '<algorithm>:'."""
    digits = CHECKSUM_DIGITS[algorithm]
    return isinstance(value, str) and re.match(r'^(%s:)?[0-9A-Fa-f]{%d}$' % (algorithm, digits), value) is not None


def group_problems(group, hosts, max_hosts=None, required_by=()):
    """Complaints about the hosts of an inventory group that daemons of other groups depend on.

    required_by lists mappings {group, hosts}: when one of those groups has hosts, this group needs one.
    """
    found = []
    hosts = list(hosts or [])
    if max_hosts is not None and len(hosts) > max_hosts:
        found.append('group %r has %d hosts (%s), more than %d' % (group, len(hosts), ', '.join(hosts), max_hosts))
    if not hosts:
        for other in required_by or []:
            others = list(other.get('hosts') or [])
            if others:
                found.append('group %r is empty, but the hosts of %r (%s) need one'
                             % (group, other.get('group'), ', '.join(others)))
    return found


def _gpu_selected(gpu, selected):
    return not selected or any(str(gpu.get(k)) in selected for k in ('index', 'uuid', 'pci_bus_id'))


def gpu_settings_problems(settings, gpus, keys):
    """(index, complaint) of each item of nvidia_driver_gpu_settings that cannot apply to this host's GPUs.

    An item is a mapping of keys; mig_instances needs mig_mode true and GPUs (of the item's gpus: indexes,
    UUIDs or PCI bus ids; all when empty) that support MIG.
    """
    found = []
    for index, setting in enumerate(settings or []):
        if not isinstance(setting, Mapping) or set(setting) - set(keys):
            found.append((index, 'is not a mapping of the keys %s' % ', '.join(keys)))
            continue
        if not setting.get('mig_instances'):
            continue
        if not _truthy(setting.get('mig_mode', False)):
            found.append((index, 'lists mig_instances without mig_mode: true'))
        selected = [str(g) for g in setting.get('gpus') or []]
        for gpu in gpus or []:
            gpu = gpu if isinstance(gpu, Mapping) else {}
            if _gpu_selected(gpu, selected) and not (gpu.get('mig') or {}).get('supported', False):
                found.append((index, 'asks for MIG instances on GPU %s (%s, %s), which does not support MIG'
                              % (gpu.get('index'), gpu.get('name', '?'), gpu.get('uuid', '?'))))
    return found


def _truthy(value):
    if isinstance(value, str):
        return value.strip().lower() in ('yes', 'on', '1', 'true', 'y', 't')
    return bool(value)
