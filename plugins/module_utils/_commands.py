# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How the modules of this collection run commands; private to them."""

from __future__ import annotations

# Commands run with the C locale, so that their messages do not depend on the language of the target.
C_LOCALE = dict(LANG='C', LC_ALL='C', LC_MESSAGES='C')


def use_c_locale(module):
    """Run every command of module (AnsibleModule.run_command) with C_LOCALE in its environment."""
    module.run_command_environ_update = dict(C_LOCALE)
