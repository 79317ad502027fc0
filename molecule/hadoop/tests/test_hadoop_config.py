"""What the hadoop role writes on a host whose daemons run: site files, units, accounts, directories, secrets,
the site's proxy, the format guard, check mode, drift and preflight refusals."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest
from conftest import observed_state_tests, run_playbook, scenario_playbook

CONF = '/etc/hadoop'
HOME = '/opt/mlops/hadoop/current'
VERSION = '/var/lib/hadoop/hdfs/name/current/VERSION'
RESTART_TASKS = {'Read which Hadoop daemons must start, stop or restart', 'Restart the daemon', 'Wait for its port',
                 'Wait until the cluster sees it healthy'}
CONTROLLER_ACTIONS = {'ansible.builtin.assert', 'ansible.builtin.fail', 'ansible.builtin.set_fact', 'ansible.builtin.debug',
                      'ansible.builtin.include_role', 'ansible.builtin.include_tasks', 'ansible.builtin.include_vars',
                      'ansible.builtin.group_by', 'ansible.builtin.validate_argument_spec', 'ansible.builtin.meta',
                      'assert', 'fail', 'set_fact', 'debug', 'include_role', 'include_tasks', 'include_vars', 'group_by',
                      'validate_argument_spec', 'meta'}
UNITS = {'hadoop-hdfs-namenode': ('hdfs', 'hdfs namenode'),
         'hadoop-hdfs-secondarynamenode': ('hdfs', 'hdfs secondarynamenode'),
         'hadoop-hdfs-datanode': ('hdfs', 'hdfs datanode'),
         'hadoop-yarn-resourcemanager': ('yarn', 'yarn resourcemanager'),
         'hadoop-yarn-nodemanager': ('yarn', 'yarn nodemanager')}

test_services_started_after_their_inputs, test_stage_tag_alone = observed_state_tests('hadoop')


def _report(run):
    try:
        return json.JSONDecoder().raw_decode(run.output[run.output.index('{'):])[0]
    except ValueError:
        return {}


def module_executions(run, hostname):
    """Names of the tasks that ran a module on the host (not skipped, not controller-only)."""
    names = []
    for play in _report(run).get('plays', []):
        for task in play['tasks']:
            result = task['hosts'].get(hostname)
            if result is None or result.get('action') in CONTROLLER_ACTIONS:
                continue
            # Every role's distribution check runs setup on the host only when a fact it reads is missing.
            if result.get('action') == 'mlops.hosts.distribution_check' and not result.get('facts_gathered'):
                continue
            for item in result.get('results') or [result]:
                if not item.get('skipped'):
                    names.append(task['task']['name'].split(' : ')[-1])
    return names


def changed(run, hostname):
    return [name.split(' : ')[-1] for name in run.changed_tasks(hostname)]


def site(host, name):
    root = ET.fromstring(host.file(f'{CONF}/{name}').content_string)
    assert root.tag == 'configuration'
    return {p.findtext('name'): p.findtext('value') for p in root.iter('property')}


def namespace(host):
    """The NameNode's identity: a second format would draw a new namespaceID and block pool."""
    return [line for line in host.file(VERSION).content_string.splitlines()
            if line.split('=')[0] in ('clusterID', 'namespaceID', 'blockpoolID')]


def started_at(host):
    return {unit: host.check_output(f'systemctl show -p ActiveEnterTimestampMonotonic --value {unit}') for unit in UNITS}


def test_no_change_run_executes_few_modules_and_restarts_nothing(host, hostname):
    before, started = namespace(host), started_at(host)
    run = run_playbook(scenario_playbook(), limit=hostname)
    assert run.rc == 0, run.output
    assert run.changed_tasks(hostname) == []
    assert module_executions(run, hostname) == [
        'Check the use and the distribution, gathering the facts the role reads when missing',   # once for hadoop and java
        'Install the OpenJDK headless package and the Java trust store of the system CAs',
        'Look at the marker of the release in use',
        'Look up the service groups',
        "Read which namespace this host's HDFS storage holds",
        'Write the directories, hadoop-env.sh, workers, profile, links and units',
        'Write the site files',   # the four in one execution
        'Read which Hadoop daemons must start, stop or restart',
    ]
    assert namespace(host) == before and 'clusterID=CID-molecule-hadoop' in before
    assert started_at(host) == started


def test_core_site_points_at_the_namenode(host, hostname):
    core = site(host, 'core-site.xml')
    assert core['fs.defaultFS'] == f'hdfs://{hostname}:8020'
    assert core['hadoop.security.authentication'] == 'simple'
    assert core['io.file.buffer.size'] == '131072'


