# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for mlops.hosts.jupyter_kernel, run against real files below tmp_path."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.mlops.hosts.plugins.modules import jupyter_kernel
from ansible_collections.mlops.hosts.plugins.plugin_utils._drift import changes as drift_changes
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import GROUP, IS_ROOT, USER, file_mode, run_module, tree

ARGV = ['/opt/venvs/torch/bin/python', '-m', 'ipykernel_launcher', '-f', '{connection_file}']


def _args(prefix, check=False, diff=False, **kwargs):
    args = dict(name='torch', prefix=str(prefix), owner=USER, group=GROUP, _ansible_check_mode=check, _ansible_diff=diff)
    if kwargs.get('state', 'present') == 'present':
        args.update(display_name='Python 3 (PyTorch)', argv=list(ARGV))
    args.update(kwargs)
    return {key: value for key, value in args.items() if value is not None}


def run(prefix, **kwargs):
    return run_module(jupyter_kernel, _args(prefix, **kwargs))


def run_failing(prefix, **kwargs):
    return run_module(jupyter_kernel, _args(prefix, **kwargs), fails=True)


def _dump(spec):
    return json.dumps(spec, indent=1, sort_keys=True) + '\n'


# --------------------------------------------------------------------------- create / no-op


def test_create_writes_exact_kernel_json(tmp_path):
    kernel_dir = tmp_path / 'kernels' / 'torch'
    kernel_json = kernel_dir / 'kernel.json'
    expected = dict(argv=ARGV, display_name='Python 3 (PyTorch)', language='python')

    result = run(tmp_path)

    assert result['changed'] is True
    assert result['kernel_path'] == str(kernel_dir)
    assert result['kernelspec'] == expected
    assert 'diff' not in result
    assert kernel_json.read_text() == _dump(expected)
    assert kernel_json.read_text().startswith('{\n "argv": [\n  "/opt/venvs/torch/bin/python",\n')
    assert file_mode(kernel_json) == 0o644
    assert file_mode(kernel_dir) == 0o755
    assert file_mode(tmp_path / 'kernels') == 0o755
    st = os.lstat(kernel_json)
    assert (st.st_uid, st.st_gid) == (os.geteuid(), os.getegid())
    assert sorted(os.listdir(kernel_dir)) == ['kernel.json']  # no temporary file left behind


@pytest.mark.skipif(not IS_ROOT, reason='parent directories are created root:root')
def test_missing_parents_are_created_root_owned(tmp_path):
    prefix = tmp_path / 'share' / 'jupyter'

    result = run(prefix, mode='0640')

    assert result['kernel_path'] == str(prefix / 'kernels' / 'torch')
    for parent in (tmp_path / 'share', prefix, prefix / 'kernels'):
        assert file_mode(parent) == 0o755
        assert (os.lstat(parent).st_uid, os.lstat(parent).st_gid) == (0, 0)
    assert file_mode(prefix / 'kernels' / 'torch' / 'kernel.json') == 0o640


def test_second_run_is_noop(tmp_path):
    run(tmp_path, env={'A': 'b'}, metadata={'debugger': True}, interrupt_mode='message')
    before = tree(tmp_path)

    result = run(tmp_path, env={'A': 'b'}, metadata={'debugger': True}, interrupt_mode='message', diff=True)

    assert result['changed'] is False
    assert result['diff']['before'] == result['diff']['after']
    assert tree(tmp_path) == before  # same inode and mtime: not rewritten


def test_semantically_equal_file_with_other_layout_is_kept(tmp_path):
    kernel_json = tmp_path / 'kernels' / 'torch' / 'kernel.json'
    kernel_json.parent.mkdir(parents=True)
    os.chmod(kernel_json.parent, 0o755)
    # As `python -m ipykernel install` writes it: other key order, no sorted keys, no trailing newline.
    kernel_json.write_text(json.dumps({'display_name': 'Python 3 (PyTorch)', 'language': 'python', 'argv': ARGV}))
    os.chmod(kernel_json, 0o644)
    before = tree(tmp_path)

    result = run(tmp_path, diff=True)

    assert result['changed'] is False
    assert tree(tmp_path) == before


