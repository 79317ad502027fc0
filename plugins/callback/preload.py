# Copyright: contributors to mlops.hosts
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: preload
type: aggregate
short_description: Load the Jinja plugins once on the controller, before the first task
description:
  - Speed only; it changes no result. Its only output is Ansible's own warning when a plugin file of a collection it
    loads fails to import, which a run using that collection would print too.
  - ansible-core runs each task of each host in a process forked from C(ansible-playbook), and each of those
    processes loads again every filter and test plugin its templates use (ansible-core 2.19 loads all of
    C(ansible.builtin)'s at the first one). Loaded once in C(ansible-playbook) before the first task, they are
    inherited by every forked process instead.
  - Loads, when the playbook starts, C(ansible.builtin)'s filters and tests, every filter, test and lookup of
    this collection, and the plugins named in O(plugins).
  - "Measured on a converged full ML host (C(benchmarks/ml-host), no-change check, medians of 3): over SSH the
    controller's CPU-seconds from 14.0 to 10.3 and the wall time from 20.8 to 17.1 s; under Mitogen from 13.9 to
    11.7 and from 15.2 to 12.9 s (C(benchmarks/README.md) in the collection's repository)."
  - A plugin that does not load (its collection is not installed) is skipped, saying so with C(-vvv); the task that
    uses it fails as it would without this callback.
  - Enable it with C(callbacks_enabled = mlops.hosts.preload) (this collection's C(ansible.cfg) does), or
    C(ANSIBLE_CALLBACKS_ENABLED). It works under Mitogen's strategies too.
version_added: 0.8.0
requirements:
  - enabled in the configuration
options:
  plugins:
    description:
      - Filter, test and lookup plugins of other collections to load as well, by fully qualified name.
      - The default is the one the roles use, C(community.crypto.x509_certificate_info), which imports
        C(cryptography).
    type: list
    elements: str
    default: [community.crypto.x509_certificate_info]
    env:
      - name: MLOPS_PRELOAD_PLUGINS
    ini:
      - section: callback_preload
        key: plugins
"""

import importlib.util
import pathlib

from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import filter_loader, lookup_loader, test_loader

_COLLECTION = 'mlops.hosts'
_PLUGINS = pathlib.Path(__file__).resolve().parent.parent


def collection_plugins(plugins_dir: pathlib.Path = _PLUGINS) -> list[str]:
    """The fully qualified names of the collection's filter, test and lookup plugins.

    A filter or test file may hold several plugins; each is named by a documentation file (``<name>.yml``) or,
    for a lookup, by its own file. Returns a sorted list; an empty one when the directories are missing.
    """
    names = set()
    for kind, pattern in (('filter', '*.yml'), ('test', '*.yml'), ('lookup', '*.py')):
        directory = plugins_dir / kind
        if directory.is_dir():
            names.update(f'{_COLLECTION}.{path.stem}' for path in directory.glob(pattern)
                         if not path.stem.startswith('_'))
    return sorted(names)


def preload(names: list[str], warn=None) -> list[str]:
    """Load ansible.builtin's filters and tests, then each named plugin (filter, test or lookup).

    Returns the names that loaded as none of the three kinds; warn(message), when given, is called for each.
    """
    list(filter_loader.all())
    list(test_loader.all())
    missing = [name for name in names if not _load(name)]
    for name in missing:
        if warn:
            warn(f'mlops.hosts.preload: {name} did not load; the tasks using it load it themselves')
    return missing


def _load(name: str) -> bool:
    """Whether the plugin loads as a filter, a test or a lookup (a failure to load counts as not found)."""
    namespace, collection = (name.split('.') + ['', ''])[:2]
    try:
        if importlib.util.find_spec(f'ansible_collections.{namespace}.{collection}') is None:
            return False
    except ImportError:
        return False
    for loader in (filter_loader, test_loader, lookup_loader):
        try:
            if loader.get(name, class_only=True) is not None:
                return True
        except Exception:  # noqa: BLE001  # pylint: disable=broad-exception-caught
            continue
    return False


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'mlops.hosts.preload'
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook):
        preload(collection_plugins() + list(self.get_option('plugins') or []), warn=self._display.vvv)
