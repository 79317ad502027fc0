# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for mlops.hosts.config_files, run against real files below tmp_path."""

from __future__ import annotations

import os
import pwd

import pytest

from ansible.module_utils import basic

from ansible_collections.mlops.hosts.plugins.modules import config_files
from ansible_collections.mlops.hosts.plugins.plugin_utils._drift import changes as drift_changes
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import GROUP, IS_ROOT, USER, file_mode, run_in_mode, run_module, tree

SECRET = 'db_password=hunter2-very-secret\n'


def _item(path, content=None, **kwargs):
    item = dict(path=str(path), owner=USER, group=GROUP)
    if content is not None:
        item['content'] = content
    item.update(kwargs)
    return item


def _args(files, exclusive_dirs=None, check=False, diff=False, secrets=None):
    args = dict(files=files, _ansible_check_mode=check, _ansible_diff=diff)
    if secrets is not None:
        args['secrets'] = secrets
    if exclusive_dirs is not None:
        args['exclusive_dirs'] = [str(d) for d in exclusive_dirs]
    return args


def run(files, **kwargs):
    return run_module(config_files, _args(files, **kwargs))


def run_failing(files, **kwargs):
    return run_module(config_files, _args(files, **kwargs), fails=True)


# --------------------------------------------------------------------------- create / no-op


@pytest.mark.skipif(not IS_ROOT, reason='parent directories are created root:root')
def test_create_file_and_parent_dirs(tmp_path):
    target = tmp_path / 'etc' / 'app' / 'conf.d' / 'main.conf'
    result = run([_item(target, 'key = value', mode='0640', parents_mode='0750')])

    assert result['changed'] is True
    assert result['changed_paths'] == [str(target)]
    assert result['removed_paths'] == []
    assert target.read_bytes() == b'key = value'
    assert file_mode(target) == 0o640
    assert os.lstat(target).st_uid == os.geteuid()
    for parent in (tmp_path / 'etc', tmp_path / 'etc' / 'app', tmp_path / 'etc' / 'app' / 'conf.d'):
        assert parent.is_dir()
        assert file_mode(parent) == 0o750
        assert (os.lstat(parent).st_uid, os.lstat(parent).st_gid) == (0, 0)
    assert sorted(os.listdir(target.parent)) == ['main.conf']  # no temporary file left behind


def test_content_is_written_byte_exact(tmp_path):
    target = tmp_path / 'motd'
    content = 'héllo\r\nwörld\t✓'
    run([_item(target, content)])
    assert target.read_bytes() == content.encode('utf-8')


def test_second_run_is_noop(tmp_path):
    files = [
        _item(tmp_path / 'a.conf', 'a\n'),
        _item(tmp_path / 'b.conf', 'b\n', mode='0600'),
        _item(tmp_path / 'c.link', link='a.conf'),
        _item(tmp_path / 'gone.conf', state='absent'),
    ]
    first = run(files, exclusive_dirs=[tmp_path])
    assert first['changed'] is True
    before = tree(tmp_path)

    second = run(files, exclusive_dirs=[tmp_path], diff=True)
    assert second['changed'] is False
    assert second['changed_paths'] == []
    assert second['removed_paths'] == []
    assert second['diff'] == []
    assert tree(tmp_path) == before


def test_new_file_mode_is_exact_whatever_the_umask(tmp_path):
    target = tmp_path / 'strict.conf'
    old_umask = os.umask(0)
    try:
        run([_item(target, 'x', mode='0640')])
    finally:
        os.umask(old_umask)
    assert file_mode(target) == 0o640


def test_rewrite_does_not_keep_the_old_mode(tmp_path):
    target = tmp_path / 'token'
    target.write_text('old')
    os.chmod(target, 0o666)

    result = run([_item(target, 'new', mode='0600')])

    assert result['changed_paths'] == [str(target)]
    assert target.read_text() == 'new'
    assert file_mode(target) == 0o600


# ------------------------------------------------------------------------------- changes


