# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ansible.builtin.template's lookup without its deep copy of every variable."""

from __future__ import annotations

DOCUMENTATION = r"""
name: template
author: mlops.hosts maintainers (@mlops-hosts)
short_description: Render template files like ansible.builtin.template's lookup, without copying every variable
description:
  - Returns, for each template file named, the file rendered with Jinja2, with the same search path (the role's
    C(templates) directory, then the play's), the same variables (every variable of the host, C(ansible_managed),
    C(template_path) and its siblings, O(template_vars)) and the same options as
    R(ansible.builtin.template's lookup,ansible_collections.ansible.builtin.template_lookup).
  - The builtin lookup deep-copies all of the host's variables (facts, hostvars, every role's defaults) before each
    file, so that the few variables it adds do not leak out. This lookup gives the template a shallow copy instead,
    which keeps them from leaking just the same. On a no-change check of the lab's six hosts, the deep copies were
    13 % of the controller's CPU (about 0.7 CPU-seconds per host; py-spy, 2026-12-05).
  - The one difference a template can see is that it shares the variables' values rather than copies of them, so a template
    that changes a variable's value in place (a list's C(append) in a C({% do %}) statement) would change it for
    the rest of the task. The collection's templates do not; use ansible.builtin.template for one that must.
options:
  _terms:
    description: The template files, relative to the role's C(templates) directory or the play's search path.
    type: list
    elements: str
    required: true
  template_vars:
    description: A dictionary whose keys become additional variables of the template.
    type: dict
    default: {}
  variable_start_string:
    description: The string marking the beginning of a print statement.
    type: str
    default: '{{'
  variable_end_string:
    description: The string marking the end of a print statement.
    type: str
    default: '}}'
  comment_start_string:
    description: The string marking the beginning of a comment statement.
    type: str
    default: '{#'
  comment_end_string:
    description: The string marking the end of a comment statement.
    type: str
    default: '#}'
  trim_blocks:
    description: Whether to remove the first newline after a block.
    type: bool
    default: true
seealso:
  - plugin: ansible.builtin.template
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Write a configuration file through the collection's config_files module
  mlops.hosts.config_files:
    files:
      - path: /etc/example.conf
        content: "{{ lookup('mlops.hosts.template', 'example.conf.j2') }}"
"""

RETURN = r"""
_raw:
  description: The rendered files, one string per template named.
  type: list
  elements: str
"""

from collections.abc import Mapping

from ansible.plugins.lookup.template import LookupModule as BuiltinTemplateLookup


class _CopiedShallow(Mapping):
    """A host's variables, read through unchanged; copy.deepcopy() of it is one shallow copy of the variables."""

    def __init__(self, variables):
        self._variables = variables

    def __getitem__(self, key):
        return self._variables[key]

    def __iter__(self):
        return iter(self._variables)

    def __len__(self):
        return len(self._variables)

    def __contains__(self, key):
        return key in self._variables

    def __deepcopy__(self, memo):
        # dict.copy keeps the values as stored (on ansible-core 2.19 and later, not yet rendered): the templar the
        # builtin then makes renders them on access, as it does the values of its own copy.
        return dict.copy(self._variables)


class LookupModule(BuiltinTemplateLookup):
    """ansible.builtin.template's lookup, given variables whose deep copy is shallow."""

    def run(self, terms, variables=None, **kwargs):
        return super().run(terms, _CopiedShallow(variables if variables is not None else {}), **kwargs)
