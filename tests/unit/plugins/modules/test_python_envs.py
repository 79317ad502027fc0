# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for mlops.hosts.python_envs: real directories below tmp_path, commands faked."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil

import pytest

from ansible_collections.mlops.hosts.plugins.modules import python_envs
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import GROUP, USER, FakeCommands, file_mode, run_module, tree

PROBE = 'import sys, platform; print(platform.python_implementation(), "%d.%d" % sys.version_info[:2])'
PIP_FLAGS = ['--disable-pip-version-check', '--no-input']
MARKER = '.mlops-python-env.json'
FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures', 'python_envs')
NO_DRIFT = {'missing': [], 'added': [], 'changed': []}


def site_packages(real):
    return os.path.join(real, 'lib', 'python3.11', 'site-packages')


def dist_info(real, name, version):
    """Installs name-version.dist-info in the environment at real, as a wheel install leaves it."""
    path = os.path.join(site_packages(real), '%s-%s.dist-info' % (name, version))
    os.makedirs(path)
    with open(os.path.join(path, 'METADATA'), 'w', encoding='utf-8') as handle:
        handle.write('Metadata-Version: 2.1\nName: %s\nVersion: %s\n\nDescription\n' % (name, version))


def remove_dist(real, name):
    """Removes every *.dist-info of name (any spelling) from the environment at real, as pip uninstall does."""
    canonical = re.sub(r'[-_.]+', '-', name).lower()
    site = site_packages(real)
    for entry in os.listdir(site):
        if entry.endswith('.dist-info') and re.sub(r'[-_.]+', '-', entry.split('-')[0]).lower() == canonical:
            shutil.rmtree(os.path.join(site, entry))


def dist_infos(real):
    return sorted(entry for entry in os.listdir(site_packages(real)) if entry.endswith('.dist-info'))


class FakeHost(FakeCommands):
    """Records run_command calls and imitates venv creation, installs, uninstalls and pip list.

    A venv gets lib/python3.11/site-packages (and lib64 -> lib as venv makes it), with pip for
    `python -m venv`; an install from the declaration adds the dist-info directories of self.resolved;
    an install with --no-deps (a repair) puts exactly its pins in place unless self.inert; an uninstall
    removes the dist-info directories of the names it is given.
    """

    def __init__(self):
        super().__init__()
        self.requirements = []  # content of every -r file at the time the installer ran
        self.constraints = []  # content of every -c file of an install at the time the installer ran
        self.probe = (0, 'CPython 3.11\n', '')
        self.listed = [{'name': 'pandas', 'version': '2.2.3'}, {'name': 'PyYAML', 'version': '6.0.2'}]
        self.resolved = [('pandas', '2.2.3'), ('PyYAML', '6.0.2')]
        self.inert = False  # repairs report success but change nothing
        self.failures = []  # (predicate(argv), (rc, stdout, stderr))
        self.uv = None

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        self.record(module, args, environ_update, kwargs)
        assert not check_rc
        if '-r' in args:
            with open(args[args.index('-r') + 1], encoding='utf-8') as handle:
                self.requirements.append(handle.read())
        if 'install' in args and '-c' in args:  # not the probe's python -c
            with open(args[args.index('-c') + 1], encoding='utf-8') as handle:
                self.constraints.append(handle.read())
        for predicate, result in self.failures:
            if predicate(args):
                return result
        if args[1:3] == ['-c', PROBE]:
            return self.probe
        if args[1:3] == ['-m', 'venv'] or args[1:2] == ['venv']:
            self._make_venv(args[-1], with_pip=args[1:2] != ['venv'])
        elif 'install' in args and '--upgrade' not in args:
            self._install(args)
        elif 'uninstall' in args:
            real = self._target(args)
            for name in args[args.index('-y') + 1 if '-y' in args else args.index('--python') + 2:]:
                remove_dist(real, name)
        if 'list' in args:
            return 0, json.dumps(self.listed), ''
        return 0, '', ''

    @staticmethod
    def _target(args):
        """The versioned directory a pip or uv command works on."""
        python = args[args.index('--python') + 1] if '--python' in args else args[0]
        return os.path.dirname(os.path.dirname(python))

    def _install(self, args):
        real = self._target(args)
        if '--no-deps' not in args:
            for name, version in self.resolved:
                dist_info(real, name, version)
        elif not self.inert:
            for pin in args[args.index('--no-deps') + 1:]:
                name, version = pin.split('==')
                remove_dist(real, name)
                dist_info(real, name, version)

    @staticmethod
    def _make_venv(directory, with_pip):
        os.makedirs(os.path.join(directory, 'bin'))
        with open(os.path.join(directory, 'bin', 'python'), 'w', encoding='utf-8') as handle:
            handle.write('#!/bin/sh\n')
        with open(os.path.join(directory, 'pyvenv.cfg'), 'w', encoding='utf-8') as handle:
            handle.write('home = /usr/bin\n')
        os.makedirs(site_packages(directory))
        os.symlink('lib', os.path.join(directory, 'lib64'))
        if with_pip:
            dist_info(directory, 'pip', '24.0')

    def get_bin_path(self, module, arg, required=False, opt_dirs=None):
        return self.uv if arg == 'uv' else None


@pytest.fixture
def host(monkeypatch):
    return FakeHost().install(monkeypatch)


@pytest.fixture
def python(tmp_path):
    """An interpreter that exists (its output is faked by FakeHost)."""
    path = tmp_path / 'usr' / 'bin' / 'python3'
    path.parent.mkdir(parents=True)
    path.write_text('#!/bin/sh\n')
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def envs_dir(tmp_path):
    path = tmp_path / 'envs'
    path.mkdir()
    return path


def _env(envs_dir, python, name='datascience', **kwargs):
    item = dict(name=name, path=str(envs_dir / name), python=python, owner=USER, group=GROUP)
    item.update(kwargs)
    return item


def _args(envs, tmp_path, check=False, diff=False, **kwargs):
    args = dict(envs=envs, _ansible_check_mode=check, _ansible_diff=diff,
                _ansible_remote_tmp=str(tmp_path / 'remote_tmp'))
    args.update(kwargs)
    return args


def run(envs, tmp_path, **kwargs):
    return run_module(python_envs, _args(envs, tmp_path, **kwargs))


def run_failing(envs, tmp_path, **kwargs):
    return run_module(python_envs, _args(envs, tmp_path, **kwargs), fails=True)


def _fingerprint(packages=(), requirements='', installer='pip', pip_args=(), system_site_packages=False,
                 upgrade_pip=False, implementation='CPython', version='3.11', constraints=''):
    declaration = dict(python=dict(implementation=implementation, version=version), packages=list(packages),
                       requirements=requirements, installer=installer, pip_args=list(pip_args),
                       system_site_packages=system_site_packages, upgrade_pip=upgrade_pip)
    if constraints:  # part of the declaration only when set, as the module does
        declaration['constraints'] = constraints
    return hashlib.sha256(json.dumps(declaration, sort_keys=True, separators=(',', ':')).encode()).hexdigest()


def _versioned(envs_dir, fingerprint, name='datascience'):
    return str(envs_dir / ('.%s-%s' % (name, fingerprint[:12])))


def _marker(directory):
    with open(os.path.join(directory, MARKER), encoding='utf-8') as handle:
        return json.load(handle)


# --------------------------------------------------------------------------- build / no-op


