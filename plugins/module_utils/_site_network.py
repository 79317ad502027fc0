# -*- coding: utf-8 -*-

# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The site's network and trust settings, read on the host from the file the base role writes.

The proxies (with their credentials), the CA bundle and the package indexes reach a module's
subprocesses (pip, uv, downloads) through its environment. They are read here, on the host, rather
than passed with the task's ``environment`` keyword, which Ansible shows in clear text at -vvv.
"""

from __future__ import annotations

import os
import re

SITE_NETWORK_ENV = '/etc/mlops/network.env'

_LINE = re.compile(r'''^(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?:'(?P<single>[^']*)'|"(?P<double>[^"]*)"|(?P<bare>\S*))\s*$''')


def read_site_environment(path: str = SITE_NETWORK_ENV) -> dict[str, str]:
    """The variables of an environment file (``NAME='value'`` lines, ``#`` comments).

    Returns an empty dict when the file does not exist (a host the base role has not configured).
    Lines of another form are ignored. Raises OSError when the file exists but cannot be read.
    """
    try:
        with open(path, encoding='utf-8') as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return {}
    found = {}
    for line in lines:
        match = _LINE.match(line.strip())
        if match:
            value = match.group('single')
            if value is None:
                value = match.group('double') if match.group('double') is not None else match.group('bare')
            found[match.group('name')] = value
    return found


def apply_site_environment(path: str = SITE_NETWORK_ENV, environ=None) -> list[str]:
    """Add the file's variables to environ (os.environ by default) where it does not set them already.

    A variable the task sets explicitly (the ``environment`` keyword) wins. Returns the names added.
    """
    environ = os.environ if environ is None else environ
    added = []
    for name, value in read_site_environment(path).items():
        if name not in environ:
            environ[name] = value
            added.append(name)
    return added
