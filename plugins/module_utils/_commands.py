# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How the modules of this collection run commands; private to them."""

from __future__ import annotations

import os
import pwd
import re

# A name an environment variable may have (POSIX shells' rule).
ENV_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')

# Commands run with the C locale, so that their messages do not depend on the language of the target.
C_LOCALE = dict(LANG='C', LC_ALL='C', LC_MESSAGES='C')


def use_c_locale(module):
    """Run every command of module (AnsibleModule.run_command) with C_LOCALE in its environment."""
    module.run_command_environ_update = dict(C_LOCALE)


def runs_as(user):
    """True when the module runs as user (a name), False also when no such user exists."""
    try:
        return pwd.getpwnam(user).pw_uid == os.geteuid()
    except KeyError:
        return False


def as_user(module, user, argv):
    """argv, prefixed with runuser -u USER -- when it must run as another user than the module's.

    An empty user or the module's own runs argv unchanged. Fails the module (fail_json, nothing run) when the
    user does not exist, when the module does not run as root, or when runuser (util-linux) is missing.
    """
    if not user or runs_as(user):
        return list(argv)
    program = os.path.basename(argv[0])
    if os.geteuid() != 0:
        module.fail_json(msg='running %s as user %r needs root; use become=true or set user to the user the module '
                             'runs as' % (program, user))
    try:
        pwd.getpwnam(user)
    except KeyError:
        module.fail_json(msg='user %r does not exist' % user)
    runuser = module.get_bin_path('runuser')
    if not runuser:
        module.fail_json(msg='runuser (util-linux) is needed to run %s as user %r but was not found' % (program, user))
    return [runuser, '-u', user, '--'] + list(argv)


def tail(text, limit=4000):
    """The end of a command's output, at most limit characters (with '...' before it when cut)."""
    text = text or ''
    return text if len(text) <= limit else '...' + text[-limit:]


def environment_problems(environment):
    """One message per name of environment (the option of that name) that cannot be an environment variable's."""
    return ['environment: %r is not a valid name for an environment variable' % name
            for name in environment if not ENV_NAME.fullmatch(name)]