def test_first_build(host, tmp_path, envs_dir, python):
    result = run([_env(envs_dir, python, packages=['pandas==2.2.3'], requirements='numpy==2.1.3\n')], tmp_path)

    fingerprint = _fingerprint(packages=['pandas==2.2.3'], requirements='numpy==2.1.3\n')
    real = _versioned(envs_dir, fingerprint)
    venv_python = os.path.join(real, 'bin', 'python')
    assert host.commands[:3] == [
        [python, '-c', PROBE],
        [python, '-m', 'venv', real],
        [venv_python, '-m', 'pip', 'install'] + PIP_FLAGS + ['pandas==2.2.3', '-r', host.commands[2][-1]],
    ]
    assert host.commands[3] == [venv_python, '-m', 'pip', 'list', '--format=json', '--disable-pip-version-check']
    assert len(host.commands) == 4
    assert host.requirements == ['numpy==2.1.3\n']
    assert not os.path.exists(host.commands[2][-1])  # temporary requirements file removed
    assert all(env.get('LC_ALL') == 'C' for env in host.environ)

    link = envs_dir / 'datascience'
    assert link.is_symlink()
    assert os.readlink(link) == os.path.basename(real)
    assert file_mode(real) == 0o755
    marker = _marker(real)
    assert marker['name'] == 'datascience'
    assert marker['fingerprint'] == fingerprint
    assert marker['installed'] == {'pandas': '2.2.3', 'pyyaml': '6.0.2'}
    assert marker['declaration']['packages'] == ['pandas==2.2.3']
    assert marker['declaration']['requirements'] == 'numpy==2.1.3\n'
    assert marker['python'] == {'path': python, 'implementation': 'CPython', 'version': '3.11'}

    assert result['changed'] is True
    assert marker['distributions'] == {'pandas': '2.2.3', 'pip': '24.0', 'pyyaml': '6.0.2'}
    assert result['envs'] == [{
        'name': 'datascience', 'path': str(link), 'real_path': real, 'fingerprint': fingerprint,
        'changed': True, 'rebuilt': True, 'repaired': False, 'installed': {'pandas': '2.2.3', 'pyyaml': '6.0.2'},
        'content_drift': NO_DRIFT,
    }]
    assert sorted(os.listdir(envs_dir)) == ['.datascience-' + fingerprint[:12], 'datascience']


def test_second_run_runs_only_the_probe(host, tmp_path, envs_dir, python):
    envs = [_env(envs_dir, python, packages=['pandas==2.2.3'], requirements='numpy==2.1.3\n')]
    first = run(envs, tmp_path)
    before = tree(envs_dir)
    host.commands.clear()

    result = run(envs, tmp_path)

    assert host.commands == [[python, '-c', PROBE]]
    assert tree(envs_dir) == before
    assert result['changed'] is False
    assert result['envs'][0]['changed'] is False
    assert result['envs'][0]['rebuilt'] is False
    assert result['envs'][0]['real_path'] == first['envs'][0]['real_path']
    assert result['envs'][0]['installed'] == {'pandas': '2.2.3', 'pyyaml': '6.0.2'}


def test_interpreter_probed_once_for_several_envs(host, tmp_path, envs_dir, python):
    envs = [_env(envs_dir, python, name='a', packages=['six==1.16.0']),
            _env(envs_dir, python, name='b', packages=['six==1.17.0'])]
    run(envs, tmp_path)
    host.commands.clear()

    result = run(envs, tmp_path)

    assert host.commands == [[python, '-c', PROBE]]
    assert [env['changed'] for env in result['envs']] == [False, False]
    assert os.readlink(envs_dir / 'a') != os.readlink(envs_dir / 'b')


def test_changed_packages_rebuild_and_swap(host, tmp_path, envs_dir, python):
    first = run([_env(envs_dir, python, packages=['pandas==2.2.2'])], tmp_path)
    old = first['envs'][0]['real_path']
    host.commands.clear()

    result = run([_env(envs_dir, python, packages=['pandas==2.2.3'])], tmp_path, diff=True)

    new = _versioned(envs_dir, _fingerprint(packages=['pandas==2.2.3']))
    assert new != old
    assert result['changed'] is True
    assert result['envs'][0]['rebuilt'] is True
    assert result['envs'][0]['real_path'] == new
    assert os.readlink(envs_dir / 'datascience') == os.path.basename(new)
    assert not os.path.exists(old)
    assert _marker(new)['declaration']['packages'] == ['pandas==2.2.3']
    assert [cmd[1:3] for cmd in host.commands[:2]] == [['-c', PROBE], ['-m', 'venv']]
    assert host.commands[1][-1] == new
    assert sorted(os.listdir(envs_dir)) == [os.path.basename(new), 'datascience']
    diff = result['diff']
    assert len(diff) == 1
    assert diff[0]['before_header'] == str(envs_dir / 'datascience')
    assert json.loads(diff[0]['before'])['declaration']['packages'] == ['pandas==2.2.2']
    assert json.loads(diff[0]['before'])['real_path'] == old
    assert json.loads(diff[0]['after'])['declaration']['packages'] == ['pandas==2.2.3']
    assert json.loads(diff[0]['after'])['real_path'] == new


@pytest.mark.parametrize('option, value', [
    ('requirements', 'numpy==2.1.3\n'),
    ('constraints', 'six==1.16.0\n'),
    ('pip_args', ['--index-url', 'https://pypi.example.com/simple']),
    ('system_site_packages', True),
    ('upgrade_pip', True),
])
def test_every_part_of_the_declaration_triggers_a_rebuild(host, tmp_path, envs_dir, python, option, value):
    first = run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)
    result = run([_env(envs_dir, python, packages=['six==1.16.0'], **{option: value})], tmp_path)

    assert result['envs'][0]['rebuilt'] is True
    assert result['envs'][0]['fingerprint'] != first['envs'][0]['fingerprint']
    assert not os.path.exists(first['envs'][0]['real_path'])


def test_new_interpreter_version_triggers_a_rebuild(host, tmp_path, envs_dir, python):
    first = run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)
    host.probe = (0, 'CPython 3.12\n', '')

    result = run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)

    assert result['envs'][0]['rebuilt'] is True
    assert result['envs'][0]['fingerprint'] == _fingerprint(packages=['six==1.16.0'], version='3.12')
    assert not os.path.exists(first['envs'][0]['real_path'])


def test_pip_options_argv(host, tmp_path, envs_dir, python):
    result = run([_env(envs_dir, python, packages=['six==1.16.0'], pip_args=['--index-url', 'https://idx/simple'],
                       upgrade_pip=True, system_site_packages=True)], tmp_path)

    real = result['envs'][0]['real_path']
    venv_python = os.path.join(real, 'bin', 'python')
    assert host.commands[1:4] == [
        [python, '-m', 'venv', '--system-site-packages', real],
        [venv_python, '-m', 'pip', 'install'] + PIP_FLAGS + ['--index-url', 'https://idx/simple', '--upgrade', 'pip'],
        [venv_python, '-m', 'pip', 'install'] + PIP_FLAGS + ['--index-url', 'https://idx/simple', 'six==1.16.0'],
    ]
    assert host.requirements == []


def test_empty_env_skips_install(host, tmp_path, envs_dir, python):
    result = run([_env(envs_dir, python)], tmp_path)

    assert [cmd[1:4] for cmd in host.commands] == [
        ['-c', PROBE], ['-m', 'venv', result['envs'][0]['real_path']], ['-m', 'pip', 'list']]


def test_owner_group_mode_change_does_not_rebuild(host, tmp_path, envs_dir, python):
    first = run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)
    real = first['envs'][0]['real_path']
    host.commands.clear()

    result = run([_env(envs_dir, python, packages=['six==1.16.0'], mode='0750')], tmp_path)

    assert host.commands == [[python, '-c', PROBE]]
    assert result['changed'] is True
    assert result['envs'][0]['rebuilt'] is False
    assert file_mode(real) == 0o750
    assert os.readlink(envs_dir / 'datascience') == os.path.basename(real)


def test_missing_link_is_restored_without_rebuild(host, tmp_path, envs_dir, python):
    first = run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)
    os.unlink(envs_dir / 'datascience')
    host.commands.clear()

    result = run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)

    assert host.commands == [[python, '-c', PROBE]]
    assert result['changed'] is True
    assert result['envs'][0]['rebuilt'] is False
    assert os.readlink(envs_dir / 'datascience') == os.path.basename(first['envs'][0]['real_path'])


def test_interrupted_build_is_removed_and_rebuilt(host, tmp_path, envs_dir, python):
    real = _versioned(envs_dir, _fingerprint(packages=['six==1.16.0']))
    os.makedirs(os.path.join(real, 'lib'))  # no marker: a build that never finished
    with open(os.path.join(real, 'lib', 'partial'), 'w', encoding='utf-8') as handle:
        handle.write('x')

    result = run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)

    assert result['envs'][0]['rebuilt'] is True
    assert not os.path.exists(os.path.join(real, 'lib', 'partial'))
    assert _marker(real)['fingerprint'] == result['envs'][0]['fingerprint']


