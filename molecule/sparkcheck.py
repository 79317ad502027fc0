"""What the Spark scenarios' tests share: submitting jobs as a user and reading the cluster's state."""

from __future__ import annotations

import json
import re
import time

# Spark's own Python SparkPi example, shipped in the pyspark package and in Apache's distribution.
PI = '/opt/mlops/spark/current/examples/src/main/python/pi.py'
# The lab images have no curl.
FETCH = 'python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())"'


def submit(host, user: str, args: str, timeout: int = 300):
    """spark-submit as user through a login shell (so /etc/profile.d/spark.sh applies)."""
    return host.run(f"timeout {timeout} runuser -u {user} -- bash -lc 'cd /tmp && spark-submit {args}'")


def cluster_info(host, **options) -> dict:
    """mlops.hosts.spark_cluster_info run on host, against the master UI on loopback."""
    options.setdefault('url', 'http://127.0.0.1:8080')
    result = host.ansible('mlops.hosts.spark_cluster_info', json.dumps(options), check=False)
    assert not result.get('failed'), result
    return result


def pi_value(output: str) -> float:
    match = re.search(r'Pi is roughly ([0-9.]+)', output)
    assert match, output[-3000:]
    return float(match.group(1))


def app_ids(info: dict) -> set[str]:
    """Every application the master knows, running or completed."""
    return {app['id'] for app in info['active_apps'] + info['completed_apps']}


def history_executors(host, application: str, timeout: int = 90) -> list[dict]:
    """The application's executors, as the history server lists them once it has read the event log."""
    deadline = time.monotonic() + timeout
    while True:
        out = host.run(f'{FETCH} http://127.0.0.1:18080/api/v1/applications/{application}/allexecutors')
        if out.rc == 0:
            return json.loads(out.stdout)
        assert time.monotonic() < deadline, f'the history server never listed {application}: {out.stderr}'
        time.sleep(3)


def daemon_user(host, unit: str) -> str:
    pid = host.check_output(f'systemctl show {unit} -p MainPID --value')
    assert pid not in ('', '0'), f'{unit} is not running'
    return host.check_output(f'ps -o user= -p {pid}').strip()


def listeners(host) -> set[str]:
    """Local addresses with a listening TCP socket, as address:port."""
    return {line.split()[3] for line in host.check_output('ss -Hltn').splitlines()}


def run_pi(client, master, user: str, partitions: int) -> str:
    """SparkPi from client as user; checks pi and that the master lists it completed; its application id."""
    before = app_ids(cluster_info(master))
    run = submit(client, user, f'{PI} {partitions}')
    assert run.rc == 0, run.stderr[-3000:]
    assert abs(pi_value(run.stdout) - 3.14159) < 0.05
    info = cluster_info(master)
    (application,) = app_ids(info) - before
    assert application in [app['id'] for app in info['completed_apps']]
    return application


def assert_intruder_refused(client, master, user: str) -> None:
    """A job with a wrong secret never registers with the master."""
    before = app_ids(cluster_info(master))
    run = submit(client, user, f"--conf spark.authenticate.secret={'f' * 64} {PI} 2", timeout=30)
    assert run.rc != 0 and 'Pi is roughly' not in run.stdout
    assert 'Failed to connect to master' in run.stderr, run.stderr[-2000:]
    assert app_ids(cluster_info(master)) == before
