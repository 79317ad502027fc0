# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for mlops.hosts.hdfs_namenode_format: real directories below tmp_path, the hdfs command faked."""

from __future__ import annotations

import os

import pytest

from ansible_collections.mlops.hosts.plugins.module_utils import _java_properties
from ansible_collections.mlops.hosts.plugins.modules import hdfs_namenode_format
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import IS_ROOT, USER, FakeCommands, run_module, tree

HDFS = '/opt/hadoop/bin/hdfs'
RUNUSER = '/usr/bin/runuser'

# current/VERSION as Hadoop 3.3 writes it (java.util.Properties.store).
VERSION = """#Sat Nov 23 10:15:42 UTC 2024
namespaceID=1458293735
clusterID=CID-9a0ea6b0-6f0d-4a48-a8d6-1bb6d9fe8e52
cTime=1732356942123
storageType=NAME_NODE
blockpoolID=BP-1034425416-10.0.0.5-1732356942123
layoutVersion=-66
"""

# Abridged stderr of a format that hdfs aborts because it finds data in non-interactive mode.
ABORTED = ('2024-11-23 10:15:40,123 INFO namenode.NameNode: createNameNode [-format, -nonInteractive]\n'
           'Running in non-interactive mode, and data appears to exist in Storage Directory root= /srv/hdfs/name; '
           'location= null. Not formatting.\n')


class FakeHdfs(FakeCommands):
    """Imitates hdfs namenode -format: writes current/VERSION into the configured directories."""

    def __init__(self):
        super().__init__()
        self.configured_dirs = None  # the dirs hdfs would format (its own configuration); None: those given
        self.result = (0, '', '2024-11-23 10:15:42,456 INFO common.Storage: Storage directory has been successfully formatted.\n')
        self.given_dirs = []
        self.bins = {'hdfs': HDFS, 'runuser': RUNUSER}

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        self.record(module, args, environ_update, kwargs)
        assert not check_rc
        rc, out, err = self.result
        if rc == 0 and 'namenode' in args:
            cluster_id = args[args.index('-clusterid') + 1] if '-clusterid' in args else 'CID-generated'
            for directory in (self.given_dirs if self.configured_dirs is None else self.configured_dirs):
                write_version(directory, VERSION.replace('CID-9a0ea6b0-6f0d-4a48-a8d6-1bb6d9fe8e52', cluster_id))
        return rc, out, err

    def get_bin_path(self, module, arg, required=False, opt_dirs=None):
        return self.bins.get(arg)


def write_version(directory, text=VERSION):
    current = os.path.join(str(directory), 'current')
    os.makedirs(current, exist_ok=True)
    with open(os.path.join(current, 'VERSION'), 'w', encoding='utf-8') as handle:
        handle.write(text)
    with open(os.path.join(current, 'seen_txid'), 'w', encoding='utf-8') as handle:
        handle.write('0\n')


@pytest.fixture
def host(monkeypatch):
    fake = FakeHdfs().install(monkeypatch)
    yield fake
    # Whatever a test did: never a forced format.
    for argv in fake.commands:
        assert not any(arg.lower() == '-force' for arg in argv), argv


def _args(dirs, check=False, **kwargs):
    args = dict(name_dirs=[str(d) for d in dirs], user=USER, hdfs_command='hdfs', _ansible_check_mode=check)
    args.update(kwargs)
    return args


def run(host, dirs, **kwargs):
    host.given_dirs = [str(d) for d in dirs if '://' not in str(d)]
    return run_module(hdfs_namenode_format, _args(dirs, **kwargs))


def run_failing(host, dirs, **kwargs):
    host.given_dirs = [str(d) for d in dirs if '://' not in str(d)]
    return run_module(hdfs_namenode_format, _args(dirs, **kwargs), fails=True)


# ------------------------------------------------------------------------------ format