def test_leftover_versioned_dir_is_pruned(host, tmp_path, envs_dir, python):
    run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)
    leftover = envs_dir / '.datascience-0123456789ab'
    leftover.mkdir()

    result = run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)

    assert result['changed'] is True
    assert result['envs'][0]['rebuilt'] is False
    assert not leftover.exists()


def test_missing_parent_directory_is_created(host, tmp_path, python):
    parent = tmp_path / 'opt' / 'mlops' / 'envs'
    result = run([_env(parent, python, packages=['six==1.16.0'])], tmp_path)

    assert os.readlink(parent / 'datascience') == os.path.basename(result['envs'][0]['real_path'])


# --------------------------------------------------------------------------- failures


def test_install_failure_keeps_the_old_env(host, tmp_path, envs_dir, python):
    first = run([_env(envs_dir, python, packages=['pandas==2.2.2'])], tmp_path)
    before = tree(envs_dir)
    host.failures.append((lambda argv: 'install' in argv,
                          (1, 'Collecting pandas==99\n', 'ERROR: No matching distribution found for pandas==99\n')))

    result = run_failing([_env(envs_dir, python, packages=['pandas==99'])], tmp_path)

    new = _versioned(envs_dir, _fingerprint(packages=['pandas==99']))
    assert host.commands[-2][-1] == new  # the venv was created ...
    assert not os.path.exists(new)  # ... and removed again
    assert tree(envs_dir) == before
    assert os.readlink(envs_dir / 'datascience') == os.path.basename(first['envs'][0]['real_path'])
    assert 'rc=1' in result['msg']
    assert 'No matching distribution found for pandas==99' in result['msg']
    assert 'datascience' in result['msg']
    assert result['rc'] == 1
    assert result['cmd'][-1] == 'pandas==99'
    assert 'No matching distribution' in result['stderr']


def test_failed_first_build_leaves_nothing(host, tmp_path, envs_dir, python):
    host.failures.append((lambda argv: argv[1:3] == ['-m', 'venv'], (1, '', 'Error: ensurepip is not available\n')))

    result = run_failing([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)

    assert os.listdir(envs_dir) == []
    assert 'ensurepip is not available' in result['msg']


def test_error_output_is_truncated(host, tmp_path, envs_dir, python):
    host.failures.append((lambda argv: 'install' in argv, (2, '', 'x' * 10000 + 'THE END')))

    result = run_failing([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)

    assert result['msg'].endswith('THE END')
    assert len(result['stderr']) <= 4000
    assert len(result['msg']) < 4500


def test_unreadable_pip_list_fails_and_cleans_up(host, tmp_path, envs_dir, python):
    host.failures.append((lambda argv: 'list' in argv, (0, 'not json', '')))

    result = run_failing([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)

    assert os.listdir(envs_dir) == []
    assert 'installed packages' in result['msg']


def test_probe_failure_fails(host, tmp_path, envs_dir, python):
    host.probe = (1, '', 'Segmentation fault\n')

    result = run_failing([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)

    assert 'Segmentation fault' in result['msg']
    assert os.listdir(envs_dir) == []


# --------------------------------------------------------------------------- check mode


def test_check_mode_first_build(host, tmp_path, envs_dir, python):
    result = run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path, check=True, diff=True)

    fingerprint = _fingerprint(packages=['six==1.16.0'])
    assert host.commands == [[python, '-c', PROBE]]
    assert os.listdir(envs_dir) == []
    assert result['changed'] is True
    assert result['envs'] == [{
        'name': 'datascience', 'path': str(envs_dir / 'datascience'),
        'real_path': _versioned(envs_dir, fingerprint), 'fingerprint': fingerprint,
        'changed': True, 'rebuilt': True, 'repaired': False, 'installed': {}, 'content_drift': NO_DRIFT,
    }]
    assert result['diff'][0]['before'] == ''
    assert json.loads(result['diff'][0]['after'])['declaration']['packages'] == ['six==1.16.0']


def test_check_mode_change_touches_nothing(host, tmp_path, envs_dir, python):
    run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)
    before = tree(envs_dir)
    host.commands.clear()

    result = run([_env(envs_dir, python, packages=['six==1.17.0'])], tmp_path, check=True)

    assert host.commands == [[python, '-c', PROBE]]
    assert tree(envs_dir) == before
    assert result['changed'] is True
    assert result['envs'][0]['rebuilt'] is True
    assert result['envs'][0]['installed'] == {}


def test_check_mode_no_change(host, tmp_path, envs_dir, python):
    run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)

    result = run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path, check=True)

    assert result['changed'] is False
    assert result['envs'][0]['installed'] == {'pandas': '2.2.3', 'pyyaml': '6.0.2'}


def test_missing_interpreter_in_check_mode_is_a_change(host, tmp_path, envs_dir):
    missing = str(tmp_path / 'usr' / 'bin' / 'python3.13')

    result = run([_env(envs_dir, missing, packages=['six==1.16.0'])], tmp_path, check=True, diff=True)

    assert host.commands == []
    assert result['changed'] is True
    assert result['envs'][0]['rebuilt'] is True
    assert result['envs'][0]['fingerprint'] is None
    assert 'does not exist yet' in result['diff'][0]['after']
    assert os.listdir(envs_dir) == []


def test_missing_interpreter_fails_in_run_mode(host, tmp_path, envs_dir, python):
    missing = str(tmp_path / 'usr' / 'bin' / 'python3.13')

    result = run_failing([_env(envs_dir, python, name='first', packages=['six==1.16.0']),
                          _env(envs_dir, missing, packages=['six==1.16.0'])], tmp_path)

    assert 'datascience' in result['msg']
    assert str(envs_dir / 'datascience') in result['msg']
    assert missing in result['msg']
    assert os.listdir(envs_dir) == []  # checked before the first env was built
    assert result['changed'] is False


# --------------------------------------------------------------------------- absent / refusals


def test_absent_removes_link_and_versioned_dirs_only(host, tmp_path, envs_dir, python):
    first = run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)
    leftover = envs_dir / '.datascience-0123456789ab'
    leftover.mkdir()
    keep = [envs_dir / '.datascience-old', envs_dir / 'datascience2', envs_dir / '.datascience2-0123456789ab',
            envs_dir / '.datascience-0123456789abc', envs_dir / '.datascience-0123456789AB']
    for path in keep:
        path.mkdir()
    (envs_dir / '.datascience-fedcba987654').write_text('a file, not a directory')
    host.commands.clear()

    result = run([_env(envs_dir, python, state='absent')], tmp_path, diff=True)

    assert host.commands == []
    assert result['changed'] is True
    assert not os.path.lexists(envs_dir / 'datascience')
    assert not os.path.exists(first['envs'][0]['real_path'])
    assert not leftover.exists()
    assert all(path.is_dir() for path in keep)
    assert (envs_dir / '.datascience-fedcba987654').is_file()
    assert result['envs'] == [{'name': 'datascience', 'path': str(envs_dir / 'datascience'), 'real_path': None,
                               'fingerprint': None, 'changed': True, 'rebuilt': False, 'repaired': False,
                               'installed': {}, 'content_drift': NO_DRIFT}]
    assert result['diff'][0]['after'] == ''
    assert json.loads(result['diff'][0]['before'])['declaration']['packages'] == ['six==1.16.0']

    again = run([_env(envs_dir, python, state='absent')], tmp_path)
    assert again['changed'] is False


def test_absent_in_check_mode_removes_nothing(host, tmp_path, envs_dir, python):
    run([_env(envs_dir, python, packages=['six==1.16.0'])], tmp_path)
    before = tree(envs_dir)

    result = run([_env(envs_dir, python, state='absent')], tmp_path, check=True)

    assert result['changed'] is True
    assert tree(envs_dir) == before


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_real_directory_at_path_is_refused(host, tmp_path, envs_dir, python, state):
    handmade = envs_dir / 'datascience'
    (handmade / 'bin').mkdir(parents=True)
    (handmade / 'bin' / 'python').write_text('precious')
    before = tree(envs_dir)

    result = run_failing([_env(envs_dir, python, packages=['six==1.16.0'], state=state)], tmp_path)

    assert 'real directory' in result['msg']
    assert 'move it away' in result['msg']
    assert tree(envs_dir) == before
    assert host.commands == []