def test_value_type_change_is_a_change(tmp_path):
    run(tmp_path, metadata={'debugger': 1})

    result = run(tmp_path, metadata={'debugger': True})

    assert result['changed'] is True
    assert json.loads((tmp_path / 'kernels' / 'torch' / 'kernel.json').read_text())['metadata'] == {'debugger': True}


# ------------------------------------------------------------------------------- changes


def test_display_name_change_with_diff(tmp_path):
    kernel_json = tmp_path / 'kernels' / 'torch' / 'kernel.json'
    run(tmp_path)
    old_text = kernel_json.read_text()

    result = run(tmp_path, display_name='PyTorch 2.4', diff=True)

    new_spec = dict(argv=ARGV, display_name='PyTorch 2.4', language='python')
    assert result['changed'] is True
    assert result['kernelspec'] == new_spec
    assert kernel_json.read_text() == _dump(new_spec)
    assert result['diff'] == dict(
        before_header=str(kernel_json), after_header=str(kernel_json),
        before=old_text, after=_dump(new_spec),
    )
    assert '"display_name": "Python 3 (PyTorch)"' in result['diff']['before']
    assert sorted(os.listdir(kernel_json.parent)) == ['kernel.json']


def test_create_diff_has_empty_before(tmp_path):
    result = run(tmp_path, diff=True)
    assert result['diff']['before'] == ''
    assert result['diff']['after'] == (tmp_path / 'kernels' / 'torch' / 'kernel.json').read_text()


def test_python_option_gives_ipykernel_argv(tmp_path):
    result = run(tmp_path, argv=None, python='/opt/venvs/nlp/bin/python', language='python3')

    expected_argv = ['/opt/venvs/nlp/bin/python', '-m', 'ipykernel_launcher', '-f', '{connection_file}']
    written = json.loads((tmp_path / 'kernels' / 'torch' / 'kernel.json').read_text())
    assert written == dict(argv=expected_argv, display_name='Python 3 (PyTorch)', language='python3')
    assert result['kernelspec'] == written


def test_optional_keys_are_written_when_set(tmp_path):
    run(tmp_path, env={'HF_HOME': '/srv/hf'}, metadata={'debugger': True}, interrupt_mode='message')

    written = json.loads((tmp_path / 'kernels' / 'torch' / 'kernel.json').read_text())
    assert written['env'] == {'HF_HOME': '/srv/hf'}
    assert written['metadata'] == {'debugger': True}
    assert written['interrupt_mode'] == 'message'

    run(tmp_path)  # emptied again: the keys go away

    written = json.loads((tmp_path / 'kernels' / 'torch' / 'kernel.json').read_text())
    assert set(written) == {'argv', 'display_name', 'language'}


def test_env_values_are_stringified(tmp_path):
    result = run(tmp_path, env={'OMP_NUM_THREADS': 4, 'RATIO': 0.5, 'DEBUG': True, 'NAME': 'x', 'EMPTY': ''})

    expected = {'OMP_NUM_THREADS': '4', 'RATIO': '0.5', 'DEBUG': 'True', 'NAME': 'x', 'EMPTY': ''}
    written = json.loads((tmp_path / 'kernels' / 'torch' / 'kernel.json').read_text())
    assert written['env'] == expected
    assert result['kernelspec']['env'] == expected
    assert run(tmp_path, env={'OMP_NUM_THREADS': '4', 'RATIO': '0.5', 'DEBUG': 'True', 'NAME': 'x', 'EMPTY': ''})['changed'] is False


def test_mode_only_change_is_applied_in_place(tmp_path):
    kernel_json = tmp_path / 'kernels' / 'torch' / 'kernel.json'
    run(tmp_path)
    inode = os.lstat(kernel_json).st_ino

    result = run(tmp_path, mode='0600')

    assert result['changed'] is True
    assert file_mode(kernel_json) == 0o600
    assert os.lstat(kernel_json).st_ino == inode


def test_rewrite_does_not_keep_the_old_mode_and_fixes_the_directory(tmp_path):
    kernel_dir = tmp_path / 'kernels' / 'torch'
    kernel_json = kernel_dir / 'kernel.json'
    run(tmp_path)
    os.chmod(kernel_json, 0o666)
    os.chmod(kernel_dir, 0o700)

    result = run(tmp_path, display_name='New')

    assert result['changed'] is True
    assert file_mode(kernel_json) == 0o644
    assert file_mode(kernel_dir) == 0o755