def test_formats_missing_and_empty_dirs_with_the_exact_command(host, tmp_path):
    missing = tmp_path / 'name1'
    empty = tmp_path / 'name2'
    empty.mkdir()

    result = run(host, [missing, empty], hadoop_conf_dir='/etc/hadoop/conf',
                 environment={'JAVA_HOME': '/usr/lib/jvm/java-11-openjdk-amd64', 'HADOOP_HEAPSIZE_MAX': 1024})

    assert host.commands == [[HDFS, 'namenode', '-format', '-nonInteractive']]
    env = host.environ[0]
    assert env['LC_ALL'] == 'C'
    assert env['HADOOP_CONF_DIR'] == '/etc/hadoop/conf'
    assert env['JAVA_HOME'] == '/usr/lib/jvm/java-11-openjdk-amd64'
    assert env['HADOOP_HEAPSIZE_MAX'] == '1024'
    assert host.kwargs[0]['cwd'] == '/'
    assert result['changed'] is True
    assert result['formatted'] is True
    assert result['cluster_id'] == 'CID-generated'
    assert result['namespace_id'] == '1458293735'
    assert result['cmd'] == host.commands[0]
    assert 'successfully formatted' in result['stderr']
    assert result['name_dirs'] == [dict(path=str(missing), state='missing'), dict(path=str(empty), state='empty')]
    assert result['changed_resources'] == [
        {'kind': 'hdfs_namenode', 'name': '%s, %s' % (missing, empty), 'summary': result['reason']}]


def test_cluster_id_is_passed(host, tmp_path):
    result = run(host, [tmp_path / 'name'], cluster_id='CID-mlops-lab')

    assert host.commands == [[HDFS, 'namenode', '-format', '-clusterid', 'CID-mlops-lab', '-nonInteractive']]
    assert result['cluster_id'] == 'CID-mlops-lab'
    assert result['version']['clusterID'] == 'CID-mlops-lab'


def test_second_run_does_nothing(host, tmp_path):
    name = tmp_path / 'name'
    run(host, [name], cluster_id='CID-mlops-lab')
    host.commands.clear()
    before = tree(tmp_path)

    result = run(host, [name], cluster_id='CID-mlops-lab')

    assert host.commands == []
    assert tree(tmp_path) == before
    assert result['changed'] is False and result['formatted'] is False
    assert result['cluster_id'] == 'CID-mlops-lab'


@pytest.mark.skipif(not IS_ROOT, reason='running as another user needs root')
def test_runuser_command(host, tmp_path):
    hdfs = tmp_path / 'bin' / 'hdfs'
    hdfs.parent.mkdir()
    hdfs.write_text('#!/bin/sh\n')
    hdfs.chmod(0o755)

    result = run(host, [tmp_path / 'name'], user='nobody', hdfs_command=str(hdfs))

    assert host.commands == [[RUNUSER, '-u', 'nobody', '--', str(hdfs), 'namenode', '-format', '-nonInteractive']]
    assert result['formatted'] is True


@pytest.mark.skipif(not IS_ROOT, reason='the user is only looked up when running as root')
def test_unknown_user_fails_before_running(host, tmp_path):
    result = run_failing(host, [tmp_path / 'name'], user='no-such-user-nn')
    assert "user 'no-such-user-nn' does not exist" in result['msg']
    assert host.commands == []


def test_another_user_needs_root(host, tmp_path, monkeypatch):
    monkeypatch.setattr(hdfs_namenode_format.os, 'geteuid', lambda: 4242)
    result = run_failing(host, [tmp_path / 'name'], user='nobody')
    assert "running hdfs as user 'nobody' needs root" in result['msg']
    assert host.commands == []


# --------------------------------------------------------------------------- no-op


@pytest.mark.parametrize('check', [False, True])
def test_formatted_dir_is_never_touched(host, tmp_path, check):
    name = tmp_path / 'name'
    write_version(name)
    before = tree(tmp_path)

    result = run(host, [name], check=check)

    assert host.commands == []
    assert tree(tmp_path) == before
    assert result['changed'] is False
    assert result['formatted'] is False
    assert 'already formatted' in result['reason'] and str(name / 'current' / 'VERSION') in result['reason']
    assert result['cluster_id'] == 'CID-9a0ea6b0-6f0d-4a48-a8d6-1bb6d9fe8e52'
    assert result['namespace_id'] == '1458293735'
    assert result['name_dirs'] == [dict(path=str(name), state='formatted')]
    assert 'cmd' not in result