def test_content_change_with_diff(tmp_path):
    target = tmp_path / 'app.conf'
    run([_item(target, 'port = 1\n')])

    result = run([_item(target, 'port = 2\n')], diff=True)

    assert result['changed'] is True
    assert result['changed_paths'] == [str(target)]
    assert target.read_text() == 'port = 2\n'
    assert result['diff'] == [dict(
        before_header=str(target), after_header=str(target),
        before='port = 1\n', after='port = 2\n',
    )]
    assert result['changed_resources'] == [{'kind': 'file', 'name': str(target)}]
    assert drift_changes('mlops.hosts.config_files', {}, result, 't') == [
        {'kind': 'file', 'name': str(target), 'summary': '-port = 1\n+port = 2'}]


def test_mode_only_change_does_not_rewrite_content(tmp_path):
    target = tmp_path / 'app.conf'
    run([_item(target, 'same\n', mode='0644')])
    inode = os.lstat(target).st_ino

    result = run([_item(target, 'same\n', mode='0600')], diff=True)

    assert result['changed'] is True
    assert result['changed_paths'] == [str(target)]
    assert file_mode(target) == 0o600
    assert os.lstat(target).st_ino == inode  # chmod in place, not a new file
    assert target.read_text() == 'same\n'
    assert result['diff'] == [dict(
        before_header=str(target), after_header=str(target),
        before='owner=%s\ngroup=%s\nmode=0644\n' % (USER, GROUP),
        after='owner=%s\ngroup=%s\nmode=0600\n' % (USER, GROUP),
    )]


@pytest.mark.skipif(not IS_ROOT, reason='changing the owner needs root')
def test_owner_only_change(tmp_path):
    target = tmp_path / 'app.conf'
    run([_item(target, 'same\n')])
    inode = os.lstat(target).st_ino

    result = run([_item(target, 'same\n', owner='nobody', group='0')])

    assert result['changed_paths'] == [str(target)]
    st = os.lstat(target)
    assert (st.st_uid, st.st_gid, st.st_ino) == (pwd.getpwnam('nobody').pw_uid, 0, inode)


def test_content_and_mode_change_give_two_diff_entries(tmp_path):
    target = tmp_path / 'app.conf'
    run([_item(target, 'a\n', mode='0644')])

    result = run([_item(target, 'b\n', mode='0640')], diff=True)

    assert file_mode(target) == 0o640 and target.read_text() == 'b\n'
    assert result['changed_paths'] == [str(target)]
    assert [(d['before'], d['after']) for d in result['diff']] == [
        ('a\n', 'b\n'),
        ('owner=%s\ngroup=%s\nmode=0644\n' % (USER, GROUP), 'owner=%s\ngroup=%s\nmode=0640\n' % (USER, GROUP)),
    ]


def test_symlink_at_path_is_replaced_by_a_file(tmp_path):
    real = tmp_path / 'real.conf'
    real.write_text('real')
    target = tmp_path / 'app.conf'
    target.symlink_to(real)

    result = run([_item(target, 'own content')])

    assert result['changed_paths'] == [str(target)]
    assert not target.is_symlink()
    assert target.read_text() == 'own content'
    assert real.read_text() == 'real'


# --------------------------------------------------------------------------------- links


def test_link_create_and_repoint(tmp_path):
    link = tmp_path / 'current'

    created = run([_item(link, link='/opt/app/1.0')], diff=True)
    assert created['changed_paths'] == [str(link)]
    assert os.readlink(link) == '/opt/app/1.0'
    assert created['diff'][0]['before'] == ''
    assert created['diff'][0]['after'] == 'link -> /opt/app/1.0\n'

    repointed = run([_item(link, link='/opt/app/2.0')], diff=True)
    assert repointed['changed_paths'] == [str(link)]
    assert os.readlink(link) == '/opt/app/2.0'
    assert repointed['diff'] == [dict(
        before_header=str(link), after_header=str(link),
        before='link -> /opt/app/1.0\n', after='link -> /opt/app/2.0\n',
    )]

    again = run([_item(link, link='/opt/app/2.0')])
    assert again['changed'] is False


