"""The airflow scenario's DAG: two tasks, the second reading what the first returned (XCom through the API), and one
reading a connection from inventory (airflow_connections) as tasks do, returning what it found but not its secret."""

from __future__ import annotations

import datetime
import socket

from airflow.sdk import Connection, dag, task


@dag(schedule=None, start_date=datetime.datetime(2026, 1, 1), catchup=False, tags=['lab'])
def lab_pipeline():
    @task
    def measure() -> dict:
        return {'host': socket.gethostname(), 'squares': sum(i * i for i in range(1000))}

    @task
    def check(measured: dict) -> str:
        if measured['squares'] != 332833500:
            raise ValueError(measured)
        return 'ok from %s' % measured['host']

    @task
    def connection() -> dict:
        extra = Connection.get('lab_kafka').extra_dejson
        return {'bootstrap.servers': extra['bootstrap.servers'], 'password_length': len(extra['sasl.password'])}

    check(measure())
    connection()


lab_pipeline()