def test_regular_file_at_path_is_refused(host, tmp_path, envs_dir, python):
    (envs_dir / 'datascience').write_text('notes')

    result = run_failing([_env(envs_dir, python)], tmp_path)

    assert 'not a symbolic link' in result['msg']
    assert (envs_dir / 'datascience').read_text() == 'notes'


# --------------------------------------------------------------------------- uv


def test_uv_installer_argv(host, tmp_path, envs_dir, python):
    uv = tmp_path / 'uv'
    uv.write_text('#!/bin/sh\n')
    uv.chmod(0o755)

    result = run([_env(envs_dir, python, installer='uv', packages=['six==1.16.0'], requirements='numpy\n',
                       pip_args=['--index-url', 'https://idx/simple'], upgrade_pip=True)],
                 tmp_path, uv_path=str(uv))

    real = result['envs'][0]['real_path']
    venv_python = os.path.join(real, 'bin', 'python')
    assert host.commands == [
        [python, '-c', PROBE],
        [str(uv), 'venv', '--seed', '--python', python, real],
        [str(uv), 'pip', 'install', '--python', venv_python, '--compile-bytecode', '--index-url', 'https://idx/simple',
         'six==1.16.0', '-r', host.commands[2][-1]],
        [str(uv), 'pip', 'list', '--format', 'json', '--python', venv_python],
    ]
    assert host.requirements == ['numpy\n']
    assert all(kwargs.get('cwd') == '/' for kwargs in host.kwargs[1:])
    assert _marker(real)['declaration']['installer'] == 'uv'
    assert os.readlink(envs_dir / 'datascience') == os.path.basename(real)


@pytest.mark.parametrize('site, expected', [
    ({}, '1'),
    ({'SSL_CERT_FILE': '/etc/mlops/ca-bundle.pem'}, None),
    ({'UV_NATIVE_TLS': '0'}, None),
], ids=['host-store', 'site-bundle', 'explicit'])
def test_uv_trusts_the_host_store_unless_the_site_says_otherwise(host, tmp_path, envs_dir, python, monkeypatch,
                                                                 site, expected):
    for name in ('SSL_CERT_FILE', 'SSL_CERT_DIR', 'UV_NATIVE_TLS', 'UV_SYSTEM_CERTS'):
        monkeypatch.delenv(name, raising=False)
    for name, value in site.items():
        monkeypatch.setenv(name, value)
    uv = tmp_path / 'uv'
    uv.write_text('#!/bin/sh\n')
    uv.chmod(0o755)

    run([_env(envs_dir, python, installer='uv', packages=['six==1.16.0'])], tmp_path, uv_path=str(uv))

    uv_environ = [env for command, env in zip(host.commands, host.environ) if command[0] == str(uv)]
    assert uv_environ and all(env.get('UV_NATIVE_TLS') == expected for env in uv_environ), uv_environ
    assert all('UV_NATIVE_TLS' not in env for command, env in zip(host.commands, host.environ) if command[0] != str(uv))


def test_uv_found_in_path(host, tmp_path, envs_dir, python):
    host.uv = '/usr/local/bin/uv'

    run([_env(envs_dir, python, installer='uv', system_site_packages=True)], tmp_path)

    assert host.commands[1][:2] == ['/usr/local/bin/uv', 'venv']
    assert '--system-site-packages' in host.commands[1]


def test_uv_missing_fails_clearly(host, tmp_path, envs_dir, python):
    result = run_failing([_env(envs_dir, python, installer='uv')], tmp_path)

    assert 'uv' in result['msg'] and 'uv_path' in result['msg']
    assert os.listdir(envs_dir) == []
    assert host.commands == [[python, '-c', PROBE]]


def test_uv_from_an_earlier_environment_is_looked_for_once_that_is_built(host, tmp_path, envs_dir, python):
    uv_path = str(envs_dir / 'uv' / 'bin' / 'uv')

    def pip_installs_uv(argv):
        if argv[-1] == 'uv==0.13.9':
            real = os.path.dirname(os.path.dirname(argv[0]))
            with open(os.path.join(real, 'bin', 'uv'), 'w', encoding='utf-8') as handle:
                handle.write('#!/bin/sh\n')
            os.chmod(os.path.join(real, 'bin', 'uv'), 0o755)
        return False
    host.failures.append((pip_installs_uv, None))

    result = run([_env(envs_dir, python, name='uv', packages=['uv==0.13.9']),
                  _env(envs_dir, python, name='hub', installer='uv', packages=['six==1.16.0'])], tmp_path, uv_path=uv_path)

    assert [env['changed'] for env in result['envs']] == [True, True]
    assert host.commands[-3][:3] == [uv_path, 'venv', '--seed']


def test_uv_from_a_later_environment_fails_before_anything_is_built(host, tmp_path, envs_dir, python):
    uv_path = str(envs_dir / 'uv' / 'bin' / 'uv')

    result = run_failing([_env(envs_dir, python, name='hub', installer='uv'),
                          _env(envs_dir, python, name='uv', packages=['uv==0.13.9'])], tmp_path, uv_path=uv_path)

    assert 'is not an executable file' in result['msg']
    assert os.listdir(envs_dir) == []


def test_uv_missing_is_fine_in_check_mode(host, tmp_path, envs_dir, python):
    result = run([_env(envs_dir, python, installer='uv')], tmp_path, check=True)

    assert result['changed'] is True


# --------------------------------------------------------------------------- input


@pytest.mark.parametrize('name', ['', '.hidden', 'has space', 'a/b', '-dash'])
def test_bad_name(host, tmp_path, envs_dir, python, name):
    result = run_failing([_env(envs_dir, python, name=name, path=str(envs_dir / 'x'))], tmp_path)

    assert 'invalid name' in result['msg']
    assert host.commands == []
    assert os.listdir(envs_dir) == []


@pytest.mark.parametrize('change, message', [
    (dict(path='relative/env'), 'absolute'),
    (dict(path='/'), 'root directory'),
    (dict(python='python3'), 'absolute'),
    (dict(mode='755'), 'four octal digits'),
    (dict(owner='no-such-user-xyz'), 'does not exist'),
    (dict(packages=['six', '']), 'empty'),
])
def test_bad_input(host, tmp_path, envs_dir, python, change, message):
    result = run_failing([_env(envs_dir, python) | change], tmp_path)

    assert message in result['msg']
    assert host.commands == []


def test_duplicate_names_and_paths(host, tmp_path, envs_dir, python):
    names = run_failing([_env(envs_dir, python), _env(envs_dir, python, path=str(envs_dir / 'other'))], tmp_path)
    paths = run_failing([_env(envs_dir, python), _env(envs_dir, python, name='other', path=str(envs_dir / 'datascience/'))],
                        tmp_path)

    assert 'name is also used' in names['msg']
    assert 'path is also used' in paths['msg']
    assert host.commands == []


# --------------------------------------------------------------------------- content check and repair


def _built(host, tmp_path, envs_dir, python, **kwargs):
    """An environment built by the module (pandas 2.2.3, PyYAML 6.0.2, pip 24.0), its entry and real path."""
    env = _env(envs_dir, python, packages=['pandas==2.2.3'], **kwargs)
    real = run([env], tmp_path)['envs'][0]['real_path']
    host.commands.clear()
    host.kwargs.clear()
    return env, real


def _second(envs_dir, fingerprint, name='datascience'):
    """The other directory name of a fingerprint, for rebuilds because of content drift."""
    return str(envs_dir / ('.%s-%s' % (name, hashlib.sha256(('rebuilt:' + fingerprint).encode()).hexdigest()[:12])))


def _write_marker(directory, marker):
    with open(os.path.join(directory, MARKER), 'w', encoding='utf-8') as handle:
        json.dump(marker, handle)


def test_clean_env_has_no_content_drift_and_reads_no_metadata(host, tmp_path, envs_dir, python, monkeypatch):
    env, real = _built(host, tmp_path, envs_dir, python)
    before = tree(envs_dir)

    def no_metadata(path):
        raise AssertionError('a no-change run read %s' % path)
    monkeypatch.setattr(python_envs, '_info_headers', no_metadata)

    for check in (True, False):
        result = run([env], tmp_path, check=check, diff=True)

        assert host.commands == [[python, '-c', PROBE]]
        assert result['changed'] is False
        assert result['diff'] == []
        assert result['envs'][0]['content_drift'] == NO_DRIFT
        assert result['envs'][0]['repaired'] is False
        assert tree(envs_dir) == before
        host.commands.clear()