def test_hdfs_site_has_the_directories_and_secure_defaults(host):
    hdfs = site(host, 'hdfs-site.xml')
    assert hdfs['dfs.namenode.name.dir'] == 'file:///var/lib/hadoop/hdfs/name'
    assert hdfs['dfs.namenode.checkpoint.dir'] == 'file:///var/lib/hadoop/hdfs/namesecondary'
    assert hdfs['dfs.datanode.data.dir'] == 'file:///srv/hdfs/disk1/data,file:///srv/hdfs/disk2/data'
    assert hdfs['dfs.replication'] == '1'
    assert hdfs['dfs.permissions.enabled'] == 'true'
    assert hdfs['dfs.webhdfs.enabled'] == 'false'


def test_yarn_and_mapred_sites(host, hostname):
    yarn = site(host, 'yarn-site.xml')
    assert yarn['yarn.resourcemanager.hostname'] == hostname
    assert yarn['yarn.nodemanager.local-dirs'] == '/var/lib/hadoop/yarn/local'
    assert yarn['yarn.nodemanager.log-dirs'] == '/var/log/hadoop/yarn/containers'
    assert yarn['yarn.nodemanager.aux-services'] == 'mapreduce_shuffle'
    mapred = site(host, 'mapred-site.xml')
    assert mapred['mapreduce.framework.name'] == 'yarn'
    assert mapred['yarn.app.mapreduce.am.env'] == f'HADOOP_MAPRED_HOME={HOME}'


def test_site_files_are_readable_and_secrets_are_not(host):
    for name in ('hdfs-site.xml', 'yarn-site.xml', 'mapred-site.xml'):
        conf = host.file(f'{CONF}/{name}')
        assert (conf.user, conf.group, conf.mode) == ('root', 'root', 0o644)
    core = host.file(f'{CONF}/core-site.xml')   # holds fs.s3a.secret.key, listed in hadoop_secret_properties
    assert (core.user, core.group, core.mode) == ('root', 'hadoop', 0o640)
    assert host.run(f'runuser -u nobody -- cat {CONF}/core-site.xml').rc != 0


def test_hadoop_env_points_at_an_installed_java(host):
    env = dict(line[len('export '):].split('=', 1) for line in host.file(f'{CONF}/hadoop-env.sh').content_string.splitlines()
               if line.startswith('export '))
    assert env['HADOOP_HOME'] == HOME and env['HADOOP_CONF_DIR'] == CONF
    assert env['HADOOP_HEAPSIZE_MAX'] == '512m'
    assert host.run(f"{env['JAVA_HOME']}/bin/java -version").rc == 0


def test_hadoop_opts_carry_the_site_proxy_without_its_password(host):
    env = host.file(f'{CONF}/hadoop-env.sh').content_string
    assert 'not-a-real-password' not in env and 'mlops:' not in env
    opts = host.check_output(f'HADOOP_OPTS=-Dfrom.user=1 bash -c \'. {CONF}/hadoop-env.sh && printf %s "$HADOOP_OPTS"\'')
    assert opts.split() == ['-Dfrom.user=1', '-Dhttp.proxyHost=proxy.lab.invalid', '-Dhttp.proxyPort=3128',
                            '-Dhttps.proxyHost=proxy.lab.invalid', '-Dhttps.proxyPort=3129',
                            # The listed hosts, then every inventory host (this one), as the base role's no_proxy.
                            '-Dhttp.nonProxyHosts=localhost|127.*|[::1]|*.lab.invalid|10.*|'
                            + host.backend.get_hostname()]
    pid = host.check_output('systemctl show -p MainPID --value hadoop-hdfs-namenode')
    assert '-Dhttp.proxyHost=proxy.lab.invalid' in host.file(f'/proc/{pid}/cmdline').content_string.replace('\0', ' ')


def test_conf_links_to_the_release_and_takes_extra_files(host, hostname):
    version = os.environ.get('HADOOP_ARCHIVE_VERSION') or '3.4.2'
    assert host.file(f'{CONF}/log4j.properties').linked_to == f'/opt/mlops/hadoop/hadoop-{version}/etc/hadoop/log4j.properties'
    scheduler = host.file(f'{CONF}/capacity-scheduler.xml')
    assert not scheduler.is_symlink and 'yarn.scheduler.capacity.root.queues' in scheduler.content_string
    assert host.file(f'{CONF}/workers').content_string.splitlines()[-1] == hostname


@pytest.mark.parametrize('unit', sorted(UNITS))
def test_units_run_each_daemon_in_the_foreground_as_its_user(host, unit):
    user, command = UNITS[unit]
    props = dict(line.split('=', 1) for line in host.check_output(
        f'systemctl show {unit} -p User -p ExecStart -p WorkingDirectory -p UnitFileState -p Environment'
    ).splitlines())
    assert props['User'] == user
    assert f'argv[]={HOME}/bin/{command} ' in props['ExecStart']
    assert props['WorkingDirectory'] == f'/var/lib/hadoop/{user}'
    assert f'HADOOP_CONF_DIR={CONF}' in props['Environment']
    assert props['UnitFileState'] == 'enabled'
    exec_start = [line for line in host.file(f'/etc/systemd/system/{unit}.service').content_string.splitlines()
                  if line.startswith('ExecStart=')]
    assert exec_start == [f'ExecStart={HOME}/bin/{command}']


