# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mlops.hosts.preload: what it loads, and that a process forked after it finds the plugins loaded.

Ansible's plugin loaders need its collection finder, which the unit tests' plain import of the collection does not
install: the tests that load plugins run in a fresh interpreter, as ansible-playbook does.
"""

from __future__ import annotations

import importlib
import json
import os
import pathlib
import subprocess
import sys
import textwrap

from ansible_collections.mlops.hosts.plugins.callback import preload

_PLUGINS = pathlib.Path(preload.__file__).resolve().parent.parent
_COLLECTIONS = pathlib.Path(__file__).resolve().parents[4] / '.build' / 'collections'

_SCRIPT = textwrap.dedent('''
    import json, multiprocessing, sys
    from ansible.plugins.loader import filter_loader, init_plugin_loader, test_loader
    init_plugin_loader()
    from ansible_collections.mlops.hosts.plugins.callback import preload

    def state():
        # What a task's worker finds when it starts: the state forked from ansible-playbook.
        return {'filters': len(filter_loader._cached_non_collection_wrappers),
                'tests': len(test_loader._cached_non_collection_wrappers),
                'problems': 'ansible_collections.mlops.hosts.plugins.filter.problems' in sys.modules,
                'crypto': 'ansible_collections.community.crypto.plugins.filter.x509_certificate_info' in sys.modules}

    def child(queue):
        queue.put(state())

    warnings = []
    missing = preload.preload(json.loads(sys.argv[1]), warn=warnings.append) if sys.argv[1] != 'none' else None
    context = multiprocessing.get_context('fork')
    queue = context.Queue()
    process = context.Process(target=child, args=(queue,))
    process.start()
    forked = queue.get(timeout=60)
    process.join(timeout=60)
    print(json.dumps({'missing': missing, 'warnings': warnings, 'forked': forked}))
''')


def _run(names) -> dict:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=f'{_COLLECTIONS}{os.pathsep}{os.environ.get("ANSIBLE_COLLECTIONS_PATH", "")}')
    argument = 'none' if names is None else json.dumps(names)
    proc = subprocess.run([sys.executable, '-c', _SCRIPT, argument], env=env, capture_output=True, text=True,
                          check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _exported(kind: str, method: str) -> set[str]:
    """Every plugin name the collection's files of that kind export."""
    names = set()
    for path in (_PLUGINS / kind).glob('*.py'):
        module = importlib.import_module(f'ansible_collections.mlops.hosts.plugins.{kind}.{path.stem}')
        plugin_class = getattr(module, 'FilterModule' if kind == 'filter' else 'TestModule')
        names.update(f'mlops.hosts.{name}' for name in getattr(plugin_class(), method)())
    return names


def test_collection_plugins_names_every_filter_test_and_lookup():
    names = set(preload.collection_plugins())
    assert _exported('filter', 'filters') <= names
    assert _exported('test', 'tests') <= names
    assert 'mlops.hosts.template' in names


def test_collection_plugins_of_a_missing_directory_is_empty(tmp_path):
    assert not preload.collection_plugins(tmp_path)


def test_a_process_forked_after_it_inherits_the_loaded_plugins():
    result = _run(preload.collection_plugins() + ['community.crypto.x509_certificate_info'])
    assert result['missing'] == []
    forked = result['forked']
    assert forked['filters'] > 50 and forked['tests'] > 20
    assert forked['problems'] and forked['crypto']


def test_without_it_a_forked_process_loads_them_itself():
    # The baseline the test above is measured against: nothing loaded before the fork.
    forked = _run(None)['forked']
    assert forked['filters'] == 0 and forked['tests'] == 0
    assert not forked['problems'] and not forked['crypto']


def test_a_plugin_that_does_not_load_is_reported_and_skipped():
    result = _run(['mlops.hosts.problems', 'nosuch.collection.filter', 'mlops.hosts.nosuch'])
    assert result['missing'] == ['nosuch.collection.filter', 'mlops.hosts.nosuch']
    assert len(result['warnings']) == 2 and 'nosuch.collection.filter' in result['warnings'][0]
    assert result['forked']['problems']