def test_removed_package_is_reported_in_check_mode_and_nothing_runs(host, tmp_path, envs_dir, python):
    env, real = _built(host, tmp_path, envs_dir, python)
    remove_dist(real, 'pandas')  # pip uninstall -y pandas, by hand
    before = tree(envs_dir)

    result = run([env], tmp_path, check=True, diff=True)

    assert host.commands == [[python, '-c', PROBE]]
    assert tree(envs_dir) == before
    assert result['changed'] is True
    entry = result['envs'][0]
    assert (entry['changed'], entry['repaired'], entry['rebuilt']) == (True, True, False)
    assert entry['real_path'] == real
    assert entry['content_drift'] == {'missing': ['pandas==2.2.3'], 'added': [], 'changed': []}
    assert result['diff'] == [{
        'before_header': str(envs_dir / 'datascience') + ' (installed distributions)',
        'after_header': str(envs_dir / 'datascience') + ' (distributions recorded at build time)',
        'before': '', 'after': 'pandas==2.2.3\n',
    }]


def test_downgraded_package_is_reported_and_reinstalled(host, tmp_path, envs_dir, python):
    env, real = _built(host, tmp_path, envs_dir, python)
    remove_dist(real, 'pandas')
    dist_info(real, 'pandas', '2.1.4')  # pip install pandas==2.1.4, by hand

    check = run([env], tmp_path, check=True, diff=True)
    result = run([env], tmp_path)

    drift = {'missing': [], 'added': [], 'changed': [{'name': 'pandas', 'recorded': '2.2.3', 'installed': '2.1.4'}]}
    assert check['envs'][0]['content_drift'] == drift
    assert check['diff'][0]['before'] == 'pandas==2.1.4\n'
    assert check['diff'][0]['after'] == 'pandas==2.2.3\n'
    assert result['envs'][0]['content_drift'] == drift
    assert (result['envs'][0]['repaired'], result['envs'][0]['rebuilt']) == (True, False)
    assert 'pandas-2.2.3.dist-info' in dist_infos(real)
    assert 'pandas-2.1.4.dist-info' not in dist_infos(real)
    assert os.readlink(envs_dir / 'datascience') == os.path.basename(real)


def test_added_package_is_reported_and_uninstalled(host, tmp_path, envs_dir, python):
    env, real = _built(host, tmp_path, envs_dir, python)
    dist_info(real, 'requests', '2.32.3')  # pip install requests, by hand

    check = run([env], tmp_path, check=True)
    host.commands.clear()
    result = run([env], tmp_path)

    assert check['envs'][0]['content_drift'] == {'missing': [], 'added': ['requests==2.32.3'], 'changed': []}
    assert check['changed'] is True
    venv_python = os.path.join(real, 'bin', 'python')
    assert host.commands[1:] == [[venv_python, '-m', 'pip', 'uninstall'] + PIP_FLAGS + ['-y', 'requests']]
    assert result['envs'][0]['repaired'] is True
    assert dist_infos(real) == ['PyYAML-6.0.2.dist-info', 'pandas-2.2.3.dist-info', 'pip-24.0.dist-info']


def test_repair_runs_one_install_and_one_uninstall_with_the_recorded_pins(host, tmp_path, envs_dir, python):
    host.resolved = [('pandas', '2.2.3'), ('numpy', '2.1.0'), ('PyYAML', '6.0.2')]
    index = ['--index-url', 'https://pypi.example.com/simple']
    env, real = _built(host, tmp_path, envs_dir, python, pip_args=index)
    with open(os.path.join(real, MARKER), encoding='utf-8') as handle:
        marker = handle.read()
    remove_dist(real, 'pandas')
    remove_dist(real, 'numpy')
    dist_info(real, 'numpy', '1.26.4')
    dist_info(real, 'requests', '2.32.3')
    dist_info(real, 'idna', '3.10')

    result = run([env], tmp_path, diff=True)

    venv_python = os.path.join(real, 'bin', 'python')
    assert host.commands == [
        [python, '-c', PROBE],
        [venv_python, '-m', 'pip', 'install'] + PIP_FLAGS + index + ['--no-deps', 'numpy==2.1.0', 'pandas==2.2.3'],
        [venv_python, '-m', 'pip', 'uninstall'] + PIP_FLAGS + ['-y', 'idna', 'requests'],
    ]
    assert all(env.get('LC_ALL') == 'C' for env in host.environ)
    assert result['changed'] is True
    entry = result['envs'][0]
    assert (entry['changed'], entry['repaired'], entry['rebuilt'], entry['real_path']) == (True, True, False, real)
    assert entry['content_drift'] == {
        'missing': ['pandas==2.2.3'], 'added': ['idna==3.10', 'requests==2.32.3'],
        'changed': [{'name': 'numpy', 'recorded': '2.1.0', 'installed': '1.26.4'}]}
    assert result['diff'][0]['before'] == 'idna==3.10\nnumpy==1.26.4\nrequests==2.32.3\n'
    assert result['diff'][0]['after'] == 'numpy==2.1.0\npandas==2.2.3\n'
    assert result['changed_resources'] == [{
        'kind': 'python_env', 'name': entry['path'],
        'summary': 'content differs from its build: missing pandas==2.2.3; changed numpy 2.1.0 -> 1.26.4; '
                   'added idna==3.10, requests==2.32.3; repaired'}]
    assert dist_infos(real) == ['PyYAML-6.0.2.dist-info', 'numpy-2.1.0.dist-info', 'pandas-2.2.3.dist-info',
                                'pip-24.0.dist-info']
    with open(os.path.join(real, MARKER), encoding='utf-8') as handle:
        assert handle.read() == marker  # the recorded lists are only written by builds
    assert sorted(os.listdir(envs_dir)) == [os.path.basename(real), 'datascience']

    host.commands.clear()
    again = run([env], tmp_path)
    assert host.commands == [[python, '-c', PROBE]]
    assert again['changed'] is False


def test_repair_with_uv(host, tmp_path, envs_dir, python):
    host.uv = '/usr/local/bin/uv'
    index = ['--index-url', 'https://idx/simple']
    env, real = _built(host, tmp_path, envs_dir, python, installer='uv', pip_args=index)
    remove_dist(real, 'pandas')
    dist_info(real, 'requests', '2.32.3')

    result = run([env], tmp_path)

    venv_python = os.path.join(real, 'bin', 'python')
    assert host.commands[1:] == [
        ['/usr/local/bin/uv', 'pip', 'install', '--python', venv_python, '--compile-bytecode', *index,
         '--no-deps', 'pandas==2.2.3'],
        ['/usr/local/bin/uv', 'pip', 'uninstall', '--python', venv_python, 'requests'],
    ]
    assert all(kwargs.get('cwd') == '/' for kwargs in host.kwargs[1:])
    assert (result['envs'][0]['repaired'], result['envs'][0]['rebuilt']) == (True, False)
    assert dist_infos(real) == ['PyYAML-6.0.2.dist-info', 'pandas-2.2.3.dist-info']  # uv venv: no pip


def test_repair_that_still_differs_falls_back_to_a_rebuild(host, tmp_path, envs_dir, python, warnings):
    env, real = _built(host, tmp_path, envs_dir, python)
    fingerprint = _fingerprint(packages=['pandas==2.2.3'])
    assert real == _versioned(envs_dir, fingerprint)
    remove_dist(real, 'pandas')
    host.inert = True  # the installer says it worked but changed nothing

    result = run([env], tmp_path)

    second = _second(envs_dir, fingerprint)
    venv_python = os.path.join(real, 'bin', 'python')
    assert host.commands[:3] == [
        [python, '-c', PROBE],
        [venv_python, '-m', 'pip', 'install'] + PIP_FLAGS + ['--no-deps', 'pandas==2.2.3'],
        [python, '-m', 'venv', second],
    ]
    entry = result['envs'][0]
    assert (entry['changed'], entry['repaired'], entry['rebuilt']) == (True, True, True)
    assert entry['real_path'] == second
    assert entry['fingerprint'] == fingerprint
    assert entry['content_drift'] == {'missing': ['pandas==2.2.3'], 'added': [], 'changed': []}
    assert os.readlink(envs_dir / 'datascience') == os.path.basename(second)
    assert not os.path.exists(real)
    assert sorted(os.listdir(envs_dir)) == [os.path.basename(second), 'datascience']
    assert _marker(second)['fingerprint'] == fingerprint
    assert 'pandas-2.2.3.dist-info' in dist_infos(second)
    assert any('still differs' in warning and 'missing pandas==2.2.3' in warning for warning in warnings)

    # The second name is as good as the first: nothing to do next time ...
    host.commands.clear()
    again = run([env], tmp_path)
    assert host.commands == [[python, '-c', PROBE]]
    assert again['changed'] is False
    assert again['envs'][0]['real_path'] == second

    # ... and the next rebuild goes back to the first, since the second is in use.
    remove_dist(second, 'pandas')
    third = run([env], tmp_path)
    assert third['envs'][0]['real_path'] == real
    assert os.readlink(envs_dir / 'datascience') == os.path.basename(real)
    assert not os.path.exists(second)