def test_service_accounts(host):
    for name in ('hdfs', 'yarn'):
        user = host.user(name)
        assert user.exists and user.uid < 1000 and user.shell == '/usr/sbin/nologin'
        assert 'hadoop' in user.groups and user.group == name


@pytest.mark.parametrize(('path', 'owner'), [
    ('/var/lib/hadoop/hdfs/name', 'hdfs'),
    ('/var/lib/hadoop/hdfs/namesecondary', 'hdfs'),
    ('/srv/hdfs/disk1/data', 'hdfs'),
    ('/srv/hdfs/disk2/data', 'hdfs'),
    ('/var/lib/hadoop/yarn/local', 'yarn'),
    ('/var/log/hadoop/yarn/containers', 'yarn'),
])
def test_data_directories_belong_to_their_user_alone(host, path, owner):
    data = host.file(path)
    assert data.is_directory and data.user == owner and data.group == owner and data.mode == 0o700


def test_datanode_uses_both_data_directories(host):
    for disk in ('disk1', 'disk2'):
        assert host.file(f'/srv/hdfs/{disk}/data/current/VERSION').exists, disk


def test_nothing_the_role_wrote_is_world_writable(host):
    paths = f'{CONF} /opt/mlops/hadoop /var/lib/hadoop /var/log/hadoop /srv/hdfs /etc/systemd/system/hadoop-*'
    assert host.check_output(f'find {paths} -perm -0002 ! -type l') == ''
    assert host.check_output('find /opt/mlops/hadoop ! -user root') == ''


def test_a_new_cluster_id_does_not_reformat(host, hostname):
    before = namespace(host)
    run = run_playbook(scenario_playbook(), limit=hostname, extra_vars={'hadoop_cluster_id': 'CID-another'})
    assert run.rc == 0, run.output
    assert namespace(host) == before


def test_check_mode_reports_a_drifted_site_file_and_the_run_restarts_hdfs_only(host, hostname):
    started = started_at(host)
    host.run(f"sed -i 's|<value>false</value>|<value>true</value>|' {CONF}/hdfs-site.xml")   # webhdfs on
    assert site(host, 'hdfs-site.xml')['dfs.webhdfs.enabled'] == 'true'
    check = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert check.rc == 0, check.output
    assert changed(check, hostname)[0] == 'Write the site files'
    assert set(changed(check, hostname)[1:]) <= RESTART_TASKS, changed(check, hostname)
    assert 'dfs.webhdfs.enabled' in check.output
    assert started_at(host) == started
    run = run_playbook(scenario_playbook(), limit=hostname)
    assert run.rc == 0, run.output
    assert changed(run, hostname)[0] == 'Write the site files'
    assert site(host, 'hdfs-site.xml')['dfs.webhdfs.enabled'] == 'false'
    after = started_at(host)
    for unit in UNITS:
        assert (after[unit] != started[unit]) == ('-hdfs-' in unit), unit


@pytest.mark.parametrize(('extra_vars', 'message'), [
    ({'hadoop_checksum': ''}, "hadoop_checksum: '' is not a SHA-512 checksum"),
    ({'hadoop_checksum': 'sha256:' + 'a' * 64}, "hadoop_checksum: 'sha256:" + 'a' * 64 + "' is not a SHA-512 checksum"),
    ({'hadoop_src': '/nonexistent/hadoop.tar.gz', 'hadoop_url': ''},
     "hadoop_src: '/nonexistent/hadoop.tar.gz' is not a file on the controller"),
    ({'hadoop_namenode_name_dirs': ['var/lib/hadoop/name']},
     "hadoop_namenode_name_dirs[0]: 'var/lib/hadoop/name' is not an absolute path without commas"),
    ({'hadoop_datanode_data_dirs': '/srv/hdfs/data'}, "hadoop_datanode_data_dirs: '/srv/hdfs/data' is not a list"),
    ({'hadoop_namenode_group': 'no_such_group'}, "hadoop_namenode_group: group 'no_such_group' is empty, but the hosts of"),
    ({'hadoop_host': 'hadoop_config'}, "'hadoop_config' is not a host name of letters, digits, '.' and '-'"),
    ({'hadoop_namenode_http_address': '9870'}, "hadoop_namenode_http_address: '9870' is not host:port"),
    ({'hadoop_service_state': 'running'}, 'hadoop_service_state'),
], ids=['no-checksum', 'sha256', 'src-missing', 'relative-name-dir', 'data-dirs-string', 'datanodes-without-namenode',
        'host-with-underscore', 'address-without-host', 'unknown-state'])
def test_bad_input_is_refused_before_any_change(hostname, extra_vars, message):
    run = run_playbook(scenario_playbook(), limit=hostname, extra_vars=extra_vars)
    assert run.rc != 0
    assert message in run.output
    assert run.stats[hostname]['changed'] == 0
    assert module_executions(run, hostname) == []