def test_link_replaces_regular_file_and_link_to_directory(tmp_path):
    target_dir = tmp_path / 'release'
    target_dir.mkdir()
    file_path = tmp_path / 'was-a-file'
    file_path.write_text('x')
    dir_link = tmp_path / 'was-a-dir-link'
    dir_link.symlink_to(target_dir)

    result = run([_item(file_path, link='release'), _item(dir_link, link='elsewhere')])

    assert result['changed_paths'] == [str(file_path), str(dir_link)]
    assert os.readlink(file_path) == 'release'
    assert os.readlink(dir_link) == 'elsewhere'
    assert os.listdir(target_dir) == []  # ln -sfn: no link created inside the directory


# -------------------------------------------------------------------------------- absent


def test_absent_removes_file_and_link(tmp_path):
    file_path = tmp_path / 'old.conf'
    file_path.write_text('old\n')
    link = tmp_path / 'old.link'
    link.symlink_to(file_path)
    missing = tmp_path / 'never-existed'

    result = run([
        _item(file_path, state='absent'),
        _item(link, state='absent'),
        _item(missing, state='absent'),
    ], diff=True)

    assert result['changed_paths'] == [str(file_path), str(link)]
    assert result['removed_paths'] == [str(file_path), str(link)]
    assert not os.path.lexists(file_path) and not os.path.lexists(link)
    assert [(d['before'], d['after']) for d in result['diff']] == [
        ('old\n', ''), ('link -> %s\n' % file_path, ''),
    ]
    assert result['changed_resources'] == [{'kind': 'file', 'name': str(file_path), 'summary': 'removed'},
                                           {'kind': 'file', 'name': str(link), 'summary': 'removed'}]


def test_absent_never_removes_a_directory(tmp_path):
    directory = tmp_path / 'conf.d'
    directory.mkdir()

    result = run_failing([_item(directory, state='absent')])

    assert 'files[0].path %r' % str(directory) in result['msg']
    assert directory.is_dir()


# ------------------------------------------------------------------------ exclusive_dirs


def test_exclusive_dirs_removes_unlisted_and_keeps_listed(tmp_path):
    conf_d = tmp_path / 'conf.d'
    conf_d.mkdir()
    listed = conf_d / '10-listed.conf'
    listed.write_text('keep\n')
    stray = conf_d / '50-stray.conf'
    stray.write_text('stray\n')
    stray_link = conf_d / '60-stray.link'
    stray_link.symlink_to(listed)
    subdir = conf_d / 'subdir'
    subdir.mkdir()
    (subdir / 'nested.conf').write_text('nested\n')
    new = conf_d / '20-new.conf'

    result = run(
        [_item(listed, 'keep\n'), _item(new, 'new\n')],
        exclusive_dirs=[conf_d, tmp_path / 'does-not-exist'],
        diff=True,
    )

    assert sorted(os.listdir(conf_d)) == ['10-listed.conf', '20-new.conf', 'subdir']
    assert listed.read_text() == 'keep\n'
    assert (subdir / 'nested.conf').read_text() == 'nested\n'
    assert result['changed_paths'] == [str(new), str(stray), str(stray_link)]
    assert result['removed_paths'] == [str(stray), str(stray_link)]
    diffs = {d['before_header']: d for d in result['diff']}
    assert 'stray' not in diffs[str(stray)]['before']  # unlisted content is not shown
    assert diffs[str(stray_link)]['before'] == 'link -> %s\n' % listed


def test_exclusive_dirs_keeps_listed_link_and_handles_absent_item_once(tmp_path):
    conf_d = tmp_path / 'conf.d'
    conf_d.mkdir()
    old = conf_d / 'old.conf'
    old.write_text('old')

    result = run([_item(conf_d / 'link', link='x'), _item(old, state='absent')], exclusive_dirs=[conf_d])

    assert os.listdir(conf_d) == ['link']
    assert result['changed_paths'] == [str(conf_d / 'link'), str(old)]
    assert result['removed_paths'] == [str(old)]


