# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters turning the site's proxy settings into the JVM's system properties."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from ansible.errors import AnsibleFilterError

# What the JDK exempts when http.nonProxyHosts is unset; setting the property replaces it, so it is kept.
JDK_LOOPBACK = ['localhost', '127.*', '[::1]']
# Host names, IP addresses and '*' patterns only: the options end up in shell files and unit files.
_SAFE = re.compile(r'^[A-Za-z0-9*._:\[\]-]+$')
_DEFAULT_PORTS = {'http': 80}


def _proxy(url):
    """(host, port) of a proxy URL the JDK can use, or None: plain http:// proxies only, credentials dropped."""
    if not url:
        return None
    if not isinstance(url, str):
        raise AnsibleFilterError('java_proxy_options expects proxy URLs as strings, got %s' % type(url).__name__)
    if '://' not in url:
        url = 'http://' + url
    parts = urlsplit(url.strip())
    # https:// (TLS to the proxy) and socks:// proxies have no HttpURLConnection system property.
    if parts.scheme.lower() != 'http' or not parts.hostname:
        return None
    try:
        port = parts.port or _DEFAULT_PORTS['http']
    except ValueError:
        return None
    host = parts.hostname
    if ':' in host:
        host = '[%s]' % host
    if not _SAFE.match(host):
        return None
    return host, port


def _non_proxy_patterns(entry):
    """The http.nonProxyHosts patterns of one no_proxy entry (curl's meaning), none if the JDK cannot express it."""
    entry = str(entry).strip()
    if not entry:
        return []
    if entry == '*':
        return ['*']
    if '/' in entry:
        # CIDR: only whole-octet IPv4 prefixes have a '*' form (10.0.0.0/8 -> 10.*).
        try:
            net = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return []
        if net.version == 4 and net.prefixlen % 8 == 0 and 0 < net.prefixlen < 32:
            octets = str(net.network_address).split('.')[:net.prefixlen // 8]
            return ['.'.join(octets) + '.*']
        if net.prefixlen == net.max_prefixlen:
            entry = str(net.network_address)
        else:
            return []
    bare = entry[1:-1] if entry.startswith('[') and entry.endswith(']') else entry
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        address = None
    if address is not None:
        return ['[%s]' % address.compressed if address.version == 6 else address.compressed]
    if not _SAFE.match(entry) or ':' in entry or '[' in entry:
        return []
    entry = entry.lower()
    if entry.startswith('*.'):
        entry = entry[1:]
    if entry.startswith('.'):
        return ['*' + entry]
    # A name matches itself and its subdomains in no_proxy; the JDK needs both patterns.
    return [entry] + (['*.' + entry] if '.' in entry else [])


def java_non_proxy_hosts(no_proxy):
    """The no_proxy list (or comma-separated string) as the '|'-separated value of http.nonProxyHosts."""
    if no_proxy is None:
        no_proxy = []
    if isinstance(no_proxy, str):
        no_proxy = no_proxy.split(',')
    if isinstance(no_proxy, Mapping) or not isinstance(no_proxy, (list, tuple)):
        raise AnsibleFilterError('java_non_proxy_hosts expects a list of hosts, got %s' % type(no_proxy).__name__)
    patterns = []
    for entry in JDK_LOOPBACK + [p for item in no_proxy for p in _non_proxy_patterns(item)]:
        if entry not in patterns:
            patterns.append(entry)
    return '|'.join(patterns)


def java_proxy_options(settings):
    """JVM options (-D...) for {http, https, no_proxy}; never the credentials of a proxy URL."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError('java_proxy_options expects a mapping with http, https and no_proxy, got %s'
                                 % type(settings).__name__)
    options = []
    for scheme in ('http', 'https'):
        proxy = _proxy(settings.get(scheme) or '')
        if proxy:
            options += ['-D%s.proxyHost=%s' % (scheme, proxy[0]), '-D%s.proxyPort=%d' % (scheme, proxy[1])]
    if options:
        options.append('-Dhttp.nonProxyHosts=%s' % java_non_proxy_hosts(settings.get('no_proxy')))
    return options


class FilterModule:
    def filters(self):
        return {'java_proxy_options': java_proxy_options, 'java_non_proxy_hosts': java_non_proxy_hosts}
