# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the host shows about a running service, read without running a command; private to the modules.

- When a service started, and which of its inputs (files, directories, links, Debian packages) were
  modified after that: the service runs an older configuration than its files.
- Which addresses the processes of a service listen on, from ``/proc/<pid>/net/tcp{,6}`` and the
  sockets in ``/proc/<pid>/fd``.
- Which local TCP ports have established connections (a client is connected).

Every function takes its roots (``proc``, ``cgroup``, ``dpkg_info``) as arguments so that the unit
tests can point them at a fake tree.
"""

from __future__ import annotations

import glob
import ipaddress
import os
import socket
import time

PROC = '/proc'
CGROUP = '/sys/fs/cgroup'
DPKG_INFO = '/var/lib/dpkg/info'

# /proc/net/tcp states (include/net/tcp_states.h).
TCP_ESTABLISHED = '01'
TCP_LISTEN = '0A'


# ------------------------------------------------------------------------ start time and inputs


def start_realtime_ns(monotonic_us, now_realtime_ns=None, now_monotonic_ns=None):
    """The wall-clock time (ns since the epoch) of a systemd monotonic timestamp in microseconds.

    systemd keeps ``ExecMainStartTimestampMonotonic`` on CLOCK_MONOTONIC; file modification times are
    wall-clock. The conversion subtracts the monotonic time elapsed since then from the wall clock now,
    so a step of the wall clock since the start (not a suspend: CLOCK_MONOTONIC stops while suspended)
    moves the result with it. Returns None for 0 (never started).
    """
    if not monotonic_us or not int(monotonic_us):
        return None
    if now_realtime_ns is None:
        now_realtime_ns = time.time_ns()
    if now_monotonic_ns is None:
        now_monotonic_ns = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    return now_realtime_ns - (now_monotonic_ns - int(monotonic_us) * 1000)


def package_list_file(name, dpkg_info=DPKG_INFO):
    """The file dpkg rewrites whenever package name is installed or upgraded, or None when it is not installed."""
    plain = os.path.join(dpkg_info, name + '.list')
    if os.path.exists(plain):
        return plain
    multiarch = sorted(glob.glob(os.path.join(dpkg_info, glob.escape(name) + ':*.list')))
    return multiarch[0] if multiarch else None


def modified_ns(path):
    """The latest modification time (ns) of path: of a link itself and of what it points to; None if missing."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    newest = st.st_mtime_ns
    if os.path.islink(path):
        try:
            newest = max(newest, os.stat(path).st_mtime_ns)
        except OSError:
            pass
    return newest


def inputs_newer_than(paths, start_ns):
    """The paths modified after start_ns (wall-clock ns), in the order given; missing paths are skipped."""
    newer = []
    for path in paths:
        mtime = modified_ns(path)
        if mtime is not None and mtime > start_ns:
            newer.append(path)
    return newer


# ------------------------------------------------------------------------ sockets


def _decode_address(hexaddr):
    """'0100007F:1A0B' (an IPv4 or IPv6 address in /proc/net/tcp{,6}) as ('127.0.0.1', 6667)."""
    addr, port = hexaddr.split(':')
    raw = bytes.fromhex(addr)
    # The kernel prints each 32-bit word in host byte order; every Linux host this runs on is little-endian.
    raw = b''.join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    family = socket.AF_INET if len(raw) == 4 else socket.AF_INET6
    text = socket.inet_ntop(family, raw)
    if family == socket.AF_INET6 and text.startswith('::ffff:') and '.' in text:
        text = text[len('::ffff:'):]
    return text, int(port, 16)


def parse_proc_net_tcp(text):
    """Rows of /proc/net/tcp or tcp6 as dicts: local (address, port), remote (address, port), state, uid, inode."""
    rows = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10:
            continue
        rows.append(dict(local=_decode_address(fields[1]), remote=_decode_address(fields[2]),
                         state=fields[3].upper(), uid=fields[7], inode=fields[9]))
    return rows


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ''


def tcp_rows(pid='self', proc=PROC):
    """Every TCP socket of the network namespace of pid (IPv4 and IPv6)."""
    rows = []
    for name in ('tcp', 'tcp6'):
        rows.extend(parse_proc_net_tcp(_read(os.path.join(proc, str(pid), 'net', name))))
    return rows


def _cgroup_of(pid, proc=PROC):
    """The cgroup v2 path of pid as the kernel names it ('0::/system.slice/x.service'), or ''."""
    for line in _read(os.path.join(proc, str(pid), 'cgroup')).splitlines():
        if line.startswith('0::'):
            return line[3:]
    return ''


