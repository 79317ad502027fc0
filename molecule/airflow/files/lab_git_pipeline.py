"""The airflow scenario's DAG from its Git bundle: the test changes VERSION, pushes, and expects the next run's."""

from __future__ import annotations

import datetime

from airflow.sdk import dag, task

VERSION = 'v1'


@dag(schedule=None, start_date=datetime.datetime(2026, 1, 1), catchup=False, tags=['lab', 'git'])
def lab_git_pipeline():
    @task
    def report() -> str:
        return VERSION

    report()


lab_git_pipeline()
