"""Spark on the highly available Hadoop lab: a job on YARN writing and reading parquet on hdfs://mlops, from
spark-submit and from a notebook on the Jupyter host, and the standby Spark master taking over through ZooKeeper.
Runs after test_hadoop_ha.py, on the cluster it leaves.
"""

from __future__ import annotations

import base64
import json
import re
import time

import pytest
from conftest import lab_host, wait_for
from hubclient import Hub
from sparkcheck import run_pi, submit

testinfra_hosts = ['ansible://ha3']

USER, PASSWORD = 'alice', 'alice-password'
MASTERS = ['ha1', 'ha2']
WORKER = 'ha3'
AS_HDFS = 'runuser -u hdfs -- env HADOOP_CONF_DIR=/etc/hadoop /opt/mlops/hadoop/current/bin'
ROWS = 200000
# The job writes id and id * id for id in [0, ROWS), reads the parquet back and prints the count and the sum.
JOB = '''
import sys
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.appName("mlops-yarn-parquet").getOrCreate()
spark.range(0, %d, 1, 4).withColumn("square", F.col("id") * F.col("id")).write.mode("overwrite").parquet(sys.argv[1])
row = spark.read.parquet(sys.argv[1]).agg(F.count("*").alias("n"), F.sum("square").alias("s")).first()
print("MLOPS rows=%%d sum=%%d app=%%s master=%%s" %% (row["n"], row["s"], spark.sparkContext.applicationId,
                                                  spark.sparkContext.master))
spark.stop()
''' % ROWS
# The same in a notebook cell: a session on YARN beside the kernel's own `spark` (the standalone masters).
CELL = '''
from pyspark.sql import SparkSession, functions as F
session = (SparkSession.builder.master("yarn").appName("mlops-notebook-yarn")
           .config("spark.executor.instances", "2").config("spark.executor.memory", "512m")
           .config("spark.yarn.am.memory", "384m").getOrCreate())
path = "hdfs://mlops/user/alice/notebook-parquet"
session.range(0, 1000, 1, 2).withColumn("square", F.col("id") * F.col("id")).write.mode("overwrite").parquet(path)
row = session.read.parquet(path).agg(F.count("*").alias("n"), F.sum("square").alias("s")).first()
print("MLOPS rows=%d sum=%d app=%s master=%s" % (row["n"], row["s"], session.sparkContext.applicationId,
                                               session.sparkContext.master))
session.stop()
'''


def master_state(node) -> dict:
    """The master's status from its own web UI on loopback; {} while it does not answer."""
    result = node.ansible('mlops.hosts.spark_cluster_info', json.dumps({'url': 'http://127.0.0.1:8080'}), check=False)
    return {} if result.get('failed') else result


@pytest.fixture(scope='module')
def masters(host):
    return {name: lab_host(host, name) for name in MASTERS}


def test_job_on_yarn_writes_and_reads_parquet_on_hdfs_without_uploading_spark(host):
    # What an HDFS administrator does for each new user: a home directory, where Spark stages the job's files.
    host.check_output(f'{AS_HDFS}/hdfs dfs -mkdir -p /user/{USER} && {AS_HDFS}/hdfs dfs -chown {USER} /user/{USER}')
    host.check_output(f'echo {base64.b64encode(JOB.encode()).decode()} | base64 -d > /tmp/yarn-parquet.py')
    target = f'hdfs://mlops/user/{USER}/yarn-parquet'
    start = time.monotonic()
    run = submit(host, USER, '--master yarn --deploy-mode client --num-executors 2 --executor-cores 1 '
                             '--executor-memory 512m --conf spark.yarn.am.memory=384m '
                             f'/tmp/yarn-parquet.py {target}', timeout=600)
    print(f'spark-submit --master yarn (write and read {ROWS} rows): {time.monotonic() - start:.1f} s')
    assert run.rc == 0, (run.stdout + run.stderr)[-4000:]
    match = re.search(r'MLOPS rows=(\d+) sum=(\d+) app=(application_\S+) master=(\S+)', run.stdout)
    assert match, (run.stdout + run.stderr)[-4000:]
    assert int(match.group(1)) == ROWS
    assert int(match.group(2)) == sum(i * i for i in range(ROWS))
    assert match.group(4) == 'yarn'
    application = match.group(3)
    # spark.yarn.jars (local:) spares the upload of SPARK_HOME/jars: only the job's own files are staged.
    assert 'Neither spark.yarn.jars nor spark.yarn.archive' not in run.stderr, run.stderr[-4000:]
    assert '__spark_libs__' not in run.stderr, run.stderr[-4000:]
    listing = host.check_output(f'{AS_HDFS}/hdfs dfs -ls {target}')
    assert '_SUCCESS' in listing and '.parquet' in listing and f' {USER} ' in listing, listing
    finished = host.check_output(f'{AS_HDFS}/yarn application -list -appStates FINISHED 2>/dev/null')
    fields = next((line.split() for line in finished.splitlines() if line.startswith(application)), [])
    assert fields[1:] and {'mlops-yarn-parquet', 'SPARK', USER, 'FINISHED', 'SUCCEEDED'} <= set(fields), finished