def unit_pids(control_group, main_pid=0, cgroup=CGROUP, proc=PROC):
    """The PIDs in a unit's control group and its children (cgroup v2, or v1's name=systemd tree).

    systemd names the control group from the root it sees; in a container that shares the host's
    cgroup namespace, the kernel's name (read from the main process) is another, so both are tried.
    Falls back to the main PID alone when no control group can be read.
    """
    pids = set()
    names = [control_group] if control_group else []
    if main_pid and int(main_pid) > 0:
        names.append(_cgroup_of(main_pid, proc))
    for name in filter(None, names):
        for root in (cgroup, os.path.join(cgroup, 'unified'), os.path.join(cgroup, 'systemd')):
            top = os.path.join(root, name.lstrip('/'))
            if not os.path.isdir(top):
                continue
            for directory, _dirs, files in os.walk(top):
                if 'cgroup.procs' in files:
                    pids.update(int(p) for p in _read(os.path.join(directory, 'cgroup.procs')).split() if p.isdigit())
            if pids:
                return sorted(pids)
    if main_pid and int(main_pid) > 0:
        pids.add(int(main_pid))
    return sorted(pids)


def without_programs(pids, prefixes, proc=PROC):
    """pids without the processes whose program starts with one of prefixes: the first command line argument, or
    the second after an interpreter (python3 <script>), resolved to a real path.

    A process that ended meanwhile (its cmdline unreadable) is kept: the caller counts what it saw.
    """
    if not prefixes:
        return list(pids)
    kept = []
    for pid in pids:
        args = _read(os.path.join(proc, str(pid), 'cmdline')).split('\0')[:2]
        programs = [os.path.realpath(arg) for arg in args if arg.startswith('/')]
        if not any(program.startswith(prefix) for program in programs for prefix in prefixes):
            kept.append(pid)
    return kept


def _uid(pid, proc=PROC):
    """The real user ID of pid (from /proc/<pid>/status, readable by anyone), or None."""
    for line in _read(os.path.join(proc, str(pid), 'status')).splitlines():
        if line.startswith('Uid:'):
            return line.split()[1]
    return None


def socket_inodes(pids, proc=PROC):
    """(inodes, unreadable): the inodes of the sockets the processes pids hold open, and the PIDs whose
    descriptors could not be read (another user's need CAP_SYS_PTRACE, which root lacks in a container)."""
    inodes = set()
    unreadable = []
    for pid in pids:
        fd_dir = os.path.join(proc, str(pid), 'fd')
        try:
            names = os.listdir(fd_dir)
        except FileNotFoundError:
            continue  # gone meanwhile
        except OSError:
            unreadable.append(pid)
            continue
        for name in names:
            try:
                target = os.readlink(os.path.join(fd_dir, name))
            except FileNotFoundError:
                continue
            except OSError:
                unreadable.append(pid)
                break
            if target.startswith('socket:['):
                inodes.add(target[len('socket:['):-1])
    return inodes, unreadable


def listeners(pids, proc=PROC):
    """(pairs, complete): the sorted (address, port) pairs on which the processes pids listen for TCP connections.

    The sockets of a process whose descriptors cannot be read are taken as the listening sockets its user
    (not root) owns; complete is false when that is not possible either.
    """
    if not pids:
        return [], True
    inodes, unreadable = socket_inodes(pids, proc)
    uids = set(_uid(pid, proc) for pid in unreadable)
    complete = None not in uids and '0' not in uids
    found = set()
    for row in tcp_rows(pids[0], proc):
        if row['state'] == TCP_LISTEN and (row['inode'] in inodes or row['uid'] in uids - {None, '0'}):
            found.add(row['local'])
    return sorted(found), complete


def port_listeners(ports, proc=PROC):
    """The sorted (address, port) pairs listening on one of ports, whatever process holds them."""
    wanted = set(int(p) for p in ports)
    return sorted(set(row['local'] for row in tcp_rows('self', proc)
                      if row['state'] == TCP_LISTEN and row['local'][1] in wanted))


def address_allowed(address, allowed):
    """Whether a listener on address is allowed by the list allowed (0.0.0.0 and :: allow every address)."""
    ip = ipaddress.ip_address(address)
    for entry in allowed:
        permitted = ipaddress.ip_address(entry)
        if permitted == ip:
            return True
        if permitted.is_unspecified and permitted.version == ip.version:
            return True
    return False


def connected_clients(ports, proc=PROC):
    """How many established TCP connections have one of ports as their local port (clients of a server)."""
    wanted = set(int(p) for p in ports)
    return sum(1 for row in tcp_rows('self', proc)
               if row['state'] == TCP_ESTABLISHED and row['local'][1] in wanted)
