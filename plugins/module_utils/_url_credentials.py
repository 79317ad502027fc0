# -*- coding: utf-8 -*-

# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Credentials inside URLs (``scheme://user:password@host``): find them and mask them.

Shared by the modules, filters and the drift callback of this collection. Like pip's own redaction, a
password is masked and the user name kept; a user part alone (``https://TOKEN@host``) is masked whole,
since it is often a token.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

MASK = '***'

# scheme://userinfo@ where userinfo has no whitespace, '/', '@' (an '@' inside a password must be
# percent-encoded, RFC 3986 3.2.1). Quotes are allowed: a password with one is still masked.
_USERINFO = re.compile(r'(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/@?#<>]+)@')


def _masked(match: re.Match) -> str:
    user, sep, _secret = match.group('userinfo').partition(':')
    return match.group('scheme') + (user + ':' + MASK if sep else MASK) + '@'


def mask_url_credentials(text: str) -> str:
    """Return text with the secret part of every URL's userinfo replaced by ``***``.

    ``http://alice:S3cret@proxy:3128`` becomes ``http://alice:***@proxy:3128``; ``https://TOKEN@host/``
    becomes ``https://***@host/``. Text without URL credentials is returned unchanged.
    """
    if not isinstance(text, str) or '@' not in text:
        return text
    return _USERINFO.sub(_masked, text)


def url_secrets(urls) -> list[str]:
    """The secret parts (passwords, or user parts that stand alone) of the URLs' userinfo, once each.

    For module options declared no_log, so that Ansible masks every occurrence of them in results.
    Values that are not strings are ignored.
    """
    found: list[str] = []
    for url in urls:
        if not isinstance(url, str):
            continue
        for match in _USERINFO.finditer(url):
            user, sep, secret = match.group('userinfo').partition(':')
            value = secret if sep else user
            if value and value not in found:
                found.append(value)
    return found


def strip_url_credentials(url: str) -> str:
    """url without its userinfo (``http://alice:pw@proxy:3128`` gives ``http://proxy:3128``)."""
    if not isinstance(url, str):
        return url
    return _USERINFO.sub(lambda m: m.group('scheme'), url)


def url_login(url: str) -> dict:
    """The login a URL carries, for netrc-like files: scheme, machine (host[:port]), login and password.

    Percent-encoded characters of the user and password are decoded. Empty strings when the URL has none.
    """
    parts = urlsplit(url or '')
    machine = parts.hostname or ''
    if machine and parts.port:
        machine = '%s:%d' % (machine, parts.port)
    return {'scheme': parts.scheme, 'machine': machine,
            'login': unquote(parts.username or ''), 'password': unquote(parts.password or '')}
