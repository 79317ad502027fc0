"""The airflow scenario's DAG: two tasks, the second reading what the first returned (XCom through the API)."""

from __future__ import annotations

import datetime
import socket

from airflow.sdk import dag, task


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

    check(measure())


lab_pipeline()
