# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running the tools of a Kafka release against a cluster, for the modules documented with the
mlops.hosts.kafka_admin fragment (kafka_topics, kafka_acls)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.mlops.hosts.plugins.module_utils._commands import environment_problems, tail


def argument_spec(**own):
    """The fragment's options, with the module's own."""
    spec = dict(
        kafka_home=dict(type='path', required=True),
        bootstrap_server=dict(type='str', required=True),
        command_config=dict(type='path'),
        environment=dict(type='dict', default={}),
    )
    spec.update(own)
    return spec


class KafkaTools:
    """The tools of the release in params['kafka_home'], connected as params say."""

    def __init__(self, module):
        self.module = module
        params = module.params
        self.home = params['kafka_home']
        self.connect = ['--bootstrap-server', params['bootstrap_server']]
        if params['command_config']:
            self.connect += ['--command-config', params['command_config']]
        self.environ = {name: str(value) for name, value in params['environment'].items()}

    def problems(self, scripts):
        """What is wrong with the options for running scripts (list of text, empty when nothing)."""
        found = environment_problems(self.environ)
        for script in scripts:
            path = os.path.join(self.home, 'bin', script)
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                found.append('%s is not an executable file: kafka_home %r is not a Kafka release' % (path, self.home))
        return found

    def run(self, script, args):
        """Standard output of bin/script with the connection options and args; fails the module when it fails."""
        argv = [os.path.join(self.home, 'bin', script)] + self.connect + list(args)
        rc, out, err = self.module.run_command(argv, environ_update=self.environ)
        if rc != 0:
            shown = [script] + list(args)
            self.module.fail_json(msg='%s failed (exit %d): %s' % (' '.join(shown), rc, tail((err or out).strip(), 3000)),
                                  rc=rc, cmd=shown)
        return out

    def run_side_by_side(self, calls):
        """run() for each (script, args) of calls at once; their outputs in the same order."""
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            futures = [pool.submit(self.run, script, args) for script, args in calls]
            return [future.result() for future in futures]
