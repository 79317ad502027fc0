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
  - Parses once the module utilities every module sends. For each module a run uses, a forked process reads and
    parses (Python's C(ast)) the module and every module utility it imports, C(ansible.module_utils.basic) and its
    dozens of imports included, to build the payload it sends to the hosts (AnsiballZ; the payload is kept for the
    rest of the run, not for the next). When the playbook starts, the callback parses what every payload holds
    (C(ansible.module_utils.basic) and its imports, the payload's loader and serialization profiles) and this
    collection's module utilities, and the forked processes use those parses, and the imports found in them, for
    files of the same content. A no-change check of a converged JupyterHub host (10 modules)
    parsed 39 files instead of 663. The payloads are the same; only how ansible-core finds a payload's imports is
    cached, by the files' content. Under Mitogen's strategies, which build their payloads otherwise, it does
    nothing.
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

from ansible.executor import module_common

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


def cache_module_parses(sources: list[tuple[str, pathlib.Path, bool]]) -> int:
    """Make ansible-core keep, by content, its parse of module sources (``module_common._compile_module_ast``) and
    the imports it finds in each (``module_common.ModuleDepFinder``), then parse ``sources`` (dotted name, file,
    whether it is a package's ``__init__``) and the module utilities of ``ansible.module_utils`` they import, as a
    payload's build would. Processes forked afterwards inherit both.

    Returns the number of sources parsed; 0 when this ansible-core lacks either (nothing is changed) or they are
    cached already. A file that does not parse is left to the run, which reports it as it would without this.
    """
    parse = getattr(module_common, '_compile_module_ast', None)
    finder = getattr(module_common, 'ModuleDepFinder', None)
    if parse is None or finder is None or getattr(parse, 'mlops_parses', None) is not None:
        return 0
    parses: dict[object, object] = {}
    # Every parse is kept in `parses` for the life of the process, so its id() names it.
    kept_ids: set[int] = set()
    found: dict[tuple[str, int, bool], dict[str, object]] = {}

    def cached_parse(module_name, source_code):
        key = bytes(source_code) if isinstance(source_code, (bytes, bytearray)) else str(source_code)
        tree = parses.get(key)
        if tree is None:
            tree = parses[key] = parse(module_name, source_code)
            kept_ids.add(id(tree))
        return tree

    finder_init = finder.__init__

    def cached_finder_init(self, module_fqn, tree, is_pkg_init=False, *args, **kwargs):
        key = (module_fqn, id(tree), bool(is_pkg_init))
        if args or kwargs or id(tree) not in kept_ids or key not in found:
            finder_init(self, module_fqn, tree, is_pkg_init, *args, **kwargs)
            if not (args or kwargs) and id(tree) in kept_ids:
                found[key] = dict(vars(self))
            return
        # Whatever the original's visit of this tree set, its sets of imports as copies.
        vars(self).update({name: set(value) if isinstance(value, set) else value for name, value in found[key].items()})

    cached_parse.mlops_parses = parses
    module_common._compile_module_ast = cached_parse
    finder.__init__ = cached_finder_init
    utils_root = _utils_root()
    queue = list(sources)
    seen: set[pathlib.Path] = set()
    while queue:
        name, path, is_pkg = queue.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        try:
            tree = cached_parse(name, path.read_bytes())
        except Exception:  # noqa: BLE001  # pylint: disable=broad-exception-caught
            continue
        for parts in finder(name, tree, is_pkg).submodules:
            queue.extend(_module_utils_file(utils_root, parts))
    return len(seen)


def _utils_root() -> pathlib.Path:
    """The directory of ansible-core's ansible.module_utils."""
    return pathlib.Path(module_common.__file__).resolve().parent.parent / 'module_utils'


def _module_utils_file(utils_root: pathlib.Path, parts: tuple[str, ...]) -> list[tuple[str, pathlib.Path, bool]]:
    """The file of an import of ansible.module_utils (the module itself, or the module an imported name is in), and
    the ``__init__`` of each package above it, which a payload holds too."""
    if parts[:2] != ('ansible', 'module_utils'):
        return []
    for end in (len(parts), len(parts) - 1):
        relative = parts[2:end]
        if not relative:
            continue
        package = utils_root.joinpath(*relative, '__init__.py')
        module = utils_root.joinpath(*relative[:-1], relative[-1] + '.py')
        if package.is_file() or module.is_file():
            ancestors = [('.'.join(parts[:2 + depth]), utils_root.joinpath(*relative[:depth], '__init__.py'), True)
                         for depth in range(1, len(relative))]
            found = (package, True) if package.is_file() else (module, False)
            return [('.'.join(parts[:end]), *found)] + ancestors
    return []


def module_sources(plugins_dir: pathlib.Path = _PLUGINS) -> list[tuple[str, pathlib.Path, bool]]:
    """What every payload holds (``ansible.module_utils.basic``, the payload's loader and its serialization
    profiles, which ansible-core adds to each), and this collection's module utilities."""
    utils_root = _utils_root()
    sources = [('ansible.module_utils.basic', utils_root / 'basic.py', False)]
    for directory in ('_internal/_ansiballz', '_internal/_json/_profiles'):
        for path in sorted((utils_root / directory).glob('*.py')):
            parts = path.relative_to(utils_root).with_suffix('').parts
            is_pkg = parts[-1] == '__init__'
            sources.append(('.'.join(('ansible', 'module_utils') + (parts[:-1] if is_pkg else parts)), path, is_pkg))
    prefix = f"ansible_collections.{_COLLECTION}.plugins.module_utils"
    sources.extend((f'{prefix}.{path.stem}', path, False) for path in sorted((plugins_dir / 'module_utils').glob('*.py'))
                   if path.stem != '__init__')
    return sources


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'mlops.hosts.preload'
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook):
        preload(collection_plugins() + list(self.get_option('plugins') or []), warn=self._display.vvv)
        parsed = cache_module_parses(module_sources())
        self._display.vvvv(f'mlops.hosts.preload: parsed {parsed} module sources for the payloads of the run')