# ---------------------------------------------------------------------------- check mode


def test_check_mode_writes_nothing_but_reports_changes(tmp_path):
    existing = tmp_path / 'existing.conf'
    existing.write_text('old\n')
    os.chmod(existing, 0o644)
    chmod_only = tmp_path / 'chmod-only.conf'
    chmod_only.write_text('same\n')
    os.chmod(chmod_only, 0o644)
    stray = tmp_path / 'stray.conf'
    stray.write_text('stray\n')
    link = tmp_path / 'link'
    new_in_missing_dir = tmp_path / 'missing' / 'dir' / 'new.conf'
    unknown_owner = tmp_path / 'unknown-owner.conf'
    files = [
        _item(existing, 'new\n'),
        _item(chmod_only, 'same\n', mode='0600'),
        _item(link, link='/somewhere'),
        _item(new_in_missing_dir, 'new\n'),
        _item(unknown_owner, 'x', owner='no-such-user-cf', group='no-such-group-cf'),
    ]
    before = tree(tmp_path)

    result = run(files, exclusive_dirs=[tmp_path], check=True, diff=True)

    assert tree(tmp_path) == before
    assert result['changed'] is True
    assert result['changed_paths'] == [
        str(existing), str(chmod_only), str(link), str(new_in_missing_dir), str(unknown_owner), str(stray),
    ]
    assert result['removed_paths'] == [str(stray)]
    diffs = {d['before_header']: d for d in result['diff']}
    assert (diffs[str(existing)]['before'], diffs[str(existing)]['after']) == ('old\n', 'new\n')
    assert diffs[str(new_in_missing_dir)]['before'] == ''
    assert diffs[str(unknown_owner)]['after'] == 'x'


def test_check_mode_unknown_owner_on_existing_file_is_a_change(tmp_path):
    target = tmp_path / 'app.conf'
    run([_item(target, 'same')])

    result = run([_item(target, 'same', owner='no-such-user-cf')], check=True, diff=True)

    assert result['changed_paths'] == [str(target)]
    assert 'owner=no-such-user-cf\n' in result['diff'][0]['after']
    assert os.lstat(target).st_uid == os.geteuid()


@pytest.mark.parametrize('field', ['owner', 'group'])
def test_run_mode_unknown_owner_or_group_fails_before_any_change(tmp_path, field):
    first = tmp_path / 'first.conf'
    target = tmp_path / 'app.conf'

    result = run_failing([_item(first, 'a'), _item(target, 'x', **{field: 'no-such-name-cf'})])

    assert 'files[1].path %r' % str(target) in result['msg']
    assert "%s 'no-such-name-cf'" % field in result['msg']
    assert os.listdir(tmp_path) == []


# -------------------------------------------------------------------------------- secret


def test_secret_content_is_hidden(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, 'log', lambda self, msg, log_args=None: logged.append(msg))
    target = tmp_path / 'db.env'
    run([_item(target, 'db_password=old-secret-value\n', secret=True)])

    result = run([_item(target, SECRET, secret=True)], diff=True)

    assert target.read_text() == SECRET
    assert result['changed_paths'] == [str(target)]
    assert len(result['diff']) == 1
    entry = result['diff'][0]
    assert entry['before_header'] == str(target)
    assert entry['before'] != entry['after']
    assert 'secret content hidden' in entry['before'] and 'secret content hidden' in entry['after']
    invocation_files = result['invocation']['module_args']['files']
    assert invocation_files[0]['path'] == str(target)
    assert invocation_files[0]['content'] != SECRET
    for text in (repr(result), ' '.join(logged)):
        assert 'hunter2' not in text
        assert 'old-secret-value' not in text
    assert logged  # the invocation was logged, only without the secret