def test_notebook_on_the_jupyter_host_runs_a_job_on_yarn_against_hdfs(host, tmp_path):
    host.check_output(f'{AS_HDFS}/hdfs dfs -mkdir -p /user/{USER} && {AS_HDFS}/hdfs dfs -chown {USER} /user/{USER}')
    hub = Hub.of(host, tmp_path)
    token = hub.token(USER, PASSWORD)
    hub.start_server(USER, token)
    start = time.monotonic()
    printed = hub.execute(USER, token, CELL, kernel='spark', timeout=600)
    print(f'notebook cell on YARN (write and read 1000 rows): {time.monotonic() - start:.1f} s')
    match = re.search(r'MLOPS rows=(\d+) sum=(\d+) app=(application_\S+) master=(\S+)', printed)
    assert match, printed[-4000:]
    assert (int(match.group(1)), int(match.group(2)), match.group(4)) == (1000, sum(i * i for i in range(1000)), 'yarn')
    finished = host.check_output(f'{AS_HDFS}/yarn application -list -appStates FINISHED 2>/dev/null')
    fields = next((line.split() for line in finished.splitlines() if line.startswith(match.group(3))), [])
    assert fields[1:] and {'mlops-notebook-yarn', 'SPARK', USER, 'FINISHED', 'SUCCEEDED'} <= set(fields), finished
    listing = host.check_output(f'{AS_HDFS}/hdfs dfs -ls hdfs://mlops/user/{USER}/notebook-parquet')
    assert '_SUCCESS' in listing and f' {USER} ' in listing, listing


def test_standby_master_takes_over_and_the_old_one_returns_as_standby(host, masters):
    client_conf = host.file('/etc/spark/conf/spark-defaults.conf').content_string
    assert re.search(r'^spark\.master\s+spark://ha1:7077,ha2:7077$', client_conf, re.M), client_conf
    assert 'spark://ha1:7077,ha2:7077' in host.check_output('systemctl show -p ExecStart --value spark-worker')

    def states():
        found = {name: master_state(node).get('status') for name, node in masters.items()}
        return found if sorted(found.values()) == ['ALIVE', 'STANDBY'] else None

    settled = wait_for(states, 60)
    assert settled, {name: master_state(node).get('status') for name, node in masters.items()}
    alive = next(name for name, state in settled.items() if state == 'ALIVE')
    standby = next(name for name in MASTERS if name != alive)
    assert WORKER in master_state(masters[alive])['alive_worker_hosts']

    start = time.monotonic()
    masters[alive].check_output('systemctl stop spark-master')

    def took_over():
        state = master_state(masters[standby])
        return state.get('status') == 'ALIVE' and WORKER in state.get('alive_worker_hosts', [])

    ok = wait_for(took_over, 90)
    elapsed = time.monotonic() - start
    print(f'Spark master failover from {alive} to {standby}, worker {WORKER} registered again: {elapsed:.1f} s')
    assert ok, master_state(masters[standby])

    masters[alive].check_output('systemctl start spark-master')
    back = wait_for(lambda: master_state(masters[alive]).get('status') == 'STANDBY', 90)
    assert back, master_state(masters[alive])
    assert master_state(masters[standby]).get('status') == 'ALIVE'
    # The client's URL names both masters: the job finds the one now ALIVE.
    run_pi(host, masters[standby], USER, 4)
