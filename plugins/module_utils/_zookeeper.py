# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether a znode exists, asked of a ZooKeeper ensemble over its client protocol (no client library).

Only what the collection reads: one session, one exists request, no watches, no authentication (the znodes
asked for, such as /hadoop-ha/<nameservice>, are readable by anyone). The wire format is ZooKeeper's jute
encoding: big-endian integers, strings and buffers prefixed by their length, each packet by its length.
"""
from __future__ import annotations

import socket
import struct

_OP_EXISTS = 3
_OP_CLOSE = -11
_OK = 0
_NO_NODE = -101
_MAX_PACKET = 1 << 20


class ZooKeeperError(Exception):
    """No server of the ensemble answered the request; the message names each server and why."""


def parse_hosts(hosts, default_port=2181):
    """(host, port) pairs of 'host', 'host:port' or '[v6]:port' strings; ValueError for a bad port."""
    pairs = []
    for item in hosts:
        item = item.strip()
        if item.startswith('['):
            host, rest = (item[1:].split(']', 1) + [''])[:2]
            port = rest.lstrip(':') or default_port
        elif item.count(':') == 1:
            host, port = item.split(':')
        else:
            host, port = item, default_port
        pairs.append((host, int(port)))
    return pairs


def _read_exact(sock, size):
    data = b''
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ZooKeeperError('the server closed the connection (is it serving, with a quorum?)')
        data += chunk
    return data


def _send(sock, payload):
    sock.sendall(struct.pack('>i', len(payload)) + payload)


def _receive(sock):
    size = struct.unpack('>i', _read_exact(sock, 4))[0]
    if size < 0 or size > _MAX_PACKET:
        raise ZooKeeperError('not a ZooKeeper reply (packet length %d)' % size)
    return _read_exact(sock, size)


def _string(text):
    data = text.encode('utf-8')
    return struct.pack('>i', len(data)) + data


def _ask(host, port, path, timeout):
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        # ConnectRequest: protocolVersion, lastZxidSeen, timeOut (ms), sessionId, passwd (16 bytes), readOnly.
        _send(sock, struct.pack('>iqiqi', 0, 0, int(timeout * 1000), 0, 16) + b'\0' * 16 + b'\0')
        _receive(sock)
        # RequestHeader (xid, type), then ExistsRequest (path, watch).
        _send(sock, struct.pack('>ii', 1, _OP_EXISTS) + _string(path) + b'\0')
        reply = _receive(sock)
        if len(reply) < 16:
            raise ZooKeeperError('a short reply to exists(%s)' % path)
        err = struct.unpack('>iqi', reply[:16])[2]
        try:
            _send(sock, struct.pack('>ii', 2, _OP_CLOSE))
        except OSError:
            pass
        if err == _OK:
            return True
        if err == _NO_NODE:
            return False
        raise ZooKeeperError('exists(%s) answered error code %d' % (path, err))


def znode_exists(hosts, path, timeout=5.0):
    """Whether the znode path exists, asking the servers of hosts in turn.

    :param hosts: the ensemble's client addresses, (host, port) pairs as parse_hosts() gives them
    :param path: an absolute znode path such as /hadoop-ha/mlops
    :param timeout: seconds for each server's connection and replies
    :returns: True or False, from the first server that answers
    :raises ZooKeeperError: when no server answers; the message lists each server's error
    """
    errors = []
    for host, port in hosts:
        try:
            return _ask(host, port, path, timeout)
        except (OSError, ZooKeeperError, struct.error) as exc:
            errors.append('%s:%d: %s' % (host, port, exc))
    raise ZooKeeperError('no ZooKeeper server answered: %s' % '; '.join(errors))
