"""HDFS and YARN from a real Hadoop release, proven by storing a file, by the daemons finding each other and by a
MapReduce job on YARN."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml
from conftest import run_playbook, scenario_playbook

BIN = '/opt/mlops/hadoop/current/bin'
EXAMPLES = '/opt/mlops/hadoop/current/share/hadoop/mapreduce/hadoop-mapreduce-examples-*.jar'
STORED = '/molecule-roundtrip.bin'
UNITS = ['hadoop-hdfs-namenode', 'hadoop-hdfs-secondarynamenode', 'hadoop-hdfs-datanode',
         'hadoop-yarn-resourcemanager', 'hadoop-yarn-nodemanager']


def as_user(host, user, command):
    return host.run(f'runuser -u {user} -- env HADOOP_CONF_DIR=/etc/hadoop {command}')


def until(host, user, command, expect, timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        result = as_user(host, user, command)
        if expect(result.stdout):
            return result.stdout
        if time.monotonic() > deadline:
            pytest.fail(f'{command} did not show what was expected in {timeout} s:\n{result.stdout}\n{result.stderr}')
        time.sleep(3)


def started_at(host):
    return {unit: host.check_output(f'systemctl show -p ActiveEnterTimestampMonotonic --value {unit}') for unit in UNITS}


@pytest.fixture(scope='module')
def hdfs(host):
    """HDFS out of safe mode with its DataNode registered."""
    until(host, 'hdfs', f'{BIN}/hdfs dfsadmin -report', lambda out: 'Live datanodes (1)' in out)
    as_user(host, 'hdfs', f'timeout 120 {BIN}/hdfs dfsadmin -safemode wait')
    return host


def test_check_after_converge_reports_no_change(hostname):
    run = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert run.rc == 0, run.output
    assert run.changed_tasks(hostname) == []


@pytest.mark.parametrize('unit', UNITS)
def test_each_daemon_runs_as_its_user(host, unit):
    props = dict(line.split('=', 1) for line in host.check_output(f'systemctl show -p MainPID -p ActiveState {unit}').splitlines())
    assert props['ActiveState'] == 'active'
    user = host.check_output(f"ps -o user= -p {props['MainPID']}")
    assert user == ('hdfs' if '-hdfs-' in unit else 'yarn')


def test_datanode_registered(hdfs):
    report = as_user(hdfs, 'hdfs', f'{BIN}/hdfs dfsadmin -report').stdout
    assert 'Live datanodes (1)' in report


def test_file_round_trip(hdfs):
    """Three MB of random bytes in 1 MB blocks come back from the DataNode with the same SHA-256."""
    local = hdfs.check_output('f=$(mktemp) && head -c 3000000 /dev/urandom >"$f" && chmod 644 "$f" && echo "$f"')
    put = as_user(hdfs, 'hdfs', f'{BIN}/hdfs dfs -D dfs.blocksize=1048576 -put -f {local} {STORED}')
    assert put.rc == 0, put.stderr
    sent = hdfs.check_output(f'sha256sum < {local}')
    hdfs.run(f'rm -f {local}')
    assert as_user(hdfs, 'hdfs', f"sh -c '{BIN}/hdfs dfs -cat {STORED} | sha256sum'").stdout.strip() == sent
    blocks = as_user(hdfs, 'hdfs', f'{BIN}/hdfs fsck {STORED} -files -blocks').stdout
    assert ' 3 block(s):' in blocks and 'HEALTHY' in blocks, blocks


def test_permissions_are_enforced(hdfs):
    assert as_user(hdfs, 'hdfs', f"sh -c '{BIN}/hdfs dfs -mkdir -p /private && {BIN}/hdfs dfs -chmod 700 /private'").rc == 0
    denied = as_user(hdfs, 'yarn', f"sh -c 'echo x | {BIN}/hdfs dfs -put -f - /private/x'")
    assert denied.rc != 0 and 'Permission denied' in denied.stderr


def test_yarn_nodemanager_registered(host):
    until(host, 'yarn', f'{BIN}/yarn node -list', lambda out: 'Total Nodes:1' in out and 'RUNNING' in out)


def test_mapreduce_word_count_on_yarn(hdfs):
    """A user other than the superuser counts words in HDFS with a MapReduce job: the ApplicationMaster and tasks run in
    YARN containers on the NodeManager, the reducer fetches the maps' output through the shuffle service."""
    setup = (f'{BIN}/hdfs dfs -mkdir -p /tmp /user/yarn && {BIN}/hdfs dfs -chmod 1777 /tmp'
             f' && {BIN}/hdfs dfs -chown yarn /user/yarn')
    assert as_user(hdfs, 'hdfs', f"sh -c '{setup}'").rc == 0
    words = 'molecule yarn hdfs yarn molecule yarn'
    put = as_user(hdfs, 'yarn', f"sh -c 'echo {words} | {BIN}/hdfs dfs -put -f - words.txt && {BIN}/hdfs dfs -rm -r -f -skipTrash counts'")
    assert put.rc == 0, put.stderr
    job = as_user(hdfs, 'yarn', f'timeout 600 {BIN}/yarn jar {EXAMPLES} wordcount words.txt counts')
    assert job.rc == 0, f'{job.stdout}\n{job.stderr[-6000:]}'
    assert 'completed successfully' in job.stderr
    counts = as_user(hdfs, 'yarn', f'{BIN}/hdfs dfs -cat counts/part-r-00000').stdout
    assert dict(line.split('\t') for line in counts.splitlines()) == {'hdfs': '1', 'molecule': '2', 'yarn': '3'}
    finished = as_user(hdfs, 'yarn', f'{BIN}/yarn application -list -appStates FINISHED').stdout
    assert any('word count' in line and 'SUCCEEDED' in line for line in finished.splitlines()), finished