def test_version_file_is_parsed(host, tmp_path):
    name = tmp_path / 'name'
    write_version(name)

    result = run(host, [name])

    assert result['version'] == {
        'namespaceID': '1458293735',
        'clusterID': 'CID-9a0ea6b0-6f0d-4a48-a8d6-1bb6d9fe8e52',
        'cTime': '1732356942123',
        'storageType': 'NAME_NODE',
        'blockpoolID': 'BP-1034425416-10.0.0.5-1732356942123',
        'layoutVersion': '-66',
    }


@pytest.mark.parametrize('text, expected', [
    ('#c\n! c\n\nkey=value\n', {'key': 'value'}),
    ('key = value \n', {'key': 'value '}),
    ('key:value\n', {'key': 'value'}),
    ('key value\n', {'key': 'value'}),
    ('clusterID=CID\\:with\\=escapes\n', {'clusterID': 'CID:with=escapes'}),
    ('long=a\\\n    b\n', {'long': 'ab'}),
    ('u=caf\\u00e9\n', {'u': 'café'}),
    ('empty=\n', {'empty': ''}),
])
def test_java_properties_format(text, expected):
    assert _java_properties.parse_java_properties(text) == expected


def test_one_formatted_dir_among_several_prevents_the_format(host, tmp_path, warnings):
    formatted = tmp_path / 'name1'
    write_version(formatted)
    empty = tmp_path / 'name2'
    empty.mkdir()
    unknown = tmp_path / 'name3'
    unknown.mkdir()
    (unknown / 'notes.txt').write_text('x')
    missing = tmp_path / 'name4'
    before = tree(tmp_path)

    result = run(host, [empty, unknown, formatted, missing])

    assert host.commands == []
    assert tree(tmp_path) == before
    assert result['changed'] is False and result['formatted'] is False
    assert result['cluster_id'] == 'CID-9a0ea6b0-6f0d-4a48-a8d6-1bb6d9fe8e52'
    assert [d['state'] for d in result['name_dirs']] == ['empty', 'unknown', 'formatted', 'missing']
    assert str(empty) in result['reason'] and str(missing) in result['reason']
    assert any(str(unknown) in w and 'notes.txt' in w for w in warnings)


def test_different_cluster_id_warns_but_changes_nothing(host, tmp_path, warnings):
    name = tmp_path / 'name'
    write_version(name)

    result = run(host, [name], cluster_id='CID-other')

    assert host.commands == []
    assert result['changed'] is False
    assert result['cluster_id'] == 'CID-9a0ea6b0-6f0d-4a48-a8d6-1bb6d9fe8e52'
    assert any('CID-other' in w for w in warnings)


def test_unreadable_version_still_prevents_the_format(host, tmp_path, warnings):
    name = tmp_path / 'name'
    (name / 'current' / 'VERSION').mkdir(parents=True)  # not a file: cannot be read

    result = run(host, [name])

    assert host.commands == []
    assert result['formatted'] is False
    assert result['cluster_id'] is None and result['version'] == {}
    assert warnings


# ------------------------------------------------------------------------ check mode


def test_check_mode_on_fresh_dirs_runs_nothing(host, tmp_path):
    empty = tmp_path / 'name'
    empty.mkdir()
    before = tree(tmp_path)

    result = run(host, [empty, tmp_path / 'missing'], check=True, cluster_id='CID-x')

    assert host.commands == []
    assert tree(tmp_path) == before
    assert result['changed'] is True
    assert result['formatted'] is True
    assert 'would format' in result['reason']
    assert result['cluster_id'] is None


def test_check_mode_needs_neither_hdfs_nor_the_user(host, tmp_path):
    host.bins = {}
    result = run(host, [tmp_path / 'name'], check=True, user='no-such-user-nn')
    assert result['changed'] is True
    assert host.commands == []


# ---------------------------------------------------------------------------- refuse


