# Copyright: contributors to mlops.hosts
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The distribution entry point of mlops.hosts._common in one task: facts when missing, the checks, the result."""

from __future__ import annotations

import os

from ansible.plugins.action import ActionBase

_SETUP = 'ansible.builtin.setup'


def supported_text(supported):
    """'Debian 11, 12, 13; Ubuntu 24.04': the supported distributions as the refusal names them."""
    return '; '.join(f"{name} {', '.join(str(v) for v in versions)}" for name, versions in supported.items())


def vars_file(vars_dir, distribution, major_version):
    """linux-system-roles' set_vars: the most specific of <Distribution>_<major>.yml, <Distribution>.yml and
    default.yml in vars_dir, or '' when it has none of them."""
    for name in (f'{distribution}_{major_version}.yml', f'{distribution}.yml', 'default.yml'):
        path = os.path.join(vars_dir, name)
        if os.path.isfile(path):
            return path
    return ''


class ActionModule(ActionBase):
    """Gather the caller's facts only when one is missing, refuse use outside a role or on an unsupported
    distribution, and return the distribution, its vars file and the site's network conventions."""

    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec={
            'gather_subset': {'type': 'list', 'elements': 'str', 'required': True},
            'facts': {'type': 'list', 'elements': 'str', 'required': True},
            'supported': {'type': 'dict', 'required': True},
            'role': {'type': 'str', 'required': True},
            'in_role': {'type': 'bool', 'required': True},
            'guard_msg': {'type': 'str', 'required': True},
            'vars_dir': {'type': 'path', 'required': True},
            'network': {'type': 'dict', 'default': {}},
        })[1]
        if not args['in_role']:
            return dict(result, failed=True, msg=args['guard_msg'])

        facts = dict(task_vars.get('ansible_facts') or {})
        result['facts_gathered'] = any(name not in facts for name in args['facts'])
        if result['facts_gathered']:
            gathered = self._execute_module(module_name=_SETUP, module_args={'gather_subset': args['gather_subset']},
                                            task_vars=task_vars)
            self._remove_tmp_path(self._connection._shell.tmpdir)
            if gathered.get('failed') or gathered.get('unreachable'):
                return dict(result, **gathered)
            result['ansible_facts'] = gathered.get('ansible_facts', {})
            facts.update((name[len('ansible_'):] if name.startswith('ansible_') else name, value)
                         for name, value in result['ansible_facts'].items())

        distribution, major = str(facts.get('distribution', '')), str(facts.get('distribution_major_version', ''))
        versions = [str(v) for v in args['supported'].get(distribution) or []]
        if major not in versions:
            runs = f"{distribution} {facts.get('distribution_version', '')}".strip()
            return dict(result, failed=True,
                        msg=f"{args['role']} supports {supported_text(args['supported'])}; this host runs {runs}.")
        result.update(args['network'], changed=False, distribution=distribution, major_version=major,
                      vars_file=vars_file(args['vars_dir'], distribution, major))
        return result