def test_secret_hidden_when_created_and_when_removed(tmp_path):
    target = tmp_path / 'token'

    created = run([_item(target, SECRET, secret=True)], diff=True)
    removed = run([_item(target, state='absent', secret=True)], diff=True)

    assert 'hunter2' not in repr(created) and 'hunter2' not in repr(removed)
    assert created['diff'][0]['before'] == '' and 'secret content hidden' in created['diff'][0]['after']
    assert 'secret content hidden' in removed['diff'][0]['before'] and removed['diff'][0]['after'] == ''
    assert not target.exists()


def test_url_passwords_are_masked_in_the_diff_and_arguments_but_written(tmp_path):
    target = tmp_path / 'pip.conf'
    run([_item(target, 'proxy = http://alice:Old-Pass@proxy:3128\n')])

    result = run([_item(target, 'proxy = http://alice:S3cret-Example@proxy:3128\n')], diff=True,
                 secrets=['S3cret-Example', 'Old-Pass'])

    assert target.read_text() == 'proxy = http://alice:S3cret-Example@proxy:3128\n'
    text = repr(result)
    assert 'S3cret-Example' not in text and 'Old-Pass' not in text
    assert 'http://alice:***@proxy:3128' in result['diff'][0]['after']
    assert 'http://alice:***@proxy:3128' in result['diff'][0]['before']


def test_an_old_url_password_no_option_names_is_masked_in_the_diff(tmp_path):
    target = tmp_path / 'pip.conf'
    run([_item(target, 'proxy = http://alice:Old-Pass@proxy:3128\n')])

    result = run([_item(target, 'proxy = http://alice:New-Pass@proxy:3128\n')], diff=True)

    assert 'Old-Pass' not in repr(result['diff']) and 'New-Pass' not in repr(result['diff'])
    assert result['diff'][0]['before'] == 'proxy = http://alice:***@proxy:3128\n'


# ------------------------------------------------------------------------------ validate


def test_validate_success_sees_the_new_content(tmp_path):
    target = tmp_path / 'sudoers'
    result = run([_item(target, 'valid\n', validate="/bin/sh -c 'grep -qx valid \"$1\"' validator %s")])
    assert result['changed'] is True
    assert target.read_text() == 'valid\n'


def test_validate_failure_leaves_target_untouched(tmp_path):
    target = tmp_path / 'sudoers'
    target.write_text('good\n')
    os.chmod(target, 0o440)
    other = tmp_path / 'other.conf'
    before = tree(tmp_path)

    result = run_failing([
        _item(other, 'other\n'),
        _item(target, 'broken\n', mode='0440',
              validate="/bin/sh -c 'echo \"syntax error near line 1\" >&2; exit 1' validator %s"),
    ])

    assert 'files[1].path %r' % str(target) in result['msg']
    assert 'syntax error near line 1' in result['msg']
    assert result['rc'] == 1
    # Neither the failing file nor the earlier item was replaced; no temporary file is left.
    assert tree(tmp_path) == before


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize('bad, expected', [
    (dict(path='relative/app.conf', content='x'), 'must be an absolute path'),
    (dict(content='x', link='/y'), 'mutually exclusive'),
    (dict(), 'content (or link) is required'),
    (dict(content='x', mode='644'), 'four octal digits'),
    (dict(content='x', mode='420'), 'four octal digits'),  # unquoted YAML 0644
    (dict(content='x', mode='u=rw'), 'four octal digits'),
    (dict(content='x', mode='0849'), 'four octal digits'),
    (dict(content='x', parents_mode='755'), 'parents_mode'),
    (dict(content='x', validate='visudo -cf'), 'must contain %s'),
])
def test_bad_input_fails_naming_the_item(tmp_path, bad, expected):
    good = _item(tmp_path / 'good.conf', 'good')
    bad_item = _item(tmp_path / 'bad.conf')
    bad_item.update(bad)

    result = run_failing([good, bad_item])

    assert 'files[1].path %r' % bad_item['path'] in result['msg']
    assert expected in result['msg']
    assert os.listdir(tmp_path) == []  # checked before anything was written


