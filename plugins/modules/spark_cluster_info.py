#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: spark_cluster_info
short_description: Read the status of a Spark standalone master, optionally waiting for its workers
version_added: 0.8.0
author: mlops.hosts maintainers (@mlops-hosts)
description:
  - Reads the status of a Spark standalone master from the JSON endpoint of its web UI,
    C(<url>/json/), and returns the master's state, its workers with their resources and the
    running and completed applications.
  - With O(wait_for_workers) or O(wait_for_hosts) the module polls the master until enough workers,
    or the listed hosts, are registered and ALIVE, and fails after O(wait_timeout) seconds with a
    message that lists the workers that are registered. This replaces an
    M(ansible.builtin.uri) task with C(until) and C(retries) after starting a cluster.
  - The request is made by the host the task runs on, with Ansible's own URL library; nothing needs
    to be installed there. Use C(delegate_to) to ask the master from the host that runs it when its
    web UI listens on the loopback address only.
  - Nothing is changed; the module always reports C(changed=false).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - The module changes nothing, so it reads the status (and waits) in check mode as well.
  diff_mode:
    support: N/A
    details:
      - The module changes nothing.
  platform:
    platforms: posix
options:
  url:
    description:
      - Base address of the master's web UI, C(spark.master.ui.port) (8080 by default) of the master host.
      - The status is read from C(<url>/json/). A V(url) that already ends with C(/json) or C(/json/)
        is used as it is, and a path is kept, so the UI may sit behind a reverse proxy with a prefix
        such as V(https://gateway.example.com/spark/).
      - This is not the C(spark://) address that applications and workers connect to; that one is
        returned as RV(url).
    type: str
    default: http://127.0.0.1:8080
  validate_certs:
    description:
      - Whether the TLS certificate of an V(https) O(url) is verified.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the certificate authorities that an V(https) O(url) is verified against,
        instead of the system's.
    type: path
  timeout:
    description:
      - Seconds to wait for an answer to one request.
    type: int
    default: 10
  url_username:
    description:
      - User name for HTTP basic authentication, for a web UI behind an authenticating proxy or
        a servlet filter (C(spark.ui.filters)).
      - The credentials are sent once the server asks for them with a C(401) answer.
    type: str
  url_password:
    description:
      - Password for HTTP basic authentication, with O(url_username).
    type: str
  wait_for_workers:
    description:
      - Poll the master until at least this many workers are in state C(ALIVE).
      - V(0) does not wait for a number of workers.
      - Counts worker processes, not hosts; a host that runs two workers counts twice.
    type: int
    default: 0
  wait_for_hosts:
    description:
      - Poll the master until a worker in state C(ALIVE) is registered for every host in this list.
      - A host matches when it equals the C(host) field of a worker, ignoring case. That field is
        what the worker was started with as C(--host) or C(SPARK_LOCAL_HOSTNAME); without either,
        Spark registers the worker with its IP address, not with its host name. List what RV(workers[].host)
        shows.
      - May be combined with O(wait_for_workers); then both must be met.
    type: list
    elements: str
    default: []
  wait_timeout:
    description:
      - Seconds to keep polling when O(wait_for_workers) or O(wait_for_hosts) is set; the module fails
        when the workers are not there by then.
      - While waiting, a master that cannot be reached, answers with a server error (C(5xx)) or C(404), or
        answers with a page that is not JSON (as a master still starting does) is asked again until the time is
        up, so the module can run right after the master was started. Other errors fail at once.
      - The master is polled every 2 seconds.
    type: int
    default: 60
notes:
  - In a high-availability setup (C(spark.deploy.recoveryMode=ZOOKEEPER)) only the leading master
    has RV(status=ALIVE) and knows the workers and applications. A standby master answers with
    RV(status=STANDBY) and no workers, and a master that has just become leader is
    V(RECOVERING) (its workers in state C(UNKNOWN)) until the workers have answered it. Waiting at a
    standby master times out, so read every master first and wait at the one whose RV(status) is
    V(ALIVE); see the examples.
  - Spark marks a worker C(DEAD) when it disconnects or sends no heartbeat for C(spark.worker.timeout)
    seconds (60 by default), and keeps listing it for a while; RV(alive_workers) and
    RV(alive_worker_hosts) count only C(ALIVE) workers.
  - The master's JSON lists no executors per application.
seealso:
  - name: Spark standalone mode
    description: Starting a standalone cluster, and high availability with ZooKeeper.
    link: https://spark.apache.org/docs/latest/spark-standalone.html
  - module: ansible.builtin.uri
"""

EXAMPLES = r"""
- name: Wait until every worker of the inventory is registered with the master
  mlops.hosts.spark_cluster_info:
    url: http://127.0.0.1:8080
    wait_for_hosts: "{{ groups['spark_workers'] }}"
    wait_timeout: 120
  delegate_to: "{{ groups['spark_masters'][0] }}"
  run_once: true

- name: Wait for at least two workers of a master behind an authenticating proxy
  mlops.hosts.spark_cluster_info:
    url: https://gateway.example.com/spark/
    url_username: ops
    url_password: "{{ vault_spark_ui_password }}"
    ca_path: /etc/ssl/certs/example-ca.pem
    wait_for_workers: 2
  register: spark

- name: Show what the cluster has
  ansible.builtin.debug:
    msg: >-
      {{ spark.alive_workers }} workers on {{ spark.alive_worker_hosts | join(', ') }},
      {{ spark.cores }} cores, {{ spark.memory }} MiB,
      running {{ spark.active_apps | map(attribute='name') | join(', ') or 'nothing' }}

# High availability: ask every master, then wait at the one that leads. A master that is down fails
# its item, which is expected here; the leader is the one whose status is ALIVE.
- name: Read the status of every master
  mlops.hosts.spark_cluster_info:
    url: "http://{{ item }}:8080"
  loop: "{{ groups['spark_masters'] }}"
  register: spark_masters
  failed_when: false
  run_once: true

- name: Wait for the workers at the leading master
  mlops.hosts.spark_cluster_info:
    url: "{{ (spark_masters.results | selectattr('status', 'defined') | selectattr('status', 'equalto', 'ALIVE') | first).status_url }}"
    wait_for_workers: 3
  run_once: true
"""

RETURN = r"""
status_url:
  description:
    - The address the status was read from, O(url) with C(/json/).
  returned: always
  type: str
  sample: http://127.0.0.1:8080/json/
url:
  description:
    - The C(spark://) address of the master, which C(spark-submit --master) and the workers use.
  returned: always
  type: str
  sample: spark://127.0.0.1:7077
status:
  description:
    - State of the master, V(ALIVE) for the master that serves the cluster, V(STANDBY) for a standby
      master of a high-availability pair, V(RECOVERING) or V(COMPLETING_RECOVERY) while a new leader
      takes over.
  returned: always
  type: str
  sample: ALIVE
workers:
  description:
    - Every worker the master knows, including those in state C(DEAD) that it still lists, in the
      master's order.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Worker ID, C(worker-<start time>-<host>-<port>).
      type: str
      sample: worker-20261123231624-192.0.2.2-44879
    host:
      description:
        - Host the worker registered with, the address O(wait_for_hosts) is matched against.
        - The worker's C(--host) or C(SPARK_LOCAL_HOSTNAME), otherwise its IP address.
      type: str
      sample: 192.0.2.2
    port:
      description: RPC port of the worker.
      type: int
      sample: 44879
    webuiaddress:
      description: Address of the worker's web UI.
      type: str
      sample: http://192.0.2.2:8081
    state:
      description: V(ALIVE), V(DEAD), V(DECOMMISSIONED) or V(UNKNOWN) (during recovery).
      type: str
      sample: ALIVE
    cores:
      description: Cores the worker offers.
      type: int
      sample: 4
    coresused:
      description: Cores in use by executors.
      type: int
      sample: 2
    memory:
      description: Memory the worker offers to executors, in MiB.
      type: int
      sample: 8192
    memoryused:
      description: Memory in use by executors, in MiB.
      type: int
      sample: 2048
    lastheartbeat:
      description: Time of the worker's last heartbeat, in milliseconds since the epoch.
      type: int
      sample: 1795475865390
alive_workers:
  description:
    - Number of workers in state C(ALIVE).
  returned: always
  type: int
  sample: 2
alive_worker_hosts:
  description:
    - RV(workers[].host) of the workers in state C(ALIVE), sorted, each host once.
  returned: always
  type: list
  elements: str
  sample: [192.0.2.2, spark-worker-2]
cores:
  description:
    - Cores of all ALIVE workers together.
  returned: always
  type: int
  sample: 8
coresused:
  description:
    - Cores in use on the ALIVE workers.
  returned: always
  type: int
  sample: 2
memory:
  description:
    - Memory of all ALIVE workers together, in MiB.
  returned: always
  type: int
  sample: 16384
memoryused:
  description:
    - Memory in use on the ALIVE workers, in MiB.
  returned: always
  type: int
  sample: 960
active_apps:
  description:
    - Applications that are running or waiting for resources.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Application ID.
      type: str
      sample: app-20261123231635-0000
    name:
      description: Application name, C(spark.app.name).
      type: str
      sample: sleepy-count
    state:
      description: V(WAITING), V(RUNNING), V(FINISHED), V(FAILED), V(KILLED) or V(UNKNOWN).
      type: str
      sample: RUNNING
    cores:
      description: Cores granted to the application.
      type: int
      sample: 2
    memoryperexecutor:
      description: Memory of each executor, in MiB.
      type: int
      sample: 480
    user:
      description: User that submitted the application.
      type: str
      sample: alice
    starttime:
      description: Start time, in milliseconds since the epoch.
      type: int
      sample: 1795475795337
    duration:
      description: Milliseconds the application has run, or ran.
      type: int
      sample: 16927
completed_apps:
  description:
    - Applications that have ended, with the same fields as RV(active_apps).
    - An application whose jobs failed but that stopped its SparkContext has state V(FINISHED).
  returned: always
  type: list
  elements: dict
  sample:
    - id: app-20261123231635-0000
      name: sleepy-count
      state: FINISHED
      cores: 2
      memoryperexecutor: 480
      user: alice
      starttime: 1795475795337
      duration: 48110
elapsed:
  description:
    - Seconds spent waiting for the workers, V(0) when not waiting.
  returned: always
  type: int
  sample: 6
"""

import json
import time
from urllib.parse import urlsplit, urlunsplit

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.urls import fetch_url

_POLL_INTERVAL = 2  # seconds between two requests while waiting
_WORKER_FIELDS = ('id', 'host', 'port', 'webuiaddress', 'state', 'cores', 'coresused', 'memory', 'memoryused',
                  'lastheartbeat')
_APP_FIELDS = ('id', 'name', 'state', 'cores', 'memoryperexecutor', 'user', 'starttime', 'duration')
_TOTALS = ('cores', 'coresused', 'memory', 'memoryused')


class _Unreachable(Exception):
    """The master could not be asked, or answered with a server error: worth asking again while waiting."""


def _host_key(host):
    return to_text(host).strip().strip('[]').lower()


def _without_credentials(url):
    """url without a user name and password in it, for messages."""
    parts = urlsplit(url)
    if '@' not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit('@', 1)[1]))


class SparkClusterInfo:
    """Reads the master's /json/ status, polling it until the wanted workers are ALIVE when asked to."""

    # Class attributes, so that the unit tests can replace the clock.
    clock = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)

    def __init__(self, module):
        self.module = module
        params = module.params
        self.url = params['url']
        self.timeout = params['timeout']
        self.ca_path = params['ca_path']
        self.wait_for_workers = params['wait_for_workers']
        self.wait_for_hosts = params['wait_for_hosts']
        self.wait_timeout = params['wait_timeout']
        self.status_url = None
        self.shown_url = None

    @property
    def waiting(self):
        return self.wait_for_workers > 0 or bool(self.wait_for_hosts)

    # ----------------------------------------------------------------- entry point

    def run(self):
        self._check_input()
        if not self.waiting:
            try:
                return self._result(self._read(), 0)
            except _Unreachable as exc:
                self.fail(to_native(exc))
        return self._wait()

    def fail(self, msg, **kwargs):
        kwargs.setdefault('status_url', self.shown_url)
        self.module.fail_json(msg=msg, **kwargs)

    # ------------------------------------------------------------------- checking

    def _check_input(self):
        parts = urlsplit(self.url)
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            self.fail('url %r must be the http:// or https:// address of the master web UI, for example '
                      'http://127.0.0.1:8080' % _without_credentials(self.url))
        path = parts.path.rstrip('/')
        if path.endswith('/json'):
            path = path[:-len('/json')]
        self.status_url = urlunsplit((parts.scheme, parts.netloc, path + '/json/', parts.query, ''))
        self.shown_url = _without_credentials(self.status_url)
        if self.timeout <= 0:
            self.fail('timeout must be a positive number of seconds, got %d' % self.timeout)
        if self.wait_for_workers < 0:
            self.fail('wait_for_workers must not be negative, got %d' % self.wait_for_workers)
        if self.wait_timeout < 0:
            self.fail('wait_timeout must not be negative, got %d' % self.wait_timeout)
        if not all(host and host.strip() for host in self.wait_for_hosts):
            self.fail('wait_for_hosts must not contain empty host names, got %r' % (self.wait_for_hosts,))

    # -------------------------------------------------------------------- reading

    def _read(self):
        """The master's status as returned by the module; raises _Unreachable for errors worth retrying."""
        response, info = fetch_url(self.module, self.status_url, timeout=self.timeout, ca_path=self.ca_path)
        code = info.get('status', -1)
        if code < 0:
            raise _Unreachable('cannot read the Spark master status from %s: %s; is the master running and its '
                               'web UI listening there?' % (self.shown_url, info.get('msg', 'no answer')))
        if code >= 500:
            raise _Unreachable('the Spark master web UI at %s answered HTTP %d: %s'
                               % (self.shown_url, code, info.get('msg', '')))
        if code == 404:
            # A master that is starting answers 404 until its web UI's handlers are attached: retried while waiting.
            raise _Unreachable('the Spark master web UI at %s answered HTTP 404: %s; is this the web UI of a Spark '
                               'standalone master, and has it finished starting?' % (self.shown_url, info.get('msg', '')))
        if code == 401:
            self.fail('the Spark master web UI at %s answered HTTP 401 (unauthorized): %s; set url_username and '
                      'url_password, or check them' % (self.shown_url, info.get('msg', '')), http_status=code)
        if code != 200:
            self.fail('the Spark master web UI at %s answered HTTP %d: %s; is this the web UI of a Spark standalone '
                      'master?' % (self.shown_url, code, info.get('msg', '')), http_status=code)
        try:
            body = response.read()
        except OSError as exc:
            raise _Unreachable('cannot read the Spark master status from %s: %s' % (self.shown_url, to_native(exc)))
        return self._parse(body)

    def _parse(self, body):
        try:
            data = json.loads(to_text(body, errors='surrogate_or_strict'))
        except (UnicodeError, ValueError) as exc:
            # A master that is starting serves its HTML page on /json/ until the JSON handler is attached (seen in
            # the spark scenario): retried while waiting, like a 404.
            raise _Unreachable('the answer from %s is not JSON (%s), is this the web UI of a Spark standalone master, '
                               'and has it finished starting? It begins with: %s'
                               % (self.shown_url, to_native(exc), to_native(body[:200], errors='replace')))
        if isinstance(data, dict) and 'masterurl' in data and 'status' not in data:
            self.fail('%s is the web UI of a Spark worker (its master is %s); point url at the master web UI '
                      '(port 8080 by default)' % (self.shown_url, data['masterurl']))
        if not isinstance(data, dict) or not isinstance(data.get('status'), str) \
                or not isinstance(data.get('workers'), list):
            self.fail('the JSON from %s is not the status of a Spark standalone master: it has no "status" and '
                      '"workers"' % self.shown_url)

        workers = [dict((field, worker.get(field)) for field in _WORKER_FIELDS)
                   for worker in data['workers'] if isinstance(worker, dict)]
        alive = [worker for worker in workers if worker['state'] == 'ALIVE']
        result = dict(
            status_url=self.shown_url,
            url=data.get('url'),
            status=data['status'],
            workers=workers,
            alive_workers=len(alive),
            alive_worker_hosts=sorted(set(worker['host'] for worker in alive if worker['host'])),
            active_apps=self._apps(data.get('activeapps')),
            completed_apps=self._apps(data.get('completedapps')),
        )
        for total in _TOTALS:
            result[total] = data.get(total)
        return result

    @staticmethod
    def _apps(apps):
        return [dict((field, app.get(field)) for field in _APP_FIELDS) for app in apps or [] if isinstance(app, dict)]

    # -------------------------------------------------------------------- waiting

    def _missing_hosts(self, result):
        alive = set(_host_key(host) for host in result['alive_worker_hosts'])
        return [host for host in self.wait_for_hosts if _host_key(host) not in alive]

    def _satisfied(self, result):
        return result['alive_workers'] >= self.wait_for_workers and not self._missing_hosts(result)

    def _wait(self):
        start = self.clock()
        deadline = start + self.wait_timeout
        result = None
        while True:
            try:
                result = self._read()
                error = None
            except _Unreachable as exc:
                error = to_native(exc)
            now = self.clock()
            if error is None and self._satisfied(result):
                return self._result(result, now - start)
            if now >= deadline:
                self._timed_out(now - start, result, error)
            self.sleep(min(_POLL_INTERVAL, deadline - now))

    def _wanted(self):
        wanted = []
        if self.wait_for_workers:
            wanted.append('%d ALIVE worker(s)' % self.wait_for_workers)
        if self.wait_for_hosts:
            wanted.append('ALIVE workers on %s' % ', '.join(self.wait_for_hosts))
        return ' and '.join(wanted)

    def _timed_out(self, elapsed, result, error):
        msg = 'timed out after %d seconds waiting for %s at %s: ' % (elapsed, self._wanted(), self.shown_url)
        if result is None:
            self.fail(msg + error, elapsed=int(elapsed))
        if error is not None:
            msg += 'the last request failed (%s); before that, ' % error
        msg += 'the master (status %s) has %d ALIVE worker(s)' % (result['status'], result['alive_workers'])
        missing = self._missing_hosts(result)
        if missing:
            msg += ', none on %s' % ', '.join(missing)
        registered = ['%s (%s)' % (worker['host'], worker['state']) for worker in result['workers']]
        msg += '; registered workers: %s' % (', '.join(registered) if registered else 'none')
        if result['status'] == 'STANDBY':
            msg += '; a standby master lists no workers, ask the master whose status is ALIVE'
        result = self._result(result, elapsed)
        self.fail(msg, missing_hosts=missing, **result)

    @staticmethod
    def _result(result, elapsed):
        return dict(result, changed=False, elapsed=int(round(elapsed)))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type='str', default='http://127.0.0.1:8080'),
            validate_certs=dict(type='bool', default=True),
            ca_path=dict(type='path'),
            timeout=dict(type='int', default=10),
            url_username=dict(type='str'),
            url_password=dict(type='str', no_log=True),
            wait_for_workers=dict(type='int', default=0),
            wait_for_hosts=dict(type='list', elements='str', default=[]),
            wait_timeout=dict(type='int', default=60),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**SparkClusterInfo(module).run())


if __name__ == '__main__':
    main()