def _listening(host):
    """Local addresses of listening TCP sockets, as host:port, from /proc/net/tcp."""
    script = ("import socket,struct\n"
              "for line in open('/proc/net/tcp').read().splitlines()[1:]:\n"
              "    f=line.split()\n"
              "    if f[3]=='0A':\n"
              "        a,p=f[1].split(':'); print(socket.inet_ntoa(struct.pack('<I',int(a,16)))+':'+str(int(p,16)))\n")
    return set(host.check_output(f'python3 -c "{script}"').split())


def test_web_uis_listen_on_loopback_only(hdfs):
    listening = _listening(hdfs)
    for port in (9870, 9868, 9864, 8088, 8042):
        assert f'127.0.0.1:{port}' in listening, listening
        assert f'0.0.0.0:{port}' not in listening
    assert any(address.endswith(':8020') and not address.startswith('127.') for address in listening), listening


def test_yarn_setting_restarts_yarn_only(hdfs, hostname):
    started = started_at(hdfs)
    scenario = yaml.safe_load(Path(os.environ['MOLECULE_SCENARIO_DIRECTORY'], 'molecule.yml').read_text())
    extra = {**scenario['provisioner']['inventory']['group_vars']['all']['hadoop_yarn_site_extra'],
             'yarn.nodemanager.delete.debug-delay-sec': 60}   # the scenario's settings and one more
    run = run_playbook(scenario_playbook(), limit=hostname, extra_vars={'hadoop_yarn_site_extra': extra})
    assert run.rc == 0, run.output
    after = started_at(hdfs)
    for unit in UNITS:
        assert (after[unit] != started[unit]) == ('-yarn-' in unit), unit
    until(hdfs, 'yarn', f'{BIN}/yarn node -list', lambda out: 'Total Nodes:1' in out and 'RUNNING' in out)
    assert as_user(hdfs, 'hdfs', f'{BIN}/hdfs dfs -test -e {STORED}').rc == 0
    assert run_playbook(scenario_playbook(), limit=hostname).rc == 0   # back to the scenario's settings