def test_duplicate_path_fails_naming_both_items(tmp_path):
    path = str(tmp_path / 'app.conf')

    result = run_failing([_item(path, 'a'), _item(tmp_path / 'other', 'b'), _item(path + '/', 'c')])

    assert "files[2].path '%s/'" % path in result['msg']
    assert 'files[0].path %r' % path in result['msg']
    assert os.listdir(tmp_path) == []


def test_relative_exclusive_dir_fails(tmp_path):
    result = run_failing([_item(tmp_path / 'a', 'a')], exclusive_dirs=['relative/dir'])
    assert "'relative/dir'" in result['msg']
    assert os.listdir(tmp_path) == []


def test_parent_that_is_a_file_fails_before_any_change(tmp_path):
    blocker = tmp_path / 'etc'
    blocker.write_text('not a directory')
    first = tmp_path / 'first.conf'
    before = tree(tmp_path)

    result = run_failing([_item(first, 'a'), _item(blocker / 'app' / 'app.conf', 'x')])

    assert 'files[1].path %r' % str(blocker / 'app' / 'app.conf') in result['msg']
    assert 'parent %r exists but is not a directory' % str(blocker) in result['msg']
    assert tree(tmp_path) == before


# ------------------------------------------------------------------------------ directories


def test_directory_created_with_mode_then_noop(tmp_path):
    target = tmp_path / 'shared'
    first = run([_item(target, state='directory', mode='2775')], diff=True)
    assert first['changed'] is True
    assert target.is_dir() and file_mode(target) == 0o2775
    assert first['diff'][0]['before'] == '' and first['diff'][0]['after'].startswith('directory\n')
    (target / 'notebook.ipynb').write_text('{}')
    second = run([_item(target, state='directory', mode='2775')])
    assert second['changed'] is False
    assert (target / 'notebook.ipynb').read_text() == '{}'


def test_directory_mode_drift_is_fixed_and_contents_kept(tmp_path):
    target = tmp_path / 'shared'
    target.mkdir(mode=0o700)
    (target / 'data.csv').write_text('a,b\n')
    before = tree(target)
    check = run([_item(target, state='directory', mode='0755')], check=True, diff=True)
    assert check['changed'] is True and file_mode(target) == 0o700
    assert 'mode=0700' in check['diff'][0]['before'] and 'mode=0755' in check['diff'][0]['after']
    run([_item(target, state='directory', mode='0755')])
    assert file_mode(target) == 0o755
    assert tree(target) == before


def test_directory_then_file_inside_it_in_one_run(tmp_path):
    folder = tmp_path / 'conf'
    result = run([_item(folder, state='directory', mode='0750'), _item(folder / 'a.conf', 'x')])
    assert result['changed_paths'] == [str(folder), str(folder / 'a.conf')]
    assert file_mode(folder) == 0o750 and (folder / 'a.conf').read_text() == 'x'


def test_directory_listed_after_a_file_inside_it_gets_its_mode(tmp_path):
    folder = tmp_path / 'conf'
    run([_item(folder / 'a.conf', 'x', parents_mode='0755'), _item(folder, state='directory', mode='0700')])
    assert file_mode(folder) == 0o700


def test_directory_never_replaces_a_file_or_takes_content(tmp_path):
    target = tmp_path / 'shared'
    target.write_text('keep')
    assert 'is not a directory' in run_failing([_item(target, state='directory')])['msg']
    assert target.read_text() == 'keep'
    assert 'not allowed with state=directory' in run_failing([_item(tmp_path / 'd', 'x', state='directory')])['msg']


def test_directory_check_mode_creates_nothing(tmp_path):
    target = tmp_path / 'a' / 'b'
    result = run([_item(target, state='directory')], check=True)
    assert result['changed'] is True and not (tmp_path / 'a').exists()


# ---------------------------------------------------------------- state=attributes (secrets made on the host)


