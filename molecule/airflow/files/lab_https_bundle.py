"""The airflow scenario's DAG from its private repository, read over HTTPS with a token: its run returns VERSION."""

from __future__ import annotations

import datetime

from airflow.sdk import dag, task

VERSION = 'https-v1'


@dag(schedule=None, start_date=datetime.datetime(2026, 1, 1), catchup=False, tags=['lab', 'git', 'https'])
def lab_https_bundle():
    @task
    def report() -> str:
        return VERSION

    report()


lab_https_bundle()
