"""HDFS and YARN from a real Hadoop release, proven by storing a file and by the daemons finding each other."""

from __future__ import annotations

import time

import pytest
from conftest import run_playbook, scenario_playbook

BIN = '/opt/mlops/hadoop/current/bin'
UNITS = ['hadoop-hdfs-namenode', 'hadoop-hdfs-secondarynamenode', 'hadoop-hdfs-datanode',
         'hadoop-yarn-resourcemanager', 'hadoop-yarn-nodemanager']
VERSION = '/var/lib/hadoop/hdfs/name/current/VERSION'


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


def cluster_id(host):
    return [line for line in host.file(VERSION).content_string.splitlines() if line.startswith('clusterID=')]


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
    text = 'stored in HDFS by molecule'
    put = as_user(hdfs, 'hdfs', f"sh -c 'echo {text} | {BIN}/hdfs dfs -put -f - /tmp-molecule-roundtrip.txt'")
    assert put.rc == 0, put.stderr
    assert as_user(hdfs, 'hdfs', f'{BIN}/hdfs dfs -cat /tmp-molecule-roundtrip.txt').stdout.strip() == text


def test_permissions_are_enforced(hdfs):
    assert as_user(hdfs, 'hdfs', f"sh -c '{BIN}/hdfs dfs -mkdir -p /private && {BIN}/hdfs dfs -chmod 700 /private'").rc == 0
    denied = as_user(hdfs, 'yarn', f"sh -c 'echo x | {BIN}/hdfs dfs -put -f - /private/x'")
    assert denied.rc != 0 and 'Permission denied' in denied.stderr


def test_yarn_nodemanager_registered(host):
    until(host, 'yarn', f'{BIN}/yarn node -list', lambda out: 'Total Nodes:1' in out and 'RUNNING' in out)


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


def test_converge_again_neither_formats_nor_restarts(hdfs, hostname):
    before, started = cluster_id(hdfs), started_at(hdfs)
    run = run_playbook(scenario_playbook(), limit=hostname)
    assert run.rc == 0, run.output
    assert run.changed_tasks(hostname) == []
    assert cluster_id(hdfs) == before == ['clusterID=CID-molecule-hadoop']
    assert started_at(hdfs) == started


def test_yarn_setting_restarts_yarn_only(hdfs, hostname):
    started = started_at(hdfs)
    extra = {'yarn.nodemanager.resource.memory-mb': 2048, 'yarn.scheduler.maximum-allocation-mb': 2048,
             'yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage': 99,
             'yarn.nodemanager.delete.debug-delay-sec': 60}   # the scenario's settings and one more
    run = run_playbook(scenario_playbook(), limit=hostname, extra_vars={'hadoop_yarn_site_extra': extra})
    assert run.rc == 0, run.output
    after = started_at(hdfs)
    for unit in UNITS:
        assert (after[unit] != started[unit]) == ('-yarn-' in unit), unit
    until(hdfs, 'yarn', f'{BIN}/yarn node -list', lambda out: 'Total Nodes:1' in out and 'RUNNING' in out)
    assert as_user(hdfs, 'hdfs', f'{BIN}/hdfs dfs -cat /tmp-molecule-roundtrip.txt').rc == 0
    assert run_playbook(scenario_playbook(), limit=hostname).rc == 0   # back to the scenario's settings