def test_failing_repair_command_falls_back_to_a_rebuild(host, tmp_path, envs_dir, python, warnings):
    env, real = _built(host, tmp_path, envs_dir, python)
    remove_dist(real, 'pandas')
    host.failures.append((lambda argv: '--no-deps' in argv,
                          (1, '', 'ERROR: No matching distribution found for pandas==2.2.3\n')))

    result = run([env], tmp_path)

    second = _second(envs_dir, _fingerprint(packages=['pandas==2.2.3']))
    assert (result['envs'][0]['repaired'], result['envs'][0]['rebuilt']) == (True, True)
    assert result['envs'][0]['real_path'] == second
    assert not any('uninstall' in argv for argv in host.commands)
    assert any('No matching distribution' in warning for warning in warnings)


def test_failed_rebuild_after_repair_keeps_the_env_in_use(host, tmp_path, envs_dir, python):
    env, real = _built(host, tmp_path, envs_dir, python)
    remove_dist(real, 'pandas')
    before = tree(envs_dir)
    host.failures.append((lambda argv: '--no-deps' in argv, (1, '', 'network down\n')))
    host.failures.append((lambda argv: argv[1:3] == ['-m', 'venv'], (1, '', 'Error: no space left on device\n')))

    result = run_failing([env], tmp_path)

    assert 'no space left' in result['msg']
    assert tree(envs_dir) == before
    assert os.readlink(envs_dir / 'datascience') == os.path.basename(real)


def test_marker_without_recorded_lists_has_nothing_to_compare(host, tmp_path, envs_dir, python):
    env, real = _built(host, tmp_path, envs_dir, python)
    marker = _marker(real)
    del marker['distributions'], marker['installed']
    _write_marker(real, marker)
    remove_dist(real, 'pandas')
    dist_info(real, 'requests', '2.32.3')

    for check in (True, False):
        result = run([env], tmp_path, check=check)

        assert host.commands == [[python, '-c', PROBE]]
        assert result['changed'] is False
        assert result['envs'][0]['content_drift'] == NO_DRIFT
        host.commands.clear()


def test_older_marker_is_compared_with_pip_list(host, tmp_path, envs_dir, python):
    env, real = _built(host, tmp_path, envs_dir, python)
    marker = _marker(real)
    del marker['distributions']
    marker['installed'] = {'pandas': '2.2.3', 'pyyaml': '6.0.2', 'pip': '24.0'}
    _write_marker(real, marker)

    clean = run([env], tmp_path, check=True)
    remove_dist(real, 'PyYAML')
    drifted = run([env], tmp_path, check=True)

    assert clean['changed'] is False
    assert drifted['envs'][0]['content_drift'] == {'missing': ['pyyaml==6.0.2'], 'added': [], 'changed': []}


def test_older_marker_of_an_env_with_system_site_packages_is_not_compared(host, tmp_path, envs_dir, python):
    env, real = _built(host, tmp_path, envs_dir, python, system_site_packages=True)
    marker = _marker(real)
    del marker['distributions']  # pip list also listed the system's distributions
    marker['installed'] = {'pandas': '2.2.3', 'pyyaml': '6.0.2', 'pip': '24.0', 'python-apt': '2.6.0'}
    _write_marker(real, marker)

    result = run([env], tmp_path, check=True)

    assert result['changed'] is False
    assert result['envs'][0]['content_drift'] == NO_DRIFT


def test_names_are_compared_normalised(host, tmp_path, envs_dir, python):
    host.resolved = [('scikit_learn', '1.5.0'), ('ruamel.yaml', '0.18.6'), ('Jinja2', '3.1.4')]
    env, real = _built(host, tmp_path, envs_dir, python)
    marker = _marker(real)
    assert marker['distributions'] == {'jinja2': '3.1.4', 'pip': '24.0', 'ruamel-yaml': '0.18.6', 'scikit-learn': '1.5.0'}
    del marker['distributions']
    marker['installed'] = {'scikit-learn': '1.5.0', 'ruamel.yaml': '0.18.6', 'jinja2': '3.1.4', 'pip': '24.0'}
    _write_marker(real, marker)

    clean = run([env], tmp_path, check=True)
    remove_dist(real, 'scikit-learn')
    dist_info(real, 'Scikit_Learn', '1.4.2')
    drifted = run([env], tmp_path, check=True)

    assert clean['changed'] is False
    assert drifted['envs'][0]['content_drift'] == {
        'missing': [], 'added': [], 'changed': [{'name': 'scikit-learn', 'recorded': '1.5.0', 'installed': '1.4.2'}]}


def test_content_and_attribute_changes_give_two_diff_entries(host, tmp_path, envs_dir, python):
    env, real = _built(host, tmp_path, envs_dir, python)
    remove_dist(real, 'pandas')

    result = run([dict(env, mode='0750')], tmp_path, check=True, diff=True)

    assert [entry['before_header'] for entry in result['diff']] == [
        str(envs_dir / 'datascience'), str(envs_dir / 'datascience') + ' (installed distributions)']
    assert json.loads(result['diff'][0]['after'])['mode'] == '0750'
    assert result['diff'][1]['after'] == 'pandas==2.2.3\n'


def test_env_to_be_rebuilt_is_not_compared(host, tmp_path, envs_dir, python):
    env, real = _built(host, tmp_path, envs_dir, python)
    remove_dist(real, 'pandas')

    result = run([dict(env, packages=['pandas==2.2.2'])], tmp_path, check=True)

    assert result['envs'][0]['rebuilt'] is True
    assert result['envs'][0]['repaired'] is False
    assert result['envs'][0]['content_drift'] == NO_DRIFT


def test_uv_repair_without_uv_fails_clearly(host, tmp_path, envs_dir, python):
    host.uv = '/usr/local/bin/uv'
    env, real = _built(host, tmp_path, envs_dir, python, installer='uv')
    remove_dist(real, 'pandas')
    host.uv = None

    result = run_failing([env], tmp_path)

    assert 'repair datascience' in result['msg']
    assert host.commands == [[python, '-c', PROBE]]


# --------------------------------------------------------------------------- constraints

# Fingerprints of environments declared without constraints, as the module computed them before the constraints
# option existed (commit 39ca94c, with the FakeHost probe CPython 3.11). Hard-coded on purpose, not computed with
# _fingerprint: the option must not change them, or every host would rebuild all its environments on upgrade.
FINGERPRINTS_BEFORE_CONSTRAINTS = [
    (dict(packages=['pandas==2.2.3'], requirements='numpy==2.1.3\n'),
     'd9ef9c7a565d3c25e0a36cf9da7361e53e67dc98e21e92b4f779d753031ff9c5'),
    (dict(packages=['apache-airflow==2.10.5'], installer='uv', pip_args=['--index-url', 'https://pypi.example.com/simple']),
     '7d30aeb871e8f666af72145bcc62aa7257a6ca9200b3240950c5cfcb6fa12b6f'),
    (dict(), 'a08714a470e323791c5e33a54f9ed91a918907a127e4bbfd4ac0bc02edb60dcc'),
]
AIRFLOW_CONSTRAINTS = '# Airflow constraints\nnumpy==2.1.3\npandas==2.2.3\nsix==1.16.0\n'


