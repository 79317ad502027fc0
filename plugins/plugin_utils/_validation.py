# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Value checks shared by the test plugins (``is mlops.hosts.timezone_name``) and the problems filter.

Controller-side only.
"""

from __future__ import annotations

import os
import re

try:
    import zoneinfo
except ImportError:  # Python < 3.9 on the controller
    zoneinfo = None

try:
    from cryptography import x509
except ImportError:  # ansible-core requires cryptography, but stay importable without it
    x509 = None

_PEM_BLOCK = re.compile(
    r'-----BEGIN CERTIFICATE-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END CERTIFICATE-----'
)
_ZONEINFO_DIRS = ('/usr/share/zoneinfo', '/usr/lib/zoneinfo', '/usr/share/lib/zoneinfo')

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
    if x509 is None:
        return True
    try:
        return len(x509.load_pem_x509_certificates(value.encode('ascii'))) == len(blocks)
    except (ValueError, UnicodeEncodeError):
        return False


def _known_timezones():
    names = set()
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