def test_attributes_only_fixes_mode_without_reading_content(tmp_path, monkeypatch):
    secret = tmp_path / 'cookie_secret'
    secret.write_text('s3cr3t-made-on-the-host\n')
    os.chmod(str(secret), 0o644)
    opened = []
    real_open = open

    def spy_open(path, *args, **kwargs):
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr('builtins.open', spy_open)
    item = {'path': str(secret), 'state': 'attributes', 'owner': USER, 'group': GROUP, 'mode': '0600'}

    checked = run_in_mode(config_files, {'files': [item]}, check_mode=True, diff=True)
    assert checked['changed'] is True
    assert checked['changed_paths'] == [str(secret)]
    assert file_mode(str(secret)) == 0o644
    assert 's3cr3t' not in repr(checked)
    assert 'mode=0644' in checked['diff'][0]['before'] and 'mode=0600' in checked['diff'][0]['after']

    ran = run_in_mode(config_files, {'files': [item]})
    assert ran['changed'] is True
    assert file_mode(str(secret)) == 0o600
    assert secret.read_text() == 's3cr3t-made-on-the-host\n'
    assert str(secret) not in opened

    again = run_in_mode(config_files, {'files': [item]})
    assert again['changed'] is False


def test_attributes_only_missing_file_is_no_change(tmp_path):
    result = run_in_mode(config_files, {'files': [{'path': str(tmp_path / 'not-made-yet'), 'state': 'attributes',
                                                   'mode': '0600'}]})

    assert result['changed'] is False
    assert not (tmp_path / 'not-made-yet').exists()


@pytest.mark.parametrize('extra, message', [
    ({'content': 'x'}, 'content and link are not allowed with state=attributes'),
    ({'link': '/x'}, 'content and link are not allowed with state=attributes'),
])
def test_attributes_only_refuses_content_and_link(tmp_path, extra, message):
    result = run_in_mode(config_files, {'files': [dict(path=str(tmp_path / 'f'), state='attributes', **extra)]}, fails=True)

    assert message in result['msg']


def test_attributes_only_refuses_a_directory(tmp_path):
    result = run_in_mode(config_files, {'files': [{'path': str(tmp_path), 'state': 'attributes'}]}, fails=True)

    assert 'is not a regular file' in result['msg']


# ------------------------------------------------------------------------- refuse_change


@pytest.mark.parametrize('check', [False, True])
def test_refuse_change_fails_on_other_content_before_any_file_is_written(tmp_path, check):
    first = tmp_path / 'zoo.cfg'
    myid = tmp_path / 'myid'
    myid.write_text('9\n')
    os.chmod(myid, 0o644)

    result = run_failing([_item(first, 'tickTime=2000\n'), _item(myid, '3\n', refuse_change='set the id to the one on disk')],
                         check=check)

    assert result['msg'] == "%s holds '9', not '3': set the id to the one on disk; no file was changed" % myid
    assert not first.exists()
    assert myid.read_text() == '9\n'


def test_refuse_change_writes_a_missing_file_and_keeps_an_equal_one(tmp_path):
    myid = tmp_path / 'myid'
    assert run([_item(myid, '3\n', refuse_change='no')])['changed'] is True
    assert myid.read_text() == '3\n'
    assert run([_item(myid, '3\n', refuse_change='no')])['changed'] is False


def test_refuse_change_of_a_secret_file_does_not_show_its_content(tmp_path):
    token = tmp_path / 'token'
    token.write_text('old-token-value\n')
    os.chmod(token, 0o600)

    result = run_failing([_item(token, 'new-token-value\n', mode='0600', secret=True, refuse_change='keep it')])

    assert result['msg'] == '%s holds other content: keep it; no file was changed' % token
    assert 'token-value' not in repr(result)


# --------------------------------------------------------------------------------- block

GITCONFIG = '[user]\n\tname = Site Admin\n[core]\n\teditor = vim'  # the site's, without a final newline