@pytest.mark.parametrize('constraints', ['unset', ''])
@pytest.mark.parametrize('options, fingerprint', FINGERPRINTS_BEFORE_CONSTRAINTS)
def test_env_without_constraints_keeps_its_fingerprint(host, tmp_path, envs_dir, python, options, fingerprint, constraints):
    host.uv = '/usr/local/bin/uv'
    if constraints != 'unset':
        options = dict(options, constraints=constraints)

    result = run([_env(envs_dir, python, **options)], tmp_path)

    real = result['envs'][0]['real_path']
    assert result['envs'][0]['fingerprint'] == fingerprint
    assert _fingerprint(**options) == fingerprint  # the test's own helper agrees
    assert real == _versioned(envs_dir, fingerprint)
    assert 'constraints' not in _marker(real)['declaration']
    assert not any('-c' in cmd for cmd in host.commands[1:])
    assert host.constraints == []


def test_env_built_before_constraints_existed_is_not_rebuilt(host, tmp_path, envs_dir, python):
    """A directory and marker as the module wrote them before the option: the next run only probes."""
    options, fingerprint = FINGERPRINTS_BEFORE_CONSTRAINTS[0]
    real = _versioned(envs_dir, fingerprint)
    host._make_venv(real, with_pip=True)
    for name, version in host.resolved:
        dist_info(real, name, version)
    _write_marker(real, {
        'name': 'datascience', 'fingerprint': fingerprint,
        'declaration': {'python': {'implementation': 'CPython', 'version': '3.11'}, 'packages': options['packages'],
                        'requirements': options['requirements'], 'installer': 'pip', 'pip_args': [],
                        'system_site_packages': False, 'upgrade_pip': False},
        'installed': {'pandas': '2.2.3', 'pyyaml': '6.0.2'},
        'distributions': {'pandas': '2.2.3', 'pip': '24.0', 'pyyaml': '6.0.2'},
        'python': {'path': python, 'implementation': 'CPython', 'version': '3.11'}})
    os.symlink(os.path.basename(real), envs_dir / 'datascience')
    before = tree(envs_dir)

    result = run([_env(envs_dir, python, **options)], tmp_path, diff=True)

    assert host.commands == [[python, '-c', PROBE]]
    assert result['changed'] is False
    assert result['diff'] == []
    assert result['envs'][0]['real_path'] == real
    assert tree(envs_dir) == before


def test_constraints_reach_pip_with_c_and_their_file_is_removed(host, tmp_path, envs_dir, python):
    result = run([_env(envs_dir, python, packages=['pandas'], requirements='numpy\n', constraints=AIRFLOW_CONSTRAINTS,
                       pip_args=['--index-url', 'https://idx/simple'], upgrade_pip=True)], tmp_path)

    fingerprint = _fingerprint(packages=['pandas'], requirements='numpy\n', constraints=AIRFLOW_CONSTRAINTS,
                               pip_args=['--index-url', 'https://idx/simple'], upgrade_pip=True)
    real = _versioned(envs_dir, fingerprint)
    venv_python = os.path.join(real, 'bin', 'python')
    install = host.commands[3]
    requirements, constraints = install[-3], install[-1]
    assert host.commands == [
        [python, '-c', PROBE],
        [python, '-m', 'venv', real],
        [venv_python, '-m', 'pip', 'install'] + PIP_FLAGS + ['--index-url', 'https://idx/simple', '--upgrade', 'pip'],
        [venv_python, '-m', 'pip', 'install'] + PIP_FLAGS + ['--index-url', 'https://idx/simple', 'pandas',
                                                             '-r', requirements, '-c', constraints],
        [venv_python, '-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'],
    ]
    assert os.path.basename(requirements).startswith('requirements-')
    assert os.path.basename(constraints).startswith('constraints-')
    assert os.path.dirname(constraints) == os.path.dirname(requirements)  # next to the requirements file
    assert host.requirements == ['numpy\n']
    assert host.constraints == [AIRFLOW_CONSTRAINTS]
    assert not os.path.exists(constraints)  # temporary files removed
    assert not os.path.exists(requirements)
    assert result['envs'][0]['fingerprint'] == fingerprint
    assert _marker(real)['declaration']['constraints'] == AIRFLOW_CONSTRAINTS
    assert _marker(real)['declaration']['requirements'] == 'numpy\n'


def test_constraints_without_requirements(host, tmp_path, envs_dir, python):
    result = run([_env(envs_dir, python, packages=['pandas'], constraints=AIRFLOW_CONSTRAINTS)], tmp_path)

    venv_python = os.path.join(result['envs'][0]['real_path'], 'bin', 'python')
    constraints = host.commands[2][-1]
    assert host.commands[2] == [venv_python, '-m', 'pip', 'install'] + PIP_FLAGS + ['pandas', '-c', constraints]
    assert host.requirements == []
    assert host.constraints == [AIRFLOW_CONSTRAINTS]
    assert not os.path.exists(constraints)


def test_constraints_alone_install_nothing(host, tmp_path, envs_dir, python):
    result = run([_env(envs_dir, python, constraints=AIRFLOW_CONSTRAINTS)], tmp_path)

    assert [cmd[1:4] for cmd in host.commands] == [
        ['-c', PROBE], ['-m', 'venv', result['envs'][0]['real_path']], ['-m', 'pip', 'list']]
    assert result['envs'][0]['fingerprint'] == _fingerprint(constraints=AIRFLOW_CONSTRAINTS)


def test_constraints_reach_uv_with_c(host, tmp_path, envs_dir, python):
    host.uv = '/usr/local/bin/uv'

    result = run([_env(envs_dir, python, installer='uv', packages=['apache-airflow==2.10.5'], requirements='six\n',
                       constraints=AIRFLOW_CONSTRAINTS)], tmp_path)

    real = result['envs'][0]['real_path']
    venv_python = os.path.join(real, 'bin', 'python')
    install = host.commands[2]
    assert host.commands == [
        [python, '-c', PROBE],
        ['/usr/local/bin/uv', 'venv', '--seed', '--python', python, real],
        ['/usr/local/bin/uv', 'pip', 'install', '--python', venv_python, '--compile-bytecode', 'apache-airflow==2.10.5',
         '-r', install[-3], '-c', install[-1]],
        ['/usr/local/bin/uv', 'pip', 'list', '--format', 'json', '--python', venv_python],
    ]
    assert host.requirements == ['six\n']
    assert host.constraints == [AIRFLOW_CONSTRAINTS]
    assert not os.path.exists(install[-1])
    assert not os.path.exists(install[-3])
    assert result['envs'][0]['fingerprint'] == _fingerprint(packages=['apache-airflow==2.10.5'], requirements='six\n',
                                                            constraints=AIRFLOW_CONSTRAINTS, installer='uv')


def test_failed_install_with_constraints_removes_their_file(host, tmp_path, envs_dir, python):
    host.failures.append((lambda argv: 'install' in argv, (1, '', 'ResolutionImpossible\n')))

    result = run_failing([_env(envs_dir, python, packages=['pandas'], requirements='numpy\n',
                               constraints=AIRFLOW_CONSTRAINTS)], tmp_path)

    install = result['cmd']
    assert install[-4::2] == ['-r', '-c']
    assert not os.path.exists(install[-1])
    assert not os.path.exists(install[-3])
    assert host.constraints == [AIRFLOW_CONSTRAINTS]
    assert os.listdir(envs_dir) == []
    assert 'ResolutionImpossible' in result['msg']