def test_directory_mode_alone_is_a_change(tmp_path):
    kernel_dir = tmp_path / 'kernels' / 'torch'
    run(tmp_path)
    os.chmod(kernel_dir, 0o700)

    assert run(tmp_path)['changed'] is True
    assert file_mode(kernel_dir) == 0o755


def test_new_file_mode_is_exact_whatever_the_umask(tmp_path):
    old_umask = os.umask(0)
    try:
        run(tmp_path, mode='0640')
    finally:
        os.umask(old_umask)
    assert file_mode(tmp_path / 'kernels' / 'torch' / 'kernel.json') == 0o640
    assert file_mode(tmp_path / 'kernels' / 'torch') == 0o755


def test_logo_is_kept_on_update(tmp_path):
    kernel_dir = tmp_path / 'kernels' / 'torch'
    run(tmp_path)
    logo = kernel_dir / 'logo-64x64.png'
    logo.write_bytes(b'\x89PNG fake')

    result = run(tmp_path, display_name='Changed')

    assert result['changed'] is True
    assert logo.read_bytes() == b'\x89PNG fake'
    assert sorted(os.listdir(kernel_dir)) == ['kernel.json', 'logo-64x64.png']
    assert json.loads((kernel_dir / 'kernel.json').read_text())['display_name'] == 'Changed'


@pytest.mark.parametrize('content', [b'{"argv": [', b'', b'\xff\xfe not utf-8', b'[1, 2]'])
def test_invalid_json_on_disk_is_rewritten(tmp_path, content):
    kernel_json = tmp_path / 'kernels' / 'torch' / 'kernel.json'
    kernel_json.parent.mkdir(parents=True)
    kernel_json.write_bytes(content)

    result = run(tmp_path, diff=True)

    assert result['changed'] is True
    assert kernel_json.read_text() == _dump(result['kernelspec'])
    assert result['diff']['after'] == kernel_json.read_text()
    assert result['diff']['before'] != result['diff']['after']


def test_symlink_kernel_json_is_replaced_by_a_file(tmp_path):
    elsewhere = tmp_path / 'elsewhere.json'
    elsewhere.write_text('{}')
    kernel_json = tmp_path / 'kernels' / 'torch' / 'kernel.json'
    kernel_json.parent.mkdir(parents=True)
    kernel_json.symlink_to(elsewhere)

    assert run(tmp_path)['changed'] is True
    assert not kernel_json.is_symlink()
    assert elsewhere.read_text() == '{}'


# ---------------------------------------------------------------------------- check mode


def test_check_mode_create_writes_nothing(tmp_path):
    result = run(tmp_path, check=True, diff=True)

    assert result['changed'] is True
    assert result['kernelspec']['display_name'] == 'Python 3 (PyTorch)'
    assert result['diff']['before'] == '' and result['diff']['after'] == _dump(result['kernelspec'])
    assert os.listdir(tmp_path) == []


def test_check_mode_change_writes_nothing(tmp_path):
    run(tmp_path)
    before = tree(tmp_path)

    result = run(tmp_path, display_name='Other', mode='0600', check=True, diff=True)

    assert result['changed'] is True
    assert '"display_name": "Other"' in result['diff']['after']
    assert tree(tmp_path) == before
    assert run(tmp_path, check=True)['changed'] is False


def test_check_mode_unknown_owner_is_a_change(tmp_path):
    run(tmp_path)
    before = tree(tmp_path)

    result = run(tmp_path, owner='no-such-user-jk', check=True)

    assert result['changed'] is True
    assert tree(tmp_path) == before


def test_run_mode_unknown_owner_fails_before_any_change(tmp_path):
    result = run_failing(tmp_path, group='no-such-group-jk')
    assert "group 'no-such-group-jk'" in result['msg']
    assert os.listdir(tmp_path) == []


# -------------------------------------------------------------------------------- absent