@pytest.mark.parametrize('check', [False, True])
def test_refuses_a_non_empty_dir_without_version(host, tmp_path, check):
    name = tmp_path / 'name'
    (name / 'lost+found').mkdir(parents=True)
    (name / 'current').mkdir()  # an interrupted format, or something else entirely
    other = tmp_path / 'other'
    before = tree(tmp_path)

    result = run_failing(host, [other, name], check=check)

    assert host.commands == []
    assert tree(tmp_path) == before
    assert 'refusing to format' in result['msg']
    assert str(name) in result['msg'] and 'lost+found' in result['msg']
    assert result['changed'] is False and result['formatted'] is False


def test_file_instead_of_a_directory_fails(host, tmp_path):
    path = tmp_path / 'name'
    path.write_text('x')
    result = run_failing(host, [path])
    assert 'is not a directory' in result['msg']
    assert host.commands == []


# --------------------------------------------------------------------------- failures


def test_command_failure_propagates(host, tmp_path):
    host.result = (1, '', ABORTED)
    name = tmp_path / 'name'

    result = run_failing(host, [name])

    assert len(host.commands) == 1
    assert 'failed (rc=1)' in result['msg'] and 'Not formatting' in result['msg']
    assert result['rc'] == 1
    assert result['stderr'] == ABORTED
    assert result['changed'] is False and result['formatted'] is False


def test_success_without_version_fails_with_output(host, tmp_path):
    host.configured_dirs = [str(tmp_path / 'configured-elsewhere')]
    host.result = (0, 'out', 'formatted /somewhere/else')
    name = tmp_path / 'name'

    result = run_failing(host, [name])

    assert 'current/VERSION was not created in %s' % name in result['msg']
    assert result['stdout'] == 'out' and result['stderr'] == 'formatted /somewhere/else'
    assert result['changed'] is True


def test_hdfs_not_found(host, tmp_path):
    host.bins = {}
    result = run_failing(host, [tmp_path / 'name'])
    assert 'set hdfs_command' in result['msg']
    assert host.commands == []


def test_hdfs_command_path_must_be_executable(host, tmp_path):
    result = run_failing(host, [tmp_path / 'name'], hdfs_command=str(tmp_path / 'no-hdfs'))
    assert 'is not an executable file' in result['msg']
    assert host.commands == []


# ----------------------------------------------------------------------- name_dirs


def test_file_uris_and_comma_separated_entries(host, tmp_path):
    a, b, c, d = (tmp_path / n for n in ('a', 'b', 'c', 'with space'))
    write_version(c)
    entries = ['file://%s' % a, 'file://localhost%s, %s' % (b, c), 'file:%s' % a, 'file://%s' % str(d).replace(' ', '%20')]

    result = run(host, entries)

    assert result['name_dirs'] == [
        dict(path=str(a), state='missing'),
        dict(path=str(b), state='missing'),
        dict(path=str(c), state='formatted'),
        dict(path=str(d), state='missing'),
    ]
    assert host.commands == []


def test_file_uris_are_formatted(host, tmp_path):
    name = tmp_path / 'name'
    host.given_dirs = [str(name)]
    result = run_module(hdfs_namenode_format, _args(['file://%s' % name]))
    assert result['formatted'] is True
    assert (name / 'current' / 'VERSION').is_file()


@pytest.mark.parametrize('entry, expected', [
    ('hdfs://nn:8020/name', 'not a local directory'),
    ('file://otherhost/srv/name', "names the host 'otherhost'"),
    ('relative/name', 'must be an absolute path'),
    ('file:relative', 'must be an absolute path'),
    ('/', 'must not be the root directory'),
    (' , ', 'at least one directory'),
])
def test_bad_name_dirs(host, entry, expected):
    result = run_failing(host, [entry])
    assert expected in result['msg']
    assert host.commands == []


@pytest.mark.parametrize('kwargs, expected', [
    (dict(cluster_id=''), 'cluster_id'),
    (dict(cluster_id='-force'), 'cluster_id'),
    (dict(cluster_id='CID with space'), 'cluster_id'),
    (dict(environment={'JAVA HOME': '/x'}), 'not a valid name'),
    (dict(environment={'JAVA_HOME': None}), 'has no value'),
    (dict(hdfs_command=''), 'hdfs_command must not be empty'),
])
def test_bad_input(host, tmp_path, kwargs, expected):
    result = run_failing(host, [tmp_path / 'name'], **kwargs)
    assert expected in result['msg']
    assert host.commands == []
    assert os.listdir(tmp_path) == []


