#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: jupyter_kernel
short_description: Declare a Jupyter kernelspec without running jupyter commands
version_added: 0.8.0
description:
  - Writes the C(kernel.json) that C(jupyter kernelspec install) would write, to
    C(<prefix>/kernels/<name>/kernel.json), so that JupyterHub and JupyterLab offer a Python
    environment (or any other kernel) as a kernel.
  - Idempotent without running C(jupyter) or the kernel's interpreter. The existing C(kernel.json)
    is compared with the desired kernelspec as JSON, so key order and indentation do not matter; a file
    that cannot be read or parsed counts as different and is rewritten.
  - C(kernel.json) is written atomically; a temporary file in the kernel directory receives the final
    owner, group and mode and then replaces the file.
  - Other files in the kernel directory, such as C(logo-64x64.png), are kept.
  - All options are checked before anything is changed.
author: mlops.hosts maintainers (@mlops-hosts)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the C(kernel.json) text before and after. Changes of owner, group or mode alone are
        reported as a change but do not show up in the diff text.
  platform:
    platforms: posix
options:
  name:
    description:
      - Name of the kernel, which is the name of its directory below C(<prefix>/kernels).
      - Jupyter lower-cases kernel names, so only lower case letters, digits, V(.), V(_) and V(-) are allowed,
        and the name must start with a letter or digit.
    type: str
    required: true
  state:
    description:
      - V(present) makes sure the kernelspec exists as described.
      - V(absent) removes the whole directory C(<prefix>/kernels/<name>), including logos and any other
        file in it. If that path is a symbolic link, only the link is removed.
    type: str
    choices: [present, absent]
    default: present
  prefix:
    description:
      - Jupyter data directory the kernel is installed into; the kernelspec goes to
        C(<prefix>/kernels/<name>/kernel.json).
      - The default is the system-wide location that C(jupyter kernelspec install) uses without C(--user)
        or C(--sys-prefix). Use C(<venv>/share/jupyter) to install into the environment Jupyter itself runs from.
      - Must be an absolute path. Missing directories up to and including C(<prefix>/kernels) are created
        with mode C(0755), owned by C(root:root).
    type: path
    default: /usr/local/share/jupyter
  display_name:
    description:
      - Name of the kernel shown in the JupyterLab launcher and kernel menus.
      - Required when O(state=present).
    type: str
  argv:
    description:
      - Command line that starts the kernel.
      - At least one argument must contain the literal placeholder C({connection_file}), which Jupyter replaces
        by the path of the connection file.
      - Exactly one of O(argv) and O(python) is required when O(state=present).
    type: list
    elements: str
  python:
    description:
      - Python interpreter of an environment that has C(ipykernel) installed, for example C(/opt/venvs/torch/bin/python).
      - The kernel is then started with C([<python>, "-m", "ipykernel_launcher", "-f", "{connection_file}"]),
        which is what C(python -m ipykernel install) writes.
      - The interpreter is not run and does not need to exist yet.
      - Exactly one of O(argv) and O(python) is required when O(state=present).
    type: path
  language:
    description:
      - Language of the kernel, used by frontends for syntax highlighting.
    type: str
    default: python
  env:
    description:
      - Environment variables set for the kernel process.
      - Every value is converted to a string, so V(1) becomes C("1") and V(true) becomes C("True"); quote values
        to control their exact text. A null value fails the module.
      - Left out of C(kernel.json) when empty.
    type: dict
    default: {}
  metadata:
    description:
      - Additional kernelspec metadata, for example C(debugger) set to V(true) to enable the JupyterLab debugger.
      - Left out of C(kernel.json) when empty.
    type: dict
    default: {}
  interrupt_mode:
    description:
      - How Jupyter interrupts the kernel; by sending a C(SIGINT) signal or an interrupt request message.
      - Left out of C(kernel.json) when not set, in which case Jupyter uses V(signal).
    type: str
    choices: [signal, message]
  owner:
    description:
      - Name (or numeric ID) of the user that owns C(kernel.json) and the kernel directory.
      - In check mode a user that does not exist yet marks the kernel as changed instead of failing.
    type: str
    default: root
  group:
    description:
      - Name (or numeric ID) of the group that owns C(kernel.json) and the kernel directory.
      - In check mode a group that does not exist yet marks the kernel as changed instead of failing.
    type: str
    default: root
  mode:
    description:
      - Permissions of C(kernel.json) as a quoted string of exactly four octal digits, for example V(0644).
      - Four digits are required so that an unquoted YAML number such as C(0644), which reaches the module
        as C(420), is rejected instead of silently producing the wrong mode.
      - The kernel directory always gets mode C(0755).
    type: str
    default: '0644'
