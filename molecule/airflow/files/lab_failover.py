"""The airflow scenario's failover DAG: one task that runs long enough for a test to kill the scheduler running it.
The cluster's other scheduler resets the dead scheduler's task and runs it again at its next orphan check
([scheduler] orphaned_tasks_check_interval, 30 s in the scenario)."""

from __future__ import annotations

import datetime
import socket
import time

from airflow.sdk import dag, task


@dag(schedule=None, start_date=datetime.datetime(2026, 1, 1), catchup=False, tags=['lab'])
def lab_failover():
    @task(retries=2, retry_delay=datetime.timedelta(seconds=5))
    def hold() -> str:
        time.sleep(30)
        return socket.gethostname()

    hold()


lab_failover()