# ------------------------------------------------- the cluster's namespace elsewhere, the record, bootstrap

ELSEWHERE = [{'location': 'nn2:/var/lib/hadoop/hdfs/name', 'cluster_id': 'CID-old'},
             {'location': 'dn1:/var/lib/hadoop/hdfs/data (DataNode)', 'cluster_id': 'CID-old'}]


def test_refuses_to_format_new_dirs_when_the_cluster_has_a_namespace_elsewhere(host, tmp_path):
    empty = tmp_path / 'name'
    empty.mkdir()

    result = run_failing(host, [empty], cluster_namespaces=ELSEWHERE)

    assert host.commands == []
    assert 'refusing to format the NameNode' in result['msg']
    assert 'clusterID CID-old at nn2:/var/lib/hadoop/hdfs/name' in result['msg']
    assert 'Incompatible clusterIDs' in result['msg']
    assert '-bootstrapStandby' in result['msg']
    assert os.listdir(str(empty)) == []


def test_refuses_new_dirs_of_a_namenode_whose_record_survives(host, tmp_path):
    empty = tmp_path / 'name'
    empty.mkdir()
    record = tmp_path / 'cluster-id'
    record.write_text('CID-old\n')

    for mode in ('format', 'bootstrap_standby'):
        result = run_failing(host, [empty], record_path=str(record), mode=mode,
                             cluster_namespaces=ELSEWHERE if mode == 'bootstrap_standby' else [])
        assert 'held the namespace of clusterID CID-old (recorded in %s)' % record in result['msg']
        assert 'Nothing was changed' in result['msg']
    assert host.commands == []


def test_bootstraps_a_new_standby_and_records_its_cluster_id(host, tmp_path):
    empty = tmp_path / 'name'
    empty.mkdir()
    record = tmp_path / 'rec' / 'cluster-id'

    result = run(host, [empty], mode='bootstrap_standby', cluster_namespaces=ELSEWHERE, record_path=str(record))

    assert host.commands == [[HDFS, 'namenode', '-bootstrapStandby', '-nonInteractive']]
    assert result['changed'] is True
    assert record.read_text() == 'CID-generated\n'


def test_bootstrap_needs_a_namespace_elsewhere(host, tmp_path):
    result = run_failing(host, [tmp_path / 'name'], mode='bootstrap_standby')

    assert 'no other NameNode of the cluster holds a namespace' in result['msg']
    assert host.commands == []


def test_check_mode_reports_a_bootstrap_without_running_it(host, tmp_path):
    result = run(host, [tmp_path / 'name'], check=True, mode='bootstrap_standby', cluster_namespaces=ELSEWHERE)

    assert result['changed'] is True
    assert 'would initialise from the active NameNode' in result['reason']
    assert host.commands == []


def test_records_the_cluster_id_of_formatted_dirs_once(host, tmp_path):
    name = tmp_path / 'name'
    write_version(name)
    record = tmp_path / 'cluster-id'

    checked = run(host, [name], record_path=str(record), check=True)
    assert checked['changed'] is True
    assert not record.exists()
    first = run(host, [name], record_path=str(record))
    again = run(host, [name], record_path=str(record))

    assert first['changed'] is True and first['formatted'] is False
    assert record.read_text() == 'CID-9a0ea6b0-6f0d-4a48-a8d6-1bb6d9fe8e52\n'
    assert again['changed'] is False
    assert host.commands == []


def test_a_record_that_differs_from_formatted_dirs_is_left_alone_with_a_warning(host, tmp_path, warnings):
    name = tmp_path / 'name'
    write_version(name)
    record = tmp_path / 'cluster-id'
    record.write_text('CID-other\n')

    result = run(host, [name], record_path=str(record))

    assert result['changed'] is False
    assert record.read_text() == 'CID-other\n'
    assert any('records clusterID CID-other' in w for w in warnings)