notes:
  - C(kernel.json) is written with an indentation of one space, sorted keys and a trailing newline.
  - The module does not check that the interpreter or C(ipykernel) exist; install them first.
seealso:
  - name: Jupyter kernelspecs
    description: Format of C(kernel.json).
    link: https://jupyter-client.readthedocs.io/en/stable/kernels.html#kernel-specs
  - module: mlops.hosts.config_files
"""

EXAMPLES = r"""
- name: Create a virtual environment with ipykernel
  ansible.builtin.pip:
    name: ipykernel
    virtualenv: /opt/venvs/torch
    virtualenv_command: /usr/bin/python3 -m venv

- name: Offer the environment as a kernel to every JupyterHub user
  mlops.hosts.jupyter_kernel:
    name: torch
    display_name: Python 3 (PyTorch)
    python: /opt/venvs/torch/bin/python
    env:
      OMP_NUM_THREADS: 4
      HF_HOME: /srv/cache/huggingface
    metadata:
      debugger: true

- name: Install a kernel with its own command line into JupyterHub's environment
  mlops.hosts.jupyter_kernel:
    name: spark-py
    prefix: /opt/jupyterhub/share/jupyter
    display_name: PySpark (YARN)
    argv:
      - /opt/venvs/spark/bin/python
      - -m
      - ipykernel_launcher
      - -f
      - "{connection_file}"
    env:
      PYSPARK_PYTHON: /opt/venvs/spark/bin/python
      SPARK_HOME: /opt/spark
    interrupt_mode: message

- name: Remove a kernel that is no longer offered
  mlops.hosts.jupyter_kernel:
    name: tensorflow-old
    state: absent
"""

RETURN = r"""
kernel_path:
  description:
    - The kernel directory, C(<prefix>/kernels/<name>).
  returned: always
  type: str
  sample: /usr/local/share/jupyter/kernels/torch
kernelspec:
  description:
    - The kernelspec that was (or in check mode would be) written to C(kernel.json).
    - An empty dictionary when O(state=absent).
  returned: always
  type: dict
  sample:
    argv: ['/opt/venvs/torch/bin/python', '-m', 'ipykernel_launcher', '-f', '{connection_file}']
    display_name: Python 3 (PyTorch)
    language: python
    env:
      OMP_NUM_THREADS: '4'
    metadata:
      debugger: true
diff:
  description:
    - The text of C(kernel.json) before and after. C(before) is empty when the file did not exist and
      C(after) is empty when the kernel is removed.
  returned: when diff mode is enabled
  type: dict
  sample:
    before_header: /usr/local/share/jupyter/kernels/torch/kernel.json
    after_header: /usr/local/share/jupyter/kernels/torch/kernel.json
    before: ''
    after: "{\n \"argv\": [\n  \"/opt/venvs/torch/bin/python\",\n ...\n}\n"
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - One entry of kind V(kernel) when the kernel was (or would be) created, changed or removed.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What the resource is.
      type: str
    name:
      description: The kernel directory, RV(kernel_path).
      type: str
    summary:
      description: A short description of the change. When absent, the diff describes it.
      type: str
      returned: when the module knows it without a diff
  sample: [{kind: kernel, name: /usr/local/share/jupyter/kernels/spark}]
