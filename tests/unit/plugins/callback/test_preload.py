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

# How long a script may take: a guard against a hang, not a measure. make test runs the unit tests on idle CPU only
# (tests/all.sh: cpu.idle beside Molecule), where a process can wait minutes for a core: CI's run of 2026-12-07 stopped
# three of these scripts at the 120 s they had, one of them after it had printed its result.
_PATIENCE_S = 1800

# Both scripts end in a process forked as ansible-playbook forks a task's worker, which reports what it found.
_FORKED = textwrap.dedent('''
    import multiprocessing

    def in_forked_child(target):
        context = multiprocessing.get_context('fork')
        queue = context.Queue()
        process = context.Process(target=target, args=(queue,))
        process.start()
        found = queue.get(timeout=%d)
        process.join()
        return found
''' % (_PATIENCE_S // 2))

_SCRIPT = _FORKED + textwrap.dedent('''
    import importlib.util, json, os, sys
    from ansible.plugins.loader import callback_loader, filter_loader, init_plugin_loader, test_loader
    init_plugin_loader()

    def state():
        # What a task's worker finds when it starts: the state forked from ansible-playbook.
        return {'filters': len(filter_loader._cached_non_collection_wrappers),
                'tests': len(test_loader._cached_non_collection_wrappers),
                'problems': 'ansible_collections.mlops.hosts.plugins.filter.problems' in sys.modules,
                'crypto': 'ansible_collections.community.crypto.plugins.filter.x509_certificate_info' in sys.modules}

    def child(queue):
        queue.put(state())

    warnings = []
    if sys.argv[1] == 'callback':
        # As ansible-playbook runs it: found by the callback loader, its options set, its hook called.
        callback = callback_loader.get('mlops.hosts.preload')
        callback.set_options()
        callback._display.vvv = warnings.append
        callback.v2_playbook_on_start(None)
        missing = None
    elif sys.argv[1] != 'none':
        from ansible_collections.mlops.hosts.plugins.callback import preload
        missing = preload.preload(json.loads(sys.argv[1]), warn=warnings.append)
    else:
        missing = None
    forked = in_forked_child(child)
    try:
        crypto = importlib.util.find_spec('ansible_collections.community.crypto') is not None
    except ImportError:
        crypto = False
    print(json.dumps({'missing': missing, 'warnings': warnings, 'forked': forked, 'crypto_installed': crypto}))
''')


def _python(script: str, argument: str, extra_env=None) -> dict:
    """The JSON a script prints last, run in a fresh interpreter that finds this collection."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=f'{_COLLECTIONS}{os.pathsep}{os.environ.get("ANSIBLE_COLLECTIONS_PATH", "")}')
    env.update(extra_env or {})
    proc = subprocess.run([sys.executable, '-c', script, argument], env=env, capture_output=True, text=True,
                          check=False, timeout=_PATIENCE_S)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _run(names, extra_env=None) -> dict:
    """names: the plugins preload() loads, 'callback' for the callback as ansible-playbook runs it, None for nothing."""
    argument = 'none' if names is None else names if names == 'callback' else json.dumps(names)
    return _python(_SCRIPT, argument, extra_env)


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


def test_a_process_forked_after_the_callback_inherits_the_loaded_plugins():
    result = _run('callback')
    forked = result['forked']
    assert forked['filters'] > 50 and forked['tests'] > 20
    assert forked['problems']
    # Its default option names community.crypto's filter, which the roles use; the lowest and newest ansible-core's
    # test environments have ansible-core alone, without that collection.
    if result['crypto_installed']:
        assert forked['crypto'] and result['warnings'] == []
    else:
        assert not forked['crypto']
        assert result['warnings'] == ['mlops.hosts.preload: community.crypto.x509_certificate_info did not load; '
                                      'the tasks using it load it themselves']


def test_the_callback_loads_the_plugins_its_option_names():
    result = _run('callback', {'MLOPS_PRELOAD_PLUGINS': 'mlops.hosts.problems,nosuch.collection.filter'})
    assert result['forked']['problems'] and not result['forked']['crypto']
    assert result['warnings'] == ['mlops.hosts.preload: nosuch.collection.filter did not load; '
                                  'the tasks using it load it themselves']


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


_PAYLOADS = _FORKED + textwrap.dedent('''
    import datetime, hashlib, io, json, pathlib, sys, zipfile
    from ansible.plugins.loader import init_plugin_loader
    init_plugin_loader()
    from ansible.executor import module_common
    from ansible._internal._ansiballz import _builder
    from ansible_collections.mlops.hosts.plugins.callback import preload
    import ansible.modules

    MODULES = {'ansible.modules.ping': pathlib.Path(ansible.modules.__file__).parent / 'ping.py',
               'ansible.modules.apt': pathlib.Path(ansible.modules.__file__).parent / 'apt.py',
               'ansible_collections.mlops.hosts.plugins.modules.python_envs':
                   pathlib.Path(preload.__file__).parent.parent / 'modules' / 'python_envs.py'}
    parses = []
    if sys.argv[1] == 'cached':
        sources = preload.cache_module_parses(preload.module_sources())
        cache = module_common._compile_module_ast.mlops_parses
        count = lambda: len(cache)
    else:
        sources = 0
        parse = module_common._compile_module_ast
        def counted(name, source):
            parses.append(name)
            return parse(name, source)
        module_common._compile_module_ast = counted
        count = lambda: len(parses)

    def child(queue):
        # A task's worker: forked after the callback ran, it builds the payloads.
        before = count()
        payloads = {}
        for fqn, path in MODULES.items():
            zf = zipfile.ZipFile(io.BytesIO(), 'w')
            module_common.recursive_finder(path.stem, fqn, path.read_bytes(), zf, datetime.datetime(2020, 1, 1),
                                           _builder.ExtensionManager.create(task_vars={}))
            names = sorted(zf.namelist())
            payloads[fqn] = [len(names), hashlib.sha256(repr([(n, zf.read(n)) for n in names]).encode()).hexdigest()]
        queue.put({'payloads': payloads, 'parses': count() - before})

    result = in_forked_child(child)
    result['sources'] = sources
    print(json.dumps(result))
''')


def _payloads(mode: str) -> dict:
    return _python(_PAYLOADS, mode)


def test_a_forked_process_builds_the_same_payloads_from_the_cached_parses():
    """The payloads (every file, every byte) are those ansible-core builds alone, and a worker forked after the
    callback parses little more than the modules themselves instead of every module utility they import."""
    if not hasattr(importlib.import_module('ansible.executor.module_common'), '_compile_module_ast'):
        import pytest  # pylint: disable=import-outside-toplevel
        pytest.skip('this ansible-core builds payloads without _compile_module_ast: the callback leaves them alone')
    alone, cached = _payloads('alone'), _payloads('cached')
    assert cached['payloads'] == alone['payloads']
    assert all(payload[0] > 20 for payload in alone['payloads'].values()), alone['payloads']
    assert alone['parses'] > 100, alone
    # The three modules, the empty package stub of ansible_collections, and what apt imports beyond basic's imports.
    assert cached['parses'] < 10 and cached['parses'] * 10 < alone['parses'] and cached['sources'] > 40, (cached, alone)