def test_absent_removes_the_directory(tmp_path):
    kernel_dir = tmp_path / 'kernels' / 'torch'
    run(tmp_path)
    (kernel_dir / 'logo-32x32.png').write_bytes(b'png')
    other = tmp_path / 'kernels' / 'other'
    other.mkdir()
    text = (kernel_dir / 'kernel.json').read_text()

    result = run(tmp_path, state='absent', diff=True)

    assert result['changed'] is True
    assert result['kernel_path'] == str(kernel_dir)
    assert result['kernelspec'] == {}
    assert result['diff']['before'] == text and result['diff']['after'] == ''
    assert not kernel_dir.exists()
    assert other.is_dir()  # other kernels are left alone
    assert result['changed_resources'] == [{'kind': 'kernel', 'name': str(kernel_dir)}]
    assert drift_changes('mlops.hosts.jupyter_kernel', {}, result, 't')[0]['name'] == str(kernel_dir)

    again = run(tmp_path, state='absent', diff=True)
    assert again['changed'] is False
    assert again['diff']['before'] == '' and again['diff']['after'] == ''


def test_absent_in_check_mode_keeps_the_directory(tmp_path):
    run(tmp_path)
    before = tree(tmp_path)

    result = run(tmp_path, state='absent', check=True)

    assert result['changed'] is True
    assert tree(tmp_path) == before


def test_absent_removes_only_a_symlink_not_its_target(tmp_path):
    target = tmp_path / 'real-kernel'
    target.mkdir()
    (target / 'kernel.json').write_text('{}')
    (tmp_path / 'kernels').mkdir()
    (tmp_path / 'kernels' / 'torch').symlink_to(target)

    assert run(tmp_path, state='absent')['changed'] is True
    assert not os.path.lexists(tmp_path / 'kernels' / 'torch')
    assert (target / 'kernel.json').read_text() == '{}'


def test_absent_ignores_present_only_options(tmp_path):
    assert run(tmp_path, state='absent', display_name=None, argv=None)['changed'] is False


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize('bad, expected', [
    (dict(argv=None), 'one of argv or python is required'),
    (dict(python='/usr/bin/python3'), 'argv and python are mutually exclusive'),
    (dict(argv=['/usr/bin/python3', '-m', 'ipykernel_launcher']), 'argv must contain the placeholder {connection_file}'),
    (dict(argv=[]), 'argv must contain the placeholder {connection_file}'),
    (dict(name='Torch'), 'lower case'),
    (dict(name='.hidden'), "name '.hidden' is not a valid kernel name"),
    (dict(name='a/b'), "name 'a/b' is not a valid kernel name"),
    (dict(name=''), "name '' is not a valid kernel name"),
    (dict(display_name=None), 'display_name is required'),
    (dict(display_name=''), 'display_name is required'),
    (dict(env={'GOOD': 'x', 'BAD': None}), "env 'BAD' has no value"),
    (dict(mode='644'), 'mode must be a quoted string of four octal digits'),
    (dict(mode='420'), 'mode must be a quoted string of four octal digits'),  # unquoted YAML 0644
    (dict(prefix='relative/jupyter'), "prefix 'relative/jupyter' must be an absolute path"),
])
def test_bad_input_fails_before_any_change(tmp_path, bad, expected):
    args = dict(bad)
    if 'prefix' in args:
        prefix = args.pop('prefix')
    else:
        prefix = tmp_path
    result = run_failing(prefix, **args)

    assert expected in result['msg']
    assert os.listdir(tmp_path) == []


def test_bad_input_leaves_an_existing_kernel_untouched(tmp_path):
    run(tmp_path)
    before = tree(tmp_path)

    result = run_failing(tmp_path, display_name='New', env={'X': None})

    assert 'env' in result['msg']
    assert tree(tmp_path) == before


def test_bad_interrupt_mode_fails(tmp_path):
    result = run_failing(tmp_path, interrupt_mode='sigterm')
    assert 'interrupt_mode' in result['msg']
    assert os.listdir(tmp_path) == []


def test_kernel_path_that_is_a_file_fails(tmp_path):
    (tmp_path / 'kernels').mkdir()
    (tmp_path / 'kernels' / 'torch').write_text('not a directory')

    result = run_failing(tmp_path)

    assert 'is not a directory' in result['msg']
    assert (tmp_path / 'kernels' / 'torch').read_text() == 'not a directory'


def test_prefix_that_is_a_file_fails(tmp_path):
    prefix = tmp_path / 'jupyter'
    prefix.write_text('not a directory')

    result = run_failing(prefix)

    assert 'parent %r of the kernel directory exists but is not a directory' % str(prefix) in result['msg']
    assert prefix.read_text() == 'not a directory'