"""

import json
import os
import re
import shutil
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource
from ansible_collections.mlops.hosts.plugins.module_utils._fileattrs import (
    StagedFile,
    attributes_differ,
    create_dir,
    missing_dirs,
    parse_mode,
    resolve_owner,
    set_attributes,
)

_NAME_RE = re.compile(r'[a-z0-9][a-z0-9._-]*')
_CONNECTION_FILE = '{connection_file}'
_KERNEL_JSON = 'kernel.json'
_DIR_MODE = 0o755


class JupyterKernel:
    """Plans and applies the changes to one kernelspec directory."""

    def __init__(self, module):
        self.module = module
        params = module.params
        self.name = params['name']
        self.state = params['state']
        self.prefix = params['prefix']
        self.owner = params['owner']
        self.group = params['group']
        self.mode = None
        self.uid = None
        self.gid = None
        self.kernel_dir = None
        self.json_path = None
        self.kernelspec = {}
        self.data = b''
        # Found on disk
        self.dir_stat = None
        self.json_stat = None
        self.current_data = None
        # Planned changes
        self.missing_parents = []
        self.make_dir = False
        self.fix_dir = False
        self.write = False
        self.fix_file = False
        self.remove = False
        self.staged = None  # StagedFile while kernel.json is written

    @property
    def changed(self):
        return self.make_dir or self.fix_dir or self.write or self.fix_file or self.remove

    # ----------------------------------------------------------------- entry point

    def run(self):
        self._check_input()
        self._inspect()
        if self.state == 'present':
            self._plan_present()
        else:
            self.remove = self.dir_stat is not None

        result = dict(changed=self.changed, kernel_path=self.kernel_dir, kernelspec=self.kernelspec)
        result[RESULT_KEY] = [resource('kernel', self.kernel_dir)] if self.changed else []
        if self.module._diff:
            result['diff'] = self._diff()
        if self.changed and not self.module.check_mode:
            self._apply()
        return result

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, **kwargs)

    # ------------------------------------------------------------------- checking

    def _check_input(self):
        params = self.module.params
        if not _NAME_RE.fullmatch(self.name):
            self.fail('name %r is not a valid kernel name: Jupyter lower-cases kernel names, so use only lower case '
                      'letters, digits, ".", "_" and "-", starting with a letter or digit' % self.name)
        if not os.path.isabs(self.prefix):
            self.fail('prefix %r must be an absolute path' % self.prefix)
        self.kernel_dir = os.path.join(os.path.normpath(self.prefix), 'kernels', self.name)
        self.json_path = os.path.join(self.kernel_dir, _KERNEL_JSON)
        if self.state == 'absent':
            return

        if not params['display_name']:
            self.fail('display_name is required and must not be empty when state=present')
        argv = params['argv']
        python = params['python']
        if argv is not None and python is not None:
            self.fail('argv and python are mutually exclusive; give exactly one of them')
        if argv is None and python is None:
            self.fail('one of argv or python is required when state=present')
        if python is not None:
            if not python:
                self.fail('python must not be empty')
            argv = [python, '-m', 'ipykernel_launcher', '-f', _CONNECTION_FILE]
        elif not any(_CONNECTION_FILE in arg for arg in argv):
            self.fail('argv must contain the placeholder %s, got %r' % (_CONNECTION_FILE, argv))

        self.mode = parse_mode(params['mode'], 'mode', self.fail)

        spec = dict(argv=argv, display_name=params['display_name'], language=params['language'])
        env = self._env(params['env'])
        if env:
            spec['env'] = env
        if params['metadata']:
            spec['metadata'] = params['metadata']
        if params['interrupt_mode'] is not None:
            spec['interrupt_mode'] = params['interrupt_mode']
        try:
            text = json.dumps(spec, indent=1, sort_keys=True) + '\n'
        except (TypeError, ValueError) as exc:
            self.fail('metadata cannot be written as JSON: %s' % to_native(exc))
        self.data = to_bytes(text, errors='surrogate_or_strict')
        # What a reader of the file gets back, so that comparisons and the result match the file exactly.
        self.kernelspec = json.loads(text)

    def _env(self, env):
        converted = {}
        for key, value in env.items():
            if value is None:
                self.fail('env %r has no value; environment variables need a string value (quote it, '
                          'or use an empty string "")' % key)
            converted[to_text(key)] = to_text(value) if isinstance(value, (str, bytes)) else str(value)
        return converted

    # ------------------------------------------------------------------- planning

    def _inspect(self):
        self.dir_stat = self._lstat(self.kernel_dir, 'kernel directory')
        if self.dir_stat is None:
            return
        if stat.S_ISLNK(self.dir_stat.st_mode):
            if self.state == 'present':
                self.fail('kernel directory %r is a symbolic link; replace it by a directory or remove it '
                          'with state=absent' % self.kernel_dir)
            return
        if not stat.S_ISDIR(self.dir_stat.st_mode):
            self.fail('%r exists but is not a directory' % self.kernel_dir)
        self.json_stat = self._lstat(self.json_path, _KERNEL_JSON)
        if self.json_stat is None:
            return
        mode = self.json_stat.st_mode
        if stat.S_ISDIR(mode):
            self.fail('%r is a directory, not a kernelspec file' % self.json_path)
        if stat.S_ISREG(mode) and (self.state == 'present' or self.module._diff):
            try:
                with open(self.json_path, 'rb') as handle:
                    self.current_data = handle.read()
            except OSError as exc:
                self.fail('cannot read %r: %s' % (self.json_path, to_native(exc)))

    def _lstat(self, path, what):
        try:
            return os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            self.fail('cannot inspect the %s %r: %s' % (what, path, to_native(exc)))

    def _plan_present(self):
        self.uid, self.gid = resolve_owner(self.owner, self.group, self.module.check_mode, self.fail)
        if self.dir_stat is None:
            self.missing_parents = missing_dirs(
                os.path.dirname(self.kernel_dir),
                lambda parent: self.fail('parent %r of the kernel directory exists but is not a directory' % parent))
            self.make_dir = True
            self.write = True
            return
        self.fix_dir = attributes_differ(self.dir_stat, self.uid, self.gid, _DIR_MODE)
        if self.json_stat is None or not stat.S_ISREG(self.json_stat.st_mode):
            self.write = True  # missing, or a symbolic link or other thing that gets replaced by a regular file
            return
        self.write = not self._same_kernelspec(self.current_data)
        self.fix_file = not self.write and attributes_differ(self.json_stat, self.uid, self.gid, self.mode)

    def _same_kernelspec(self, data):
        try:
            current = json.loads(to_text(data, errors='surrogate_or_strict'))
        except (UnicodeError, ValueError):
            return False
        # Canonical dumps, so that true and 1 or 1 and 1.0 count as different while key order does not matter.
        return self._canonical(current) == self._canonical(self.kernelspec)

    @staticmethod
    def _canonical(value):
        return json.dumps(value, sort_keys=True, separators=(',', ':'))

    # ----------------------------------------------------------------------- diff

    def _diff(self):
        before = to_text(self.current_data, errors='surrogate_or_replace') if self.current_data is not None else ''
        if self.state == 'absent':
            after = ''
        else:
            after = to_text(self.data, errors='surrogate_or_strict')
            if not self.write:
                before = after  # same kernelspec, perhaps written with another layout
        return dict(before_header=self.json_path, after_header=self.json_path, before=before, after=after)

    # ---------------------------------------------------------------------- apply

    def _apply(self):
        if self.remove:
            self._remove()
            return
        try:
            for directory in self.missing_parents:
                create_dir(directory, 0, 0, _DIR_MODE)
            if self.make_dir:
                create_dir(self.kernel_dir, self.uid, self.gid, _DIR_MODE)
            elif self.fix_dir:
                set_attributes(self.kernel_dir, self.uid, self.gid, _DIR_MODE)
            if self.write:
                self.staged = StagedFile(self.json_path, self.data, self.uid, self.gid, self.mode)
                self.staged.stage()
                self.staged.commit(self.module, lambda reason: self.fail('cannot replace %r: %s' % (self.json_path, reason)))
            elif self.fix_file:
                set_attributes(self.json_path, self.uid, self.gid, self.mode)
        except OSError as exc:
            self.fail('cannot write the kernelspec %r: %s' % (self.json_path, to_native(exc)))
        finally:
            if self.staged is not None:
                self.staged.discard()

    def _remove(self):
        try:
            if stat.S_ISLNK(self.dir_stat.st_mode):
                os.unlink(self.kernel_dir)
            else:
                shutil.rmtree(self.kernel_dir)
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.fail('cannot remove the kernel directory %r: %s' % (self.kernel_dir, to_native(exc)))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            prefix=dict(type='path', default='/usr/local/share/jupyter'),
            display_name=dict(type='str'),
            argv=dict(type='list', elements='str'),
            python=dict(type='path'),
            language=dict(type='str', default='python'),
            env=dict(type='dict', default={}),
            metadata=dict(type='dict', default={}),
            interrupt_mode=dict(type='str', choices=['signal', 'message']),
            owner=dict(type='str', default='root'),
            group=dict(type='str', default='root'),
            mode=dict(type='str', default='0644'),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**JupyterKernel(module).run())


if __name__ == '__main__':
    main()
