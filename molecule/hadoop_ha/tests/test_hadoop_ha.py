"""Highly available HDFS and YARN with real daemons: failover, one-time steps that refuse, drift, benchmarks.

The tests run in file order and share the cluster: files written first are checked after every disruption.
"""

from __future__ import annotations

import re
import time

from conftest import (bare_converge_seconds, lab_host, no_change_check_seconds, record_benchmark, run_playbook, scenario_playbook,
                      timed_clean_check, wait_for)

testinfra_hosts = ['ansible://ha3']

NAMENODES = ['ha1', 'ha2']
HOME = '/opt/mlops/hadoop/current'
AS_HDFS = f'runuser -u hdfs -- env HADOOP_CONF_DIR=/etc/hadoop {HOME}/bin'
FILES = {f'/mlops-ha/file{i}.bin': None for i in range(3)}
NAME_DIR = '/var/lib/hadoop/hdfs/name'
ZOO_CFG = '/etc/zookeeper/ensemble/zoo.cfg'
# The zookeeper role's tasks that a hand edit of zoo.cfg changes: the file written again and the server restarted.
ZOO_TASKS = ['Write the configuration, the unit, the server id and the data directories', 'Run ZooKeeper']
# About twice the controller's CPU-seconds of a no-change run of cluster.yml (17.9 on 2026-12-02, in make test with a
# third scenario beside it: 42.8 s of wall time).
CLUSTER_NO_CHANGE_CPU_S = 40
# The runs that disrupt the cluster play ZooKeeper and Hadoop alone: the Jupyter host and Spark have nothing to do
# with them, and a run of the whole playbook takes twice as long.
CLUSTER = scenario_playbook('cluster.yml')


def hdfs(host, args, check=True):
    cmd = host.run(f'{AS_HDFS}/hdfs {args}')
    if check:
        assert cmd.rc == 0, f'hdfs {args}: {cmd.stderr[-3000:]}'
    return cmd


def service_states(host) -> dict:
    """NameNode host -> 'active' or 'standby', from hdfs haadmin -getAllServiceState."""
    out = hdfs(host, 'haadmin -getAllServiceState', check=False).stdout
    return {m.group(1): m.group(2) for m in re.finditer(r'^(\S+?):\d+\s+(active|standby)\s*$', out, re.M)}


def checksums(host) -> dict:
    """SHA-256 of each test file as read back from HDFS."""
    return {path: host.check_output(f'{AS_HDFS}/hdfs dfs -cat {path} | sha256sum').split()[0] for path in FILES}


def test_one_namenode_is_active_and_the_other_standby(host):
    states = wait_for(lambda: service_states(host) if sorted(service_states(host).values()) == ['active', 'standby'] else {}, 90)
    assert sorted(states.values()) == ['active', 'standby'], hdfs(host, 'haadmin -getAllServiceState', check=False).stdout
    assert {name.split('.')[0] for name in states} == set(NAMENODES)


def test_files_are_written_with_three_replicas(host):
    hdfs(host, 'dfs -mkdir -p /mlops-ha')
    for path in FILES:
        host.check_output(f'head -c 3000000 /dev/urandom > /tmp/ha-upload && {AS_HDFS}/hdfs dfs -put -f /tmp/ha-upload {path}')
        FILES[path] = host.check_output('sha256sum /tmp/ha-upload').split()[0]
    assert checksums(host) == FILES
    report = hdfs(host, 'dfsadmin -report -live').stdout
    assert 'Live datanodes (3)' in report, report[:2000]
    fsck = hdfs(host, 'fsck /mlops-ha -files -blocks').stdout
    assert 'Default replication factor:\t3' in fsck or 'Average block replication:\t3.0' in fsck, fsck[-2000:]


def test_yarn_resourcemanagers_are_highly_available_and_run_a_job(host):
    rm = host.run(f'{AS_HDFS}/yarn rmadmin -getAllServiceState').stdout
    assert sorted(re.findall(r'\b(active|standby)\b', rm)) == ['active', 'standby'], rm
    nodes = wait_for(lambda: len(re.findall(r'RUNNING', host.run(f'{AS_HDFS}/yarn node -list').stdout)) == 3, 120)
    assert nodes, host.run(f'{AS_HDFS}/yarn node -list').stdout
    jar = host.check_output(f'ls {HOME}/share/hadoop/mapreduce/hadoop-mapreduce-examples-*.jar')
    job = host.run(f'cd /tmp && {AS_HDFS}/yarn jar {jar} pi 2 20')
    assert job.rc == 0 and 'Estimated value of Pi is' in job.stdout, (job.stdout + job.stderr)[-4000:]