def test_block_is_added_after_the_rest_and_then_kept(tmp_path):
    target = tmp_path / 'gitconfig'
    target.write_text(GITCONFIG)
    os.chmod(target, 0o644)
    item = _item(target, '[diff "jupyternotebook"]\n\tcommand = git-nbdiffdriver diff', block='mlops jupyterhub')

    result = run([item], diff=True)

    assert result['changed'] is True
    assert target.read_text() == (GITCONFIG + '\n# BEGIN mlops jupyterhub\n[diff "jupyternotebook"]\n'
                                  '\tcommand = git-nbdiffdriver diff\n# END mlops jupyterhub\n')
    assert result['diff'][0]['before'] == GITCONFIG
    assert run([item])['changed'] is False


def test_block_is_replaced_in_place_keeping_the_lines_around_it(tmp_path):
    target = tmp_path / 'gitattributes'
    target.write_text('*.csv text\n# BEGIN ours\n*.ipynb diff=old\n# END ours\r\n*.png binary\n')
    os.chmod(target, 0o644)

    assert run([_item(target, '*.ipynb diff=jupyternotebook\n', block='ours')])['changed'] is True

    assert target.read_text() == '*.csv text\n# BEGIN ours\n*.ipynb diff=jupyternotebook\n# END ours\n*.png binary\n'


def test_block_creates_a_missing_file_with_its_mode(tmp_path):
    target = tmp_path / 'etc' / 'gitattributes'
    run([_item(target, '*.ipynb diff=jupyternotebook\n', block='ours', mode='0644')])
    assert target.read_text() == '# BEGIN ours\n*.ipynb diff=jupyternotebook\n# END ours\n'
    assert file_mode(target) == 0o644


def test_block_absent_removes_only_the_block_and_keeps_the_mode(tmp_path):
    target = tmp_path / 'gitconfig'
    target.write_text('[a]\n# BEGIN ours\nx\n# END ours\n[b]\n')
    os.chmod(target, 0o600)

    check = run([_item(target, state='absent', block='ours')], check=True, diff=True)
    assert check['changed'] is True and check['diff'][0]['after'] == '[a]\n[b]\n'
    assert 'BEGIN' in target.read_text()

    assert run([_item(target, state='absent', block='ours')])['changed'] is True
    assert target.read_text() == '[a]\n[b]\n'
    assert file_mode(target) == 0o600
    assert run([_item(target, state='absent', block='ours')])['changed'] is False
    assert run([_item(tmp_path / 'missing', state='absent', block='ours')])['changed'] is False
    assert not (tmp_path / 'missing').exists()


def test_block_without_its_end_line_fails_before_any_file_is_written(tmp_path):
    first = tmp_path / 'first.conf'
    target = tmp_path / 'gitconfig'
    target.write_text('[a]\n# BEGIN ours\nx\n')

    result = run_failing([_item(first, 'a\n'), _item(target, 'y\n', block='ours')])

    assert result['msg'] == ("%s has the line '# BEGIN ours' but no '# END ours' after it: put the end line back "
                             "(or remove the block) by hand; no file was changed" % target)
    assert not first.exists()
    assert target.read_text() == '[a]\n# BEGIN ours\nx\n'


@pytest.mark.parametrize('extra, message', [
    (dict(block=''), 'block must be a non-empty marker on one line'),
    (dict(block='a\nb'), 'block must be a non-empty marker on one line'),
    (dict(block='ours', state='directory'), 'block is only allowed with state=present'),
])
def test_block_refuses_bad_markers_and_states(tmp_path, extra, message):
    item = _item(tmp_path / 'x', **extra)
    if extra.get('state') != 'directory':
        item['content'] = 'y\n'
    assert message in run_failing([item])['msg']


def test_block_refuses_a_symbolic_link(tmp_path):
    (tmp_path / 'real').write_text('a\n')
    os.symlink('real', tmp_path / 'gitconfig')
    result = run_failing([_item(tmp_path / 'gitconfig', 'y\n', block='ours')])
    assert 'is a symbolic link: a block is only kept in a regular file' in result['msg']
