"""The acceptance pipeline: the Git bundle's lab_spark_kafka DAG, triggered through the REST API with a token, runs
a Spark job on data1's cluster (the collection's spark role, authenticated with its secret) that writes to HDFS (the
hadoop role), reads the result back through WebHDFS (the HDFS provider's hook), then produces a message to Kafka over
TLS with SCRAM (the kafka role), with connections from inventory. The message is read back with the airflow user's
client file, the job's output from HDFS, and the Spark master lists the application as finished."""

from __future__ import annotations

import json
import shlex
from urllib.parse import urlsplit

from airflowclient import api, token
from conftest import lab_host, record_secret, wait_for

testinfra_hosts = ['ansible://airflow1']

DAG = 'lab_spark_kafka'
PYTHON = '/opt/mlops/envs/airflow/bin/python'
HDFS = 'runuser -u hdfs -- env HADOOP_CONF_DIR=/etc/hadoop /opt/mlops/hadoop/current/bin/hdfs'
CLIENT_FILE = '/etc/kafka/client/airflow.librdkafka.properties'
# The messages of the topic pipeline, one JSON line each, read with the airflow user's settings of the kafka role
# until one has the key given (the run's id), for at most 90 s (the group's join and TLS with SCRAM included).
CONSUME = r'''
import sys, time, uuid
from confluent_kafka import Consumer
config = dict(line.strip().split('=', 1) for line in open(sys.argv[1]) if '=' in line and not line.startswith('#'))
consumer = Consumer({**config, 'group.id': 'lab-' + uuid.uuid4().hex, 'auto.offset.reset': 'earliest'})
consumer.subscribe(['pipeline'])
deadline = time.monotonic() + 90
while time.monotonic() < deadline:
    message = consumer.poll(2)
    if message is None:
        continue
    if message.error():
        sys.exit(str(message.error()))
    print(message.value().decode(), flush=True)
    if message.key() == sys.argv[2].encode():
        break
consumer.close()
'''


def test_pipeline_runs_spark_then_kafka_and_the_message_is_read_back(host):
    data = lab_host(host, 'data1')
    password = host.check_output(f"sed -n 's/^sasl.password=//p' {CLIENT_FILE}").strip()
    record_secret('airflow-kafka-scram-password', password)
    bearer = token(host, 'alice')
    assert wait_for(lambda: api(host, 'GET', f'/api/v2/dags/{DAG}', bearer)[0] == 200, timeout=180, step=5), \
        'the pipeline DAG of the Git bundle was not parsed'
    status, body = api(host, 'PATCH', f'/api/v2/dags/{DAG}', bearer, {'is_paused': False})
    assert status == 200, body
    status, run = api(host, 'POST', f'/api/v2/dags/{DAG}/dagRuns', bearer, {'logical_date': None})
    assert status == 200, run
    path = f"/api/v2/dags/{DAG}/dagRuns/{run['dag_run_id']}"
    wait_for(lambda: api(host, 'GET', path, bearer)[1].get('state') in ('success', 'failed'), timeout=600, step=10)
    status, finished = api(host, 'GET', path, bearer)
    status, tasks = api(host, 'GET', f'{path}/taskInstances', bearer)
    states = {task['task_id']: task['state'] for task in tasks['task_instances']}
    assert finished['state'] == 'success' and states == {'counts': 'success', 'totals': 'success', 'announce': 'success'}, \
        (finished, states)
    assert finished['bundle_version'], finished

    status, sent = api(host, 'GET', f'{path}/taskInstances/announce/xcomEntries/return_value'
                       '?deserialize=true&stringify=false', bearer)
    assert status == 200 and isinstance(sent['value'], dict), sent
    message = sent['value']
    assert message['run_id'] == run['dag_run_id'], message
    # What the HDFS provider's hook read through WebHDFS: the job's 1000 rows in 7 buckets, as the hdfs command reads below.
    assert (message['rows'], message['buckets']) == (1000, 7), message

    consumed = host.run(f'{PYTHON} -c {shlex.quote(CONSUME)} {CLIENT_FILE} {shlex.quote(run["dag_run_id"])}')
    assert consumed.rc == 0, consumed.stderr
    received = [json.loads(line) for line in consumed.stdout.splitlines() if line.startswith('{')]
    assert message in received, (message, consumed.stdout)

    output = urlsplit(message['output']).path
    listed = data.run(f'{HDFS} dfs -ls {shlex.quote(output)}')
    assert listed.rc == 0 and '_SUCCESS' in listed.stdout, listed.stdout + listed.stderr
    owners = {line.split()[2] for line in listed.stdout.splitlines() if line.startswith('-')}
    assert owners == {'airflow'}, f'the job did not write as the airflow user:\n{listed.stdout}'
    rows = data.check_output(f"{HDFS} dfs -cat {shlex.quote(output)}/part-*")
    counts = {row['bucket']: row['count'] for row in map(json.loads, rows.splitlines())}
    assert sum(counts.values()) == 1000 and len(counts) == 7, counts

    master = json.loads(data.check_output(
        "python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://127.0.0.1:8080/json/\").read().decode())'"))
    apps = [app for app in master.get('completedapps', []) if app['name'] == 'lab_counts']
    assert apps and apps[-1]['state'] == 'FINISHED', master.get('completedapps')
