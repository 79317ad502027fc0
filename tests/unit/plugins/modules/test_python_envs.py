# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for mlops.hosts.python_envs: real directories below tmp_path, commands faked."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from ansible_collections.mlops.hosts.plugins.modules import python_envs
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import GROUP, USER, FakeCommands, file_mode, run_module, tree

PROBE = 'import sys, platform; print(platform.python_implementation(), "%d.%d" % sys.version_info[:2])'
PIP_FLAGS = ['--disable-pip-version-check', '--no-input']
MARKER = '.mlops-python-env.json'


class FakeHost(FakeCommands):
    """Records run_command calls and imitates venv creation, installs and pip list."""

    def __init__(self):
        super().__init__()
        self.requirements = []  # content of every -r file at the time the installer ran
        self.probe = (0, 'CPython 3.11\n', '')
        self.listed = [{'name': 'pandas', 'version': '2.2.3'}, {'name': 'PyYAML', 'version': '6.0.2'}]
        self.failures = []  # (predicate(argv), (rc, stdout, stderr))
        self.uv = None

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        self.record(module, args, environ_update, kwargs)
        assert not check_rc
        if '-r' in args:
            with open(args[args.index('-r') + 1], encoding='utf-8') as handle:
                self.requirements.append(handle.read())
        for predicate, result in self.failures:
            if predicate(args):
                return result
        if args[1:3] == ['-c', PROBE]:
            return self.probe
        if args[1:3] == ['-m', 'venv'] or args[1:2] == ['venv']:
            self._make_venv(args[-1])
        if 'list' in args:
            return 0, json.dumps(self.listed), ''
        return 0, '', ''

    @staticmethod
    def _make_venv(directory):
        os.makedirs(os.path.join(directory, 'bin'))
        with open(os.path.join(directory, 'bin', 'python'), 'w', encoding='utf-8') as handle:
            handle.write('#!/bin/sh\n')
        with open(os.path.join(directory, 'pyvenv.cfg'), 'w', encoding='utf-8') as handle:
            handle.write('home = /usr/bin\n')

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
                 upgrade_pip=False, implementation='CPython', version='3.11'):
    declaration = dict(python=dict(implementation=implementation, version=version), packages=list(packages),
                       requirements=requirements, installer=installer, pip_args=list(pip_args),
                       system_site_packages=system_site_packages, upgrade_pip=upgrade_pip)
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
    assert result['envs'] == [{
        'name': 'datascience', 'path': str(link), 'real_path': real, 'fingerprint': fingerprint,
        'changed': True, 'rebuilt': True, 'installed': {'pandas': '2.2.3', 'pyyaml': '6.0.2'},
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
        'changed': True, 'rebuilt': True, 'installed': {},
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
                               'fingerprint': None, 'changed': True, 'rebuilt': False, 'installed': {}}]
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
        [str(uv), 'venv', '--python', python, real],
        [str(uv), 'pip', 'install', '--python', venv_python, '--index-url', 'https://idx/simple', 'six==1.16.0',
         '-r', host.commands[2][-1]],
        [str(uv), 'pip', 'list', '--format', 'json', '--python', venv_python],
    ]
    assert host.requirements == ['numpy\n']
    assert all(kwargs.get('cwd') == '/' for kwargs in host.kwargs[1:])
    assert _marker(real)['declaration']['installer'] == 'uv'
    assert os.readlink(envs_dir / 'datascience') == os.path.basename(real)


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
