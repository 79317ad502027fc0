"""The airflow scenario's pipeline DAG, from its Git bundle: a Spark job on data1's cluster (the lab_spark connection)
writes counts to HDFS, the counts are read back through WebHDFS (the HDFS provider, the lab_webhdfs connection), then a
message naming the run, its output and the rows read goes to Kafka (the lab_events connection, TLS and SCRAM). The
Spark job is jobs/lab_counts.py of the same repository version."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from urllib.parse import urlsplit

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import dag, task

OUTPUT = 'hdfs://data1:8020/user/airflow/pipeline/{{ run_id | replace(":", "") | replace("+", "") }}'
JOB = str(Path(__file__).resolve().parent.parent / 'jobs' / 'lab_counts.py')


@dag(schedule=None, start_date=datetime.datetime(2026, 1, 1), catchup=False, tags=['lab', 'git', 'pipeline'])
def lab_spark_kafka():
    counts = SparkSubmitOperator(
        task_id='counts',
        conn_id='lab_spark',
        application=JOB,
        application_args=[OUTPUT],
        name='lab_counts',
    )

    @task
    def totals(output: str) -> dict:
        from airflow.providers.apache.hdfs.hooks.webhdfs import WebHDFSHook

        client = WebHDFSHook(webhdfs_conn_id='lab_webhdfs').get_conn()
        path = urlsplit(output).path
        counts = {}
        for name in client.list(path):
            if name.startswith('part-'):
                with client.read(f'{path}/{name}', encoding='utf-8') as reader:
                    for line in reader.read().splitlines():
                        row = json.loads(line)
                        counts[row['bucket']] = row['count']
        return {'output': output, 'rows': sum(counts.values()), 'buckets': len(counts)}

    @task
    def announce(summary: dict, run_id: str | None = None) -> dict:
        from airflow.providers.apache.kafka.hooks.produce import KafkaProducerHook

        failures = []
        producer = KafkaProducerHook(kafka_config_id='lab_events').get_producer()
        message = {'run_id': run_id, **summary}
        producer.produce('pipeline', key=run_id, value=json.dumps(message),
                         on_delivery=lambda error, _: error and failures.append(str(error)))
        if producer.flush(60) or failures:
            raise RuntimeError(f'the message was not delivered: {failures or "timed out"}')
        return message

    summary = totals(OUTPUT)
    counts >> summary
    announce(summary)


lab_spark_kafka()