def test_killing_the_active_namenode_fails_over_within_a_minute(host):
    states = service_states(host)
    active = next(name for name, state in states.items() if state == 'active').split('.')[0]
    standby = next(name for name in NAMENODES if name != active)
    old = lab_host(host, active)
    pid = old.check_output('systemctl show -p MainPID --value hadoop-hdfs-namenode')
    start = time.monotonic()
    old.check_output(f'kill -9 {pid}')
    took = wait_for(lambda: service_states(host).get(standby) == 'active' or
                    any(k.startswith(standby) and v == 'active' for k, v in service_states(host).items()), 60, 1)
    elapsed = time.monotonic() - start
    print(f'failover from {active} to {standby}: {elapsed:.1f} s')
    assert took, f'{standby} did not become active within 60 s: {service_states(host)}'
    assert checksums(host) == FILES
    host.check_output(f'head -c 100000 /dev/urandom > /tmp/after && {AS_HDFS}/hdfs dfs -put -f /tmp/after /mlops-ha/after-failover.bin')
    # systemd restarts the killed JVM (Restart=on-failure); it must come back as the standby.
    back = wait_for(lambda: sorted(service_states(host).values()) == ['active', 'standby'], 180, 3)
    assert back, service_states(host)
    assert any(k.startswith(active) and v == 'standby' for k, v in service_states(host).items())


def test_every_one_time_step_refuses_on_existing_data(host):
    run = run_playbook(scenario_playbook('one_time_steps.yml'))
    assert run.rc == 0, run.output[-4000:]
    assert run.changed == {}, run.changed
    assert 'never reformatted' in run.output and 'formatZK rc=2' in run.output, run.output[-4000:]
    assert checksums(host) == FILES


def test_new_empty_name_dirs_are_refused_before_any_file_changes(host):
    site = {name: lab_host(host, name).file('/etc/hadoop/hdfs-site.xml').content_string for name in NAMENODES + ['ha3']}
    run = run_playbook(CLUSTER, extra_vars={'hadoop_namenode_name_dirs': ['/var/lib/hadoop/hdfs/name-new']})
    assert run.rc != 0
    failures = ' '.join(msg for host_failures in run.failed.values() for _, msg in host_failures)
    assert 'refusing to format the NameNode' in failures or 'refusing to initialise' in failures, failures
    assert 'CID-molecule-ha' in failures and 'recover deliberately' in failures, failures
    assert sorted(run.failed) == NAMENODES + ['ha3'], run.failed
    assert 'nothing is changed on any host' in ' '.join(msg for _, msg in run.failed['ha3'])
    assert run.changed == {}, run.changed
    assert host.file('/etc/hadoop/hdfs-site.xml').content_string == site['ha3']
    for name in NAMENODES:
        node = lab_host(host, name)
        assert node.file('/etc/hadoop/hdfs-site.xml').content_string == site[name]
        assert node.check_output('ls -A /var/lib/hadoop/hdfs/name-new 2>/dev/null || true') == ''
    assert checksums(host) == FILES


def test_a_wiped_standby_is_refused_until_recovered_deliberately(host):
    states = service_states(host)
    standby = next(name for name, state in states.items() if state == 'standby').split('.')[0]
    node = lab_host(host, standby)
    node.check_output('systemctl stop hadoop-hdfs-zkfc hadoop-hdfs-namenode')
    node.check_output(f'rm -rf {NAME_DIR}/*')
    run = run_playbook(CLUSTER)
    assert run.rc != 0
    failures = ' '.join(msg for _, msg in run.failed.get(standby, []))
    assert 'held the namespace of clusterID CID-molecule-ha' in failures, run.failed
    assert run.changed == {}, run.changed
    assert node.check_output(f'ls -A {NAME_DIR}') == ''
    assert checksums(host) == FILES
    # The recovery the message gives: copy the namespace from the active NameNode, then run again.
    node.check_output(f'{AS_HDFS}/hdfs namenode -bootstrapStandby -nonInteractive')
    again = run_playbook(CLUSTER)
    assert again.rc == 0, again.output[-4000:]
    assert wait_for(lambda: sorted(service_states(host).values()) == ['active', 'standby'], 120, 3), service_states(host)
    assert checksums(host) == FILES


