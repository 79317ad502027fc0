# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for mlops.hosts.hadoop_site, run against real files below tmp_path."""

from __future__ import annotations

import os
import pwd

import pytest

from ansible.module_utils import basic

from ansible_collections.mlops.hosts.plugins.modules import hadoop_site
from ansible_collections.mlops.hosts.plugins.plugin_utils._drift import changes as drift_changes
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import GROUP, IS_ROOT, USER, file_mode, run_module, tree

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Shaped like the core-site.xml that Hadoop's binary distribution ships, with some properties added by hand.
HADOOP_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>
<!--
  Licensed under the Apache License, Version 2.0 (the "License");
  you may not use this file except in compliance with the License.
-->

<!-- Put site-specific property overrides in this file. -->

<configuration>
<!-- Storage -->
<property>
  <name>hadoop.tmp.dir</name>
  <value>/var/lib/hadoop/tmp</value>
  <description>A base for other temporary directories.</description>
</property>
<property><name>io.file.buffer.size</name><value>131072</value></property>
</configuration>
"""

SECRET = 'hunter2-very-secret'


def _prop(name, value, final=False, indent='  '):
    lines = [indent + '<property>', indent * 2 + '<name>%s</name>' % name, indent * 2 + '<value>%s</value>' % value]
    if final:
        lines.append(indent * 2 + '<final>true</final>')
    lines.append(indent + '</property>')
    return '\n'.join(lines) + '\n'


def _file(*props):
    """The text hadoop_site writes for a file that holds exactly props ((name, value[, final]) tuples)."""
    return DECLARATION + '<configuration>\n' + ''.join(_prop(*p) for p in props) + '</configuration>\n'


def _args(path, check=False, diff=False, **kwargs):
    args = dict(path=str(path), owner=USER, group=GROUP, _ansible_check_mode=check, _ansible_diff=diff)
    args.update(kwargs)
    return args


def run(path, **kwargs):
    return run_module(hadoop_site, _args(path, **kwargs))


def run_failing(path, **kwargs):
    return run_module(hadoop_site, _args(path, **kwargs), fails=True)


@pytest.fixture
def site(tmp_path):
    path = tmp_path / 'core-site.xml'
    path.write_text(HADOOP_FILE)
    os.chmod(path, 0o644)
    return path


# --------------------------------------------------------------------------- create / add


def test_add_to_missing_file_creates_it(tmp_path):
    path = tmp_path / 'hdfs-site.xml'

    result = run(path, properties={'dfs.replication': 3, 'dfs.namenode.name.dir': 'file:///srv/hdfs/name'}, mode='0640')

    assert result['changed'] is True
    assert result['path'] == str(path)
    assert result['added'] == ['dfs.replication', 'dfs.namenode.name.dir']
    assert result['changed_properties'] == [] and result['removed'] == []
    assert path.read_text() == _file(('dfs.replication', '3'), ('dfs.namenode.name.dir', 'file:///srv/hdfs/name'))
    assert file_mode(path) == 0o640
    st = os.lstat(path)
    assert (st.st_uid, st.st_gid) == (os.geteuid(), os.getegid())
    assert os.listdir(tmp_path) == ['hdfs-site.xml']  # no temporary file left behind


def test_missing_file_without_properties_gets_an_empty_configuration(tmp_path):
    path = tmp_path / 'yarn-site.xml'
    result = run(path)
    assert result['changed'] is True and result['added'] == []
    assert path.read_text() == DECLARATION + '<configuration>\n</configuration>\n'


def test_add_to_existing_file_keeps_everything_else(site):
    result = run(site, properties={'fs.defaultFS': 'hdfs://nn1.example.com:8020'})

    assert result['changed'] is True
    assert result['added'] == ['fs.defaultFS']
    assert site.read_text() == (
        DECLARATION
        + '<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>\n'
        + '<!--\n  Licensed under the Apache License, Version 2.0 (the "License");\n'
        + '  you may not use this file except in compliance with the License.\n-->\n'
        + '<!-- Put site-specific property overrides in this file. -->\n'
        + '<configuration>\n'
        + '  <!-- Storage -->\n'
        + '  <property>\n'
        + '    <name>hadoop.tmp.dir</name>\n'
        + '    <value>/var/lib/hadoop/tmp</value>\n'
        + '    <description>A base for other temporary directories.</description>\n'
        + '  </property>\n'
        + _prop('io.file.buffer.size', '131072')
        + _prop('fs.defaultFS', 'hdfs://nn1.example.com:8020')
        + '</configuration>\n'
    )


def test_comments_are_kept_everywhere(tmp_path):
    path = tmp_path / 'core-site.xml'
    path.write_text(
        '<?xml version="1.0"?>\n<!-- header -->\n<configuration>\n'
        '  <!-- before a -->\n  <property>\n    <!-- inside a -->\n    <name>a</name>\n    <value>1</value>\n  </property>\n'
        '  <property>\n    <name>b</name>\n    <value>1</value><!-- after the value of b -->\n  </property>\n'
        '  <!-- last -->\n</configuration>\n<!-- trailer -->\n')

    run(path, properties={'a': 2, 'b': 2, 'c': 3})

    text = path.read_text()
    for comment in ('header', 'before a', 'inside a', 'after the value of b', 'last', 'trailer'):
        assert '<!-- %s -->' % comment in text
    assert text.index('<!-- header -->') < text.index('<configuration>')
    assert text.index('<!-- last -->') < text.index('<name>c</name>')
    assert text.endswith('</configuration>\n<!-- trailer -->\n')
    assert '<value>2</value>' in text and '<value>1</value>' not in text


# ------------------------------------------------------------------------------ no-op


def test_second_run_is_noop_without_rewrite(tmp_path):
    path = tmp_path / 'core-site.xml'
    args = dict(properties={'fs.defaultFS': 'hdfs://nn:8020', 'ha.zookeeper.quorum': 'zk1:2181'},
                final=['fs.defaultFS'], mode='0644')
    assert run(path, **args)['changed'] is True
    before = tree(tmp_path)

    result = run(path, diff=True, **args)

    assert result['changed'] is False
    assert result['added'] == [] and result['changed_properties'] == [] and result['removed'] == []
    assert result['diff'] == []
    assert tree(tmp_path) == before  # same inode and mtime: not rewritten


def test_other_layout_with_same_content_is_not_rewritten(tmp_path):
    path = tmp_path / 'core-site.xml'
    path.write_text("<?xml version='1.0' encoding='ISO-8859-1'?><configuration><property>"
                    "<value>hdfs://nn:8020</value><name> fs.defaultFS </name><final>true</final></property>"
                    "<property name='short.form' value='x'/></configuration>")
    os.chmod(path, 0o644)
    before = tree(tmp_path)

    result = run(path, properties={'fs.defaultFS': 'hdfs://nn:8020', 'short.form': 'x'}, final=['fs.defaultFS'],
                 exclusive=True, diff=True)

    assert result['changed'] is False
    assert result['diff'] == []
    assert tree(tmp_path) == before


# ---------------------------------------------------------------------------- changes


def test_change_with_diff(site):
    result = run(site, properties={'io.file.buffer.size': 65536}, diff=True)

    assert result['changed'] is True
    assert result['changed_properties'] == ['io.file.buffer.size']
    assert result['added'] == [] and result['removed'] == []
    assert '<value>65536</value>' in site.read_text()
    assert len(result['diff']) == 1
    entry = result['diff'][0]
    assert entry['before_header'] == entry['after_header'] == str(site)
    # Both sides are rendered the same way, so the only difference is the value.
    assert entry['before'].replace('131072', '65536') == entry['after']
    assert entry['after'] == site.read_text()
    assert result['changed_resources'] == [{'kind': 'file', 'name': str(site)}]
    assert drift_changes('mlops.hosts.hadoop_site', {}, result, 't') == [
        {'kind': 'file', 'name': str(site), 'summary': '-    <value>131072</value>\n+    <value>65536</value>'}]


def test_value_is_compared_exactly(tmp_path):
    path = tmp_path / 'core-site.xml'
    path.write_text(_file(('a', 'x')))

    result = run(path, properties={'a': ' x'})

    assert result['changed_properties'] == ['a']
    assert '<value> x</value>' in path.read_text()


def test_bool_int_and_float_conversion(tmp_path):
    path = tmp_path / 'hdfs-site.xml'

    run(path, properties={'t': True, 'f': False, 'i': 3, 'n': -1, 'x': 0.8, 's': 'True'})

    assert path.read_text() == _file(('t', 'true'), ('f', 'false'), ('i', '3'), ('n', '-1'), ('x', '0.8'), ('s', 'True'))
    assert run(path, properties={'t': 'true', 'f': 'false', 'i': '3'})['changed'] is False


def test_special_characters_are_escaped_and_read_back(tmp_path):
    path = tmp_path / 'core-site.xml'
    value = 'RULE:[2:$1@$0](.*@EXAMPLE.COM)s/@.*// & <x> "q" é'

    run(path, properties={'hadoop.security.auth_to_local': value})

    assert '&amp; &lt;x&gt;' in path.read_text()
    assert run(path, properties={'hadoop.security.auth_to_local': value})['changed'] is False


def test_short_form_property_is_rewritten_in_long_form_when_changed(tmp_path):
    path = tmp_path / 'core-site.xml'
    path.write_text('<configuration><property name="a" value="1" final="true"/></configuration>')

    result = run(path, properties={'a': 2})

    assert result['changed_properties'] == ['a']
    assert path.read_text() == _file(('a', '2'))


def test_duplicates_collapse_to_the_first_occurrence(tmp_path):
    path = tmp_path / 'core-site.xml'
    path.write_text(_file(('dup', '1'), ('other', 'o'), ('dup', '2')))

    result = run(path, properties={'dup': 2})

    assert result['changed_properties'] == ['dup']
    assert path.read_text() == _file(('dup', '2'), ('other', 'o'))
    assert run(path, properties={'dup': 2})['changed'] is False


# ---------------------------------------------------------------------------- final


def test_final_flag_is_set_and_cleared(site):
    result = run(site, properties={'hadoop.tmp.dir': '/var/lib/hadoop/tmp'}, final=['hadoop.tmp.dir'])

    assert result['changed_properties'] == ['hadoop.tmp.dir']
    text = site.read_text()
    assert ('    <value>/var/lib/hadoop/tmp</value>\n    <final>true</final>\n'
            '    <description>A base for other temporary directories.</description>\n') in text
    assert run(site, properties={'hadoop.tmp.dir': '/var/lib/hadoop/tmp'}, final=['hadoop.tmp.dir'])['changed'] is False

    cleared = run(site, properties={'hadoop.tmp.dir': '/var/lib/hadoop/tmp'})

    assert cleared['changed_properties'] == ['hadoop.tmp.dir']
    assert '<final>' not in site.read_text()
    assert 'A base for other temporary directories.' in site.read_text()


def test_final_on_a_new_property(tmp_path):
    path = tmp_path / 'core-site.xml'
    run(path, properties={'a': 1, 'b': 2}, final=['b'])
    assert path.read_text() == _file(('a', '1'), ('b', '2', True))


# ---------------------------------------------------------------------------- remove


def test_remove_every_occurrence(tmp_path):
    path = tmp_path / 'yarn-site.xml'
    path.write_text(_file(('a', '1'), ('old', 'x'), ('b', '2'), ('old', 'y')))

    result = run(path, remove=['old', 'never-there'], diff=True)

    assert result['changed'] is True
    assert result['removed'] == ['old']
    assert path.read_text() == _file(('a', '1'), ('b', '2'))
    assert result['diff'][0]['after'] == path.read_text()
    assert run(path, remove=['old'])['changed'] is False


def test_exclusive_removes_all_other_properties(site):
    result = run(site, properties={'fs.defaultFS': 'hdfs://nn:8020'}, exclusive=True)

    assert result['removed'] == ['hadoop.tmp.dir', 'io.file.buffer.size']
    assert result['added'] == ['fs.defaultFS']
    text = site.read_text()
    assert '<name>hadoop.tmp.dir</name>' not in text and '<name>io.file.buffer.size</name>' not in text
    assert '<!-- Storage -->' in text and 'Licensed under the Apache License' in text
    assert _prop('fs.defaultFS', 'hdfs://nn:8020') in text


def test_exclusive_keeps_managed_properties(tmp_path):
    path = tmp_path / 'core-site.xml'
    path.write_text(_file(('a', '1'), ('b', '2')))
    result = run(path, properties={'b': 2}, exclusive=True)
    assert result['removed'] == ['a']
    assert path.read_text() == _file(('b', '2'))


# ----------------------------------------------------------------------- attributes


def test_mode_only_change_does_not_rewrite(site):
    inode = os.lstat(site).st_ino
    content = site.read_bytes()

    result = run(site, properties={'io.file.buffer.size': 131072}, mode='0640', diff=True)

    assert result['changed'] is True
    assert result['added'] == [] and result['changed_properties'] == [] and result['removed'] == []
    assert file_mode(site) == 0o640
    assert os.lstat(site).st_ino == inode
    assert site.read_bytes() == content  # the original layout is kept
    assert result['diff'] == [dict(
        before_header=str(site), after_header=str(site),
        before='owner=%s\ngroup=%s\nmode=0644\n' % (USER, GROUP),
        after='owner=%s\ngroup=%s\nmode=0640\n' % (USER, GROUP),
    )]


def test_content_and_mode_change_give_two_diff_entries(site):
    result = run(site, properties={'a': 1}, mode='0600', diff=True)

    assert file_mode(site) == 0o600
    assert [entry['after'] for entry in result['diff']] == [
        site.read_text(), 'owner=%s\ngroup=%s\nmode=0600\n' % (USER, GROUP),
    ]


@pytest.mark.skipif(not IS_ROOT, reason='changing the owner needs root')
def test_owner_only_change(site):
    inode = os.lstat(site).st_ino

    result = run(site, owner='nobody', group='0')

    assert result['changed'] is True
    st = os.lstat(site)
    assert (st.st_uid, st.st_gid, st.st_ino) == (pwd.getpwnam('nobody').pw_uid, 0, inode)


def test_rewrite_gets_the_requested_mode(site):
    os.chmod(site, 0o666)
    run(site, properties={'a': 1}, mode='0600')
    assert file_mode(site) == 0o600


def test_symlink_is_followed(tmp_path):
    real_dir = tmp_path / 'conf.real'
    real_dir.mkdir()
    real = real_dir / 'core-site.xml'
    real.write_text(_file(('a', '1')))
    link = tmp_path / 'core-site.xml'
    link.symlink_to(real)

    result = run(link, properties={'a': 2})

    assert result['changed_properties'] == ['a']
    assert link.is_symlink()
    assert real.read_text() == _file(('a', '2'))


# ----------------------------------------------------------------------- check mode


def test_check_mode_on_existing_file_writes_nothing(site):
    before = tree(site.parent)

    result = run(site, properties={'fs.defaultFS': 'hdfs://nn:8020', 'io.file.buffer.size': 1},
                 remove=['hadoop.tmp.dir'], mode='0600', check=True, diff=True)

    assert tree(site.parent) == before
    assert result['changed'] is True
    assert result['added'] == ['fs.defaultFS']
    assert result['changed_properties'] == ['io.file.buffer.size']
    assert result['removed'] == ['hadoop.tmp.dir']
    assert '<name>fs.defaultFS</name>' in result['diff'][0]['after']


def test_check_mode_on_missing_file_writes_nothing(tmp_path):
    path = tmp_path / 'core-site.xml'

    result = run(path, properties={'a': 1}, check=True, diff=True)

    assert os.listdir(tmp_path) == []
    assert result['changed'] is True
    assert result['added'] == ['a']
    assert result['diff'][0]['before'] == ''
    assert result['diff'][0]['after'] == _file(('a', '1'))


def test_check_mode_with_missing_directory_and_owner_reports_a_change(tmp_path):
    path = tmp_path / 'not-yet' / 'core-site.xml'

    result = run(path, properties={'a': 1}, owner='no-such-user-hs', check=True)

    assert result['changed'] is True
    assert os.listdir(tmp_path) == []


def test_missing_directory_fails_in_run_mode(tmp_path):
    path = tmp_path / 'not-yet' / 'core-site.xml'
    result = run_failing(path, properties={'a': 1})
    assert 'does not exist' in result['msg'] and str(tmp_path / 'not-yet') in result['msg']
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- secrets


def test_secret_value_is_masked_in_diff_results_and_log(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, 'log', lambda self, msg, log_args=None: logged.append(msg))
    path = tmp_path / 'ssl-server.xml'
    path.write_text(_file(('ssl.server.keystore.password', 'old-secret-value'), ('ssl.server.keystore.type', 'jks')))
    secret_args = dict(secret_properties=['ssl.server.keystore.password'])

    result = run(path, properties={'ssl.server.keystore.password': SECRET, 'ssl.server.keystore.type': 'pkcs12'},
                 diff=True, **secret_args)

    assert SECRET in path.read_text()
    assert result['changed_properties'] == ['ssl.server.keystore.password', 'ssl.server.keystore.type']
    entry = result['diff'][0]
    assert '<value>******** (current value)</value>' in entry['before']
    assert '<value>******** (new value)</value>' in entry['after']
    assert '<value>pkcs12</value>' in entry['after']
    assert result['invocation']['module_args']['properties']['ssl.server.keystore.password'] != SECRET
    assert result['invocation']['module_args']['properties']['ssl.server.keystore.type'] == 'pkcs12'
    assert logged
    for text in (repr(result), ' '.join(logged)):
        assert SECRET not in text
        assert 'old-secret-value' not in text

    # An unchanged secret shows the same mask on both sides; a secret that is removed is masked too.
    removed = run(path, properties={'ssl.server.keystore.type': 'jks'}, exclusive=True, diff=True, **secret_args)
    assert '<value>********</value>' in removed['diff'][0]['before']
    assert SECRET not in repr(removed)


def test_unchanged_secret_has_the_same_mask_on_both_sides(tmp_path):
    path = tmp_path / 'ssl-server.xml'
    path.write_text(_file(('pw', SECRET), ('a', '1')))

    result = run(path, properties={'pw': SECRET, 'a': 2}, secret_properties=['pw'], diff=True)

    entry = result['diff'][0]
    assert SECRET not in repr(result)
    assert entry['before'].replace('<value>1</value>', '<value>2</value>') == entry['after']
    assert '<value>********</value>' in entry['after']


def test_secret_failure_result_hides_the_value(tmp_path):
    result = run_failing(tmp_path / 'x.xml', properties={'pw': SECRET}, secret_properties=['pw'], mode='644')
    assert SECRET not in repr(result)


# ---------------------------------------------------------------------- bad files


@pytest.mark.parametrize('content, expected', [
    ('<configuration><property><name>a</name>', 'not well-formed XML'),
    ('<configuration><property><name>a</name><value>1</value></property></configuration><x/>', 'not well-formed XML'),
    ('a = 1\n', 'not well-formed XML'),
    ('<?xml version="1.0"?>\n<properties><property><name>a</name></property></properties>', 'root element is <properties>'),
    ('<configuration><property><value>1</value></property></configuration>', '<property> number 1'),
    ('<configuration><property><name> </name><value>1</value></property></configuration>', 'has no <name>'),
])
def test_malformed_file_is_refused_and_left_unchanged(tmp_path, content, expected):
    path = tmp_path / 'core-site.xml'
    path.write_text(content)
    os.chmod(path, 0o600)
    before = tree(tmp_path)

    result = run_failing(path, properties={'a': 2}, mode='0644')

    assert str(path) in result['msg']
    assert expected in result['msg']
    assert tree(tmp_path) == before


def test_parse_error_names_line_and_column(tmp_path):
    path = tmp_path / 'core-site.xml'
    path.write_text('<configuration>\n  <property>\n    <name>a</nam>\n')
    result = run_failing(path, properties={'a': 2})
    assert 'line 3, column' in result['msg']


def test_empty_file_gets_a_configuration(tmp_path):
    path = tmp_path / 'core-site.xml'
    path.write_text('\n')
    result = run(path, properties={'a': 1})
    assert result['added'] == ['a']
    assert path.read_text() == _file(('a', '1'))


def test_directory_at_path_fails(tmp_path):
    result = run_failing(tmp_path, properties={'a': 1})
    assert 'not a regular file' in result['msg']


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize('kwargs, expected', [
    (dict(properties={'a': None}), "properties['a'] must be a string, a number or a boolean, got no value"),
    (dict(properties={'a': [1, 2]}), 'got list'),
    (dict(properties={' a': 1}), 'must not start or end with white space'),
    (dict(properties={'': 1}), 'must not be empty'),
    (dict(properties={'a': 'x\x01'}), 'character that XML does not allow'),
    (dict(properties={'a': 1}, final=['b']), "final lists 'b'"),
    (dict(properties={'a': 1}, remove=['a']), "'a' is both in properties and in remove"),
    (dict(mode='644'), 'four octal digits'),
    (dict(mode='420'), 'four octal digits'),
])
def test_bad_input_fails_before_any_change(site, kwargs, expected):
    before = tree(site.parent)
    result = run_failing(site, **kwargs)
    assert expected in result['msg']
    assert tree(site.parent) == before


def test_relative_path_fails(tmp_path):
    result = run_failing('conf/core-site.xml', properties={'a': 1})
    assert 'must be an absolute path' in result['msg']


def test_unknown_owner_fails_in_run_mode(site):
    before = tree(site.parent)
    result = run_failing(site, properties={'a': 1}, owner='no-such-user-hs')
    assert "owner 'no-such-user-hs' does not exist" in result['msg']
    assert tree(site.parent) == before


# ------------------------------------------------------------------------- several files


def _files_args(check=False, diff=False, **kwargs):
    args = dict(owner=USER, group=GROUP, _ansible_check_mode=check, _ansible_diff=diff)
    args.update(kwargs)
    return args


def test_files_writes_each_file_with_its_own_options_and_the_shared_defaults(tmp_path, site):
    hdfs = tmp_path / 'hdfs-site.xml'
    ssl = tmp_path / 'ssl-server.xml'
    result = run_module(hadoop_site, _files_args(exclusive=True, secret_properties=['pw'], diff=True, files=[
        dict(path=str(site), properties={'hadoop.tmp.dir': '/var/lib/hadoop/tmp'}),
        dict(path=str(hdfs), properties={'dfs.replication': 3}, final=['dfs.replication']),
        dict(path=str(ssl), properties={'pw': SECRET}, mode='0640'),
    ]))

    assert result['changed'] is True
    assert result['changed_paths'] == [str(site), str(hdfs), str(ssl)]
    assert [item['path'] for item in result['files']] == [str(site), str(hdfs), str(ssl)]
    assert result['files'][0]['removed'] == ['io.file.buffer.size']  # exclusive from the top level
    assert hdfs.read_text() == _file(('dfs.replication', '3', True))
    assert file_mode(ssl) == 0o640 and file_mode(hdfs) == 0o644
    assert [entry['name'] for entry in result['changed_resources']] == [str(site), str(hdfs), str(ssl)]
    assert len(result['diff']) == 3
    assert SECRET in ssl.read_text()
    assert SECRET not in repr(result)
    assert result['invocation']['module_args']['files'][2]['properties']['pw'] != SECRET

    again = run_module(hadoop_site, _files_args(exclusive=True, secret_properties=['pw'], files=[
        dict(path=str(site), properties={'hadoop.tmp.dir': '/var/lib/hadoop/tmp'}),
        dict(path=str(hdfs), properties={'dfs.replication': 3}, final=['dfs.replication']),
        dict(path=str(ssl), properties={'pw': SECRET}, mode='0640'),
    ]))
    assert again['changed'] is False and again['changed_paths'] == [] and again['changed_resources'] == []


def test_files_in_check_mode_report_only_the_file_that_differs(tmp_path):
    same = tmp_path / 'core-site.xml'
    same.write_text(_file(('a', '1')))
    os.chmod(same, 0o644)
    other = tmp_path / 'yarn-site.xml'
    other.write_text(_file(('b', '1')))
    os.chmod(other, 0o644)

    result = run_module(hadoop_site, _files_args(check=True, files=[
        dict(path=str(same), properties={'a': 1}), dict(path=str(other), properties={'b': 2})]))

    assert result['changed'] is True
    assert result['changed_paths'] == [str(other)]
    assert other.read_text() == _file(('b', '1'))


def test_files_refuse_a_bad_entry_before_writing_any(tmp_path):
    good = tmp_path / 'core-site.xml'
    bad = tmp_path / 'hdfs-site.xml'
    bad.write_text('not xml')

    result = run_module(hadoop_site, _files_args(files=[
        dict(path=str(good), properties={'a': 1}), dict(path=str(bad), properties={'b': 1})]), fails=True)

    assert str(bad) in result['msg'] and 'not well-formed XML' in result['msg']
    assert not good.exists()
    failed = run_module(hadoop_site, _files_args(files=[
        dict(path=str(good), properties={'a': 1}), dict(path=str(bad), properties={'b': 1}, final=['c'])]), fails=True)
    assert failed['msg'].startswith(str(bad) + ': final lists')
    assert not good.exists()


def test_path_and_files_are_mutually_exclusive(tmp_path):
    result = run_module(hadoop_site, _files_args(path=str(tmp_path / 'a.xml'), files=[dict(path=str(tmp_path / 'b.xml'))]),
                        fails=True)
    assert 'mutually exclusive' in result['msg']
    result = run_module(hadoop_site, _files_args(), fails=True)
    assert 'path' in result['msg'] and 'files' in result['msg']