def test_changed_constraints_rebuild_and_show_in_the_diff(host, tmp_path, envs_dir, python):
    plain = run([_env(envs_dir, python, packages=['pandas'])], tmp_path)
    constrained = run([_env(envs_dir, python, packages=['pandas'], constraints='pandas==2.2.3\n')], tmp_path, diff=True)
    changed = run([_env(envs_dir, python, packages=['pandas'], constraints='pandas==2.2.2\n')], tmp_path, diff=True)
    host.commands.clear()
    unchanged = run([_env(envs_dir, python, packages=['pandas'], constraints='pandas==2.2.2\n')], tmp_path)
    dropped = run([_env(envs_dir, python, packages=['pandas'])], tmp_path, diff=True)

    fingerprints = [result['envs'][0]['fingerprint'] for result in (plain, constrained, changed, dropped)]
    assert fingerprints == [_fingerprint(packages=['pandas']),
                            _fingerprint(packages=['pandas'], constraints='pandas==2.2.3\n'),
                            _fingerprint(packages=['pandas'], constraints='pandas==2.2.2\n'),
                            _fingerprint(packages=['pandas'])]
    assert len(set(fingerprints)) == 3
    assert [result['envs'][0]['rebuilt'] for result in (constrained, changed, dropped)] == [True, True, True]
    assert unchanged['changed'] is False
    assert host.commands[0] == [python, '-c', PROBE] and len([cmd for cmd in host.commands if 'install' in cmd]) == 1

    assert 'constraints' not in json.loads(constrained['diff'][0]['before'])['declaration']
    assert json.loads(constrained['diff'][0]['after'])['declaration']['constraints'] == 'pandas==2.2.3\n'
    assert json.loads(changed['diff'][0]['before'])['declaration']['constraints'] == 'pandas==2.2.3\n'
    assert json.loads(changed['diff'][0]['after'])['declaration']['constraints'] == 'pandas==2.2.2\n'
    assert json.loads(dropped['diff'][0]['before'])['declaration']['constraints'] == 'pandas==2.2.2\n'
    assert 'constraints' not in json.loads(dropped['diff'][0]['after'])['declaration']
    assert sorted(os.listdir(envs_dir)) == [os.path.basename(dropped['envs'][0]['real_path']), 'datascience']


def test_check_mode_diff_of_a_missing_interpreter_shows_the_constraints(host, tmp_path, envs_dir):
    missing = str(tmp_path / 'usr' / 'bin' / 'python3.13')

    with_constraints = run([_env(envs_dir, missing, packages=['six'], constraints='six==1.16.0\n')], tmp_path,
                           check=True, diff=True)
    without = run([_env(envs_dir, missing, packages=['six'])], tmp_path, check=True, diff=True)

    assert json.loads(with_constraints['diff'][0]['after'])['declaration']['constraints'] == 'six==1.16.0\n'
    assert 'constraints' not in json.loads(without['diff'][0]['after'])['declaration']


@pytest.mark.parametrize('installer', ['pip', 'uv'])
def test_repair_does_not_use_the_constraints(host, tmp_path, envs_dir, python, installer):
    host.uv = '/usr/local/bin/uv'
    env, real = _built(host, tmp_path, envs_dir, python, installer=installer, constraints=AIRFLOW_CONSTRAINTS)
    assert host.constraints == [AIRFLOW_CONSTRAINTS]
    remove_dist(real, 'pandas')

    result = run([env], tmp_path)

    assert (result['envs'][0]['repaired'], result['envs'][0]['rebuilt']) == (True, False)
    install = host.commands[1]
    assert install[-2:] == ['--no-deps', 'pandas==2.2.3']
    assert '-c' not in install
    assert host.constraints == [AIRFLOW_CONSTRAINTS]  # no constraints file written for the repair


# --------------------------------------------------------------------------- reading site-packages


def _entries(directory, names):
    """Entries of a site-packages directory: names ending in / are directories, others files."""
    os.makedirs(directory, exist_ok=True)
    for name in names:
        path = os.path.join(directory, name.rstrip('/'))
        if name.endswith('/'):
            os.makedirs(path)
        else:
            with open(path, 'w', encoding='utf-8'):
                pass


def test_recorded_site_packages_reads_as_pip_listed_it(tmp_path):
    with open(os.path.join(FIXTURES, 'site_packages.txt'), encoding='utf-8') as handle:
        _entries(site_packages(str(tmp_path)), handle.read().split())
    os.symlink('lib', tmp_path / 'lib64')
    with open(os.path.join(FIXTURES, 'pip_list.json'), encoding='utf-8') as handle:
        listed = json.load(handle)

    found = python_envs._distributions(str(tmp_path))

    assert len(found) == len(listed) == 86
    assert found == {re.sub(r'[-_.]+', '-', item['name']).lower(): item['version'] for item in listed}
    assert found['ruamel-yaml'] == '0.19.1' and found['parsley'] == '1.3'


def test_reading_site_packages_edge_cases(tmp_path):
    site = site_packages(str(tmp_path))
    _entries(site, [
        'six-1.16.0.dist-info/',
        'typing_extensions-4.12.2.dist-info/',
        'torch-2.4.1+cpu.dist-info/',
        'Old_Style-1.0-py3.11.egg-info',  # distutils egg-info file
        'legacy_pkg-2.0-py3.11.egg-info/',  # setuptools egg-info directory
        'noversion.egg-info/',  # name only: PKG-INFO says the rest
        'odd-name-3.0.dist-info/',  # unescaped name: METADATA says the rest
        '~andas-2.2.3.dist-info/',  # left by an interrupted pip uninstall, ignored as pip ignores it
        'broken.dist-info/',  # neither name nor METADATA: ignored
        'dup-1.0.dist-info/', 'dup-2.0.dist-info/',  # a broken install: both reported
        'six-1.16.0.dist-info.txt', 'six/', 'six.py', 'distutils-precedence.pth',
    ])
    with open(os.path.join(site, 'noversion.egg-info', 'PKG-INFO'), 'w', encoding='utf-8') as handle:
        handle.write('Metadata-Version: 1.1\nName: NoVersion\nVersion: 0.3\n\nName: not a header\n')
    with open(os.path.join(site, 'odd-name-3.0.dist-info', 'METADATA'), 'w', encoding='utf-8') as handle:
        handle.write('Metadata-Version: 2.1\nName: odd-name\nVersion: 3.0\n')
    with open(os.path.join(site, '~andas-2.2.3.dist-info', 'METADATA'), 'w', encoding='utf-8') as handle:
        handle.write('Metadata-Version: 2.1\nName: pandas\nVersion: 2.2.3\n')
    lib64 = site_packages(str(tmp_path)).replace('/lib/', '/lib64/')  # a real lib64 of its own
    _entries(lib64, ['numpy-2.1.3.dist-info/'])

    assert python_envs._distributions(str(tmp_path)) == {
        'six': '1.16.0', 'typing-extensions': '4.12.2', 'torch': '2.4.1+cpu', 'old-style': '1.0',
        'legacy-pkg': '2.0', 'noversion': '0.3', 'odd-name': '3.0', 'dup': '1.0, 2.0', 'numpy': '2.1.3'}


def test_lib64_link_is_not_read_twice(tmp_path):
    _entries(site_packages(str(tmp_path)), ['six-1.16.0.dist-info/'])
    os.symlink('lib', tmp_path / 'lib64')

    assert python_envs._site_packages(str(tmp_path)) == [site_packages(str(tmp_path))]
    assert python_envs._distributions(str(tmp_path)) == {'six': '1.16.0'}
    assert python_envs._distributions(str(tmp_path / 'missing')) == {}


def _env_result(path, rebuilt=False, repaired=False, missing=(), added=(), changed=()):
    return {'path': path, 'changed': True, 'rebuilt': rebuilt, 'repaired': repaired,
            'content_drift': {'missing': list(missing), 'added': list(added), 'changed': list(changed)}}


@pytest.mark.parametrize(('env', 'summary'), [
    (_env_result('/opt/a', repaired=True, missing=['pandas==2.2.3'], added=['requests==2.32.3'],
                 changed=[{'name': 'numpy', 'recorded': '2.1.0', 'installed': '1.26.4'}]),
     'content differs from its build: missing pandas==2.2.3; changed numpy 2.1.0 -> 1.26.4; added requests==2.32.3; '
     'repaired'),
    (_env_result('/opt/b', rebuilt=True, repaired=True, added=['idna==3.10']),
     'content differs from its build: added idna==3.10; rebuilt'),
    (_env_result('/opt/c', rebuilt=True), 'rebuilt'),
    (_env_result('/opt/d'), 'changed'),
])
def test_change_summary_says_how_the_content_differed_and_what_was_done(env, summary):
    assert python_envs._change_summary(env) == summary


def test_change_summary_of_a_long_content_drift_is_shortened():
    env = _env_result('/opt/a', repaired=True, added=['pkg%02d==1.0' % number for number in range(30)])

    summary = python_envs._change_summary(env)

    assert summary.startswith('content differs from its build: added pkg00==1.0, pkg01==1.0')
    assert 'pkg11==1.0 and 18 more; repaired' in summary
    assert 'pkg12' not in summary