def test_drift_is_flagged_by_a_check_and_fixed_by_a_run(host):
    """HDFS and ZooKeeper drift in one check and one run: a hand edit of ha2's hdfs-site.xml and zoo.cfg, ha3's
    JournalNode and ha2's ZKFC stopped. The run restarts ha2's ZooKeeper server. The check after it, of the scenario's
    whole playbook, is the check after converge (no change on a converged cluster) and the benchmark."""
    ha2 = lab_host(host, 'ha2')
    ha2.check_output("sed -i 's|<value>3</value>|<value>2</value>|' /etc/hadoop/hdfs-site.xml")
    zookeeper = ha2.check_output('systemctl show -p MainPID --value zookeeper')
    ha2.check_output(f'sed -i s/^maxClientCnxns=60$/maxClientCnxns=1000/ {ZOO_CFG}')
    host.check_output('systemctl stop hadoop-hdfs-journalnode')
    ha2.check_output('systemctl stop hadoop-hdfs-zkfc')
    check = run_playbook(CLUSTER, check=True)
    assert check.rc == 0, check.output[-4000:]
    assert sorted(check.changed) == ['ha2', 'ha3'], check.changed
    assert any('site files' in task for task in check.changed['ha2']), check.changed
    assert set(ZOO_TASKS) <= {task.split(' : ', 1)[-1] for task in check.changed['ha2']}, check.changed['ha2']
    fix = run_playbook(CLUSTER)
    assert fix.rc == 0, fix.output[-4000:]
    assert set(ZOO_TASKS) <= {task.split(' : ', 1)[-1] for task in fix.changed['ha2']}, fix.changed['ha2']
    assert host.service('hadoop-hdfs-journalnode').is_running
    assert ha2.service('hadoop-hdfs-zkfc').is_running
    assert '<value>3</value>' in ha2.file('/etc/hadoop/hdfs-site.xml').content_string
    assert 'maxClientCnxns=60' in ha2.file(ZOO_CFG).content_string
    assert ha2.check_output('systemctl show -p MainPID --value zookeeper') != zookeeper
    timed_clean_check(scenario_playbook(), mark='whole-check')
    assert wait_for(lambda: sorted(service_states(host).values()) == ['active', 'standby'], 120, 3)
    assert checksums(host) == FILES


def test_no_change_run_time():
    """The benchmark: a no-change run of the cluster's plays (ZooKeeper and Hadoop, cluster.yml), and the drift test's
    check of the scenario's whole playbook (with Spark and the Jupyter host)."""
    start = time.monotonic()
    run = run_playbook(CLUSTER)
    cluster = time.monotonic() - start
    assert run.rc == 0 and run.changed == {}, run.changed
    whole = no_change_check_seconds('whole-check')
    bare = bare_converge_seconds()
    record_benchmark('bare to HA cluster (cluster.yml of the first converge: ZooKeeper, HDFS, YARN on 3 hosts)', bare)
    record_benchmark('no-change run of the HA cluster (3 hosts, ZooKeeper and Hadoop)', cluster)
    record_benchmark('check of the whole playbook, with Spark and the Jupyter host', whole)
    record_benchmark('controller CPU of the no-change run of the HA cluster (CPU-seconds)', run.controller_cpu_s)
    # Guards against a regression only. Wall times depend on what runs beside: make test runs two scenarios side by
    # side on 2 cores with the integration tests (alone: the cluster 8.8 s on 2026-12-06, benchmarks/README.md, and
    # 13.0 s with the whole at 29.5 s on 2026-11-30; the cluster 36 s in make test on 2026-12-02 at noon and 63 s that
    # evening, beside the drift scenario's AWX jobs with no idle CPU at all). The controller's CPU-seconds hardly
    # depend on it: the tighter guard.
    assert bare < 600, bare
    assert cluster < 150, cluster
    assert whole < 240, whole
    assert run.controller_cpu_s < CLUSTER_NO_CHANGE_CPU_S, run.controller_cpu_s
