# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the module unit tests share: running a module's main() and looking at what it left on disk.

conftest.py next to this file makes AnsibleModule.exit_json and fail_json raise ExitJson and
FailJson for every test in this folder.
"""

from __future__ import annotations

import contextlib
import grp
import json
import os
import pwd
import stat

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_bytes

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19 (requires_ansible goes down to 2.17): its documented way
    @contextlib.contextmanager
    def patch_module_args(args=None):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved

# How long a test waits for another thread or a local server: a guard against a hang, not a measure. make test runs
# the unit tests on idle CPU only (tests/all.sh), where a thread can wait seconds for a core; 5 s broke a barrier of
# test_kafka_resources there on 2026-12-07 with its reads side by side.
STARVED_CORE_S = 120

USER = pwd.getpwuid(os.geteuid()).pw_name
GROUP = grp.getgrgid(os.getegid()).gr_name
IS_ROOT = os.geteuid() == 0


class ExitJson(Exception):
    """Raised instead of AnsibleModule.exit_json(); args[0] is the result."""


class FailJson(Exception):
    """Raised instead of AnsibleModule.fail_json(); args[0] is the result, with msg and failed=True."""


def exit_json(self, **kwargs):
    kwargs.setdefault('changed', False)
    # As AnsibleModule does before printing a result: every value of a no_log option is masked.
    raise ExitJson(remove_values(kwargs, self.no_log_values))


def fail_json(self, msg, **kwargs):
    kwargs['msg'] = msg
    kwargs['failed'] = True
    raise FailJson(remove_values(kwargs, self.no_log_values))


def patch_module_exits(monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)


def run_module(module, args, fails=False):
    """Run module.main() with the module arguments args; the result it exits with (fails=False) or fails with."""
    with patch_module_args(args):
        with pytest.raises(FailJson if fails else ExitJson) as exc:
            module.main()
    return exc.value.args[0]


def run_in_mode(module, args, check_mode=False, diff=False, fails=False):
    """run_module with Ansible's check and diff flags set as asked."""
    args = dict(args)
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    return run_module(module, args, fails=fails)


class FakeCommands:
    """Stands in for AnsibleModule.run_command and get_bin_path once install()ed.

    record() keeps every command with the environment it would run with and the other keyword
    arguments; subclasses implement run_command() (calling record()) and get_bin_path().
    """

    def __init__(self):
        self.commands = []
        self.environ = []
        self.kwargs = []

    def install(self, monkeypatch):
        monkeypatch.setattr(basic.AnsibleModule, 'run_command',
                            lambda module, *a, **kw: self.run_command(module, *a, **kw))  # pylint: disable=unnecessary-lambda
        monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path',
                            lambda module, *a, **kw: self.get_bin_path(module, *a, **kw))  # pylint: disable=unnecessary-lambda
        return self

    def record(self, module, args, environ_update, kwargs):
        assert isinstance(args, list), 'commands must be argv lists, never shell strings'
        self.commands.append(list(args))
        env = dict(module.run_command_environ_update or {})
        env.update(environ_update or {})
        self.environ.append(env)
        self.kwargs.append(kwargs)

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        raise NotImplementedError

    def get_bin_path(self, module, arg, required=False, opt_dirs=None):
        raise NotImplementedError


def file_mode(path):
    """Permission bits of path itself (not of what a symbolic link points to)."""
    return stat.S_IMODE(os.lstat(path).st_mode)


def tree(root):
    """Everything below root with type, link target, content, mode, inode and mtime, to prove nothing changed."""
    snapshot = {}
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(directory, name)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                snapshot[path] = ('link', os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                snapshot[path] = ('dir', stat.S_IMODE(st.st_mode), st.st_ino)
            else:
                with open(path, 'rb') as handle:
                    snapshot[path] = ('file', handle.read(), stat.S_IMODE(st.st_mode), st.st_ino, st.st_mtime_ns)
    return snapshot


def kafka_home(root, *scripts):
    """A stand-in Kafka release below root: root/kafka/bin/<script> for each script, executable. Returns root/kafka."""
    home = root / 'kafka'
    (home / 'bin').mkdir(parents=True)
    for script in scripts:
        path = home / 'bin' / script
        path.write_text('#!/bin/sh\n', encoding='utf-8')
        path.chmod(0o755)
    return home
