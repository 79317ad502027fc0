# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The digest of why Molecule runs failed, printed at the end of make test."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SPEC = importlib.util.spec_from_file_location(
    'molecule_failures', Path(__file__).resolve().parents[2] / 'molecule_failures.py')
digest = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(digest)

# The shape of a scenario's log: Molecule's box with colours (tests/molecule.sh widens it: no line is wrapped).
LOG = '''\x1b[36mINFO\x1b[0m airflow ➜ converge: Executing
  \x1b[2m│\x1b[0m TASK [mlops.hosts.airflow : Wait for the API server to answer over HTTPS] ***
  \x1b[2m│\x1b[0m fatal: [airflow1]: FAILED! =>
  \x1b[2m│\x1b[0m   attempts: 30
  \x1b[2m│\x1b[0m   msg: Status code was -1 and not [200]
  \x1b[2m│\x1b[0m TASK [mlops.hosts.base : Probe] ***
  \x1b[2m│\x1b[0m fatal: [airflow2]: FAILED! => {"msg": "ignored"}
  \x1b[2m│\x1b[0m ...ignoring
  \x1b[2m│\x1b[0m +++++++++++++++++++++++++++++++++++ Timeout ++++++++++++++++++++++++++++++++++++
  \x1b[2m│\x1b[0m =========================== short test summary info ============================
  \x1b[2m│\x1b[0m FAILED molecule/airflow/tests/test_cluster.py::test_a_dag_runs_with_one_scheduler_stopped[ansible://airflow1] \
- AssertionError: the run did not end
  \x1b[2m│\x1b[0m SKIPPED [3] ../conftest.py:219: stage tags alone
  \x1b[2m│\x1b[0m ============= 1 failed, 37 passed, 3 skipped in 811.20s (0:13:31) =============
'''


def test_names_the_failed_task_the_timeout_and_the_failed_test(tmp_path):
    found = digest.reasons(LOG)
    assert found == [
        'task failed on airflow1: mlops.hosts.airflow : Wait for the API server to answer over HTTPS: '
        'msg: Status code was -1 and not [200]',
        'pytest-timeout stopped a test (its stack is in the log)',
        'FAILED molecule/airflow/tests/test_cluster.py::test_a_dag_runs_with_one_scheduler_stopped[ansible://airflow1]'
        ' - AssertionError: the run did not end',
        '1 failed, 37 passed, 3 skipped in 811.20s (0:13:31)',
    ]


def test_prints_a_block_per_log_and_says_when_a_log_is_missing(tmp_path, capsys):
    log = tmp_path / 'airflow-debian12.log'
    log.write_text(LOG)
    assert digest.main([str(log), str(tmp_path / 'gone.log')]) == 0
    out = capsys.readouterr().out
    assert 'why airflow-debian12.log failed (4 reasons found' in out
    assert 'test_a_dag_runs_with_one_scheduler_stopped' in out
    assert 'gone.log: no log' in out


def test_a_passing_log_has_no_reasons():
    assert digest.reasons('  │ ============= 38 passed in 10.00s =============\n') == []


def test_a_run_stopped_at_the_deadline_says_so():
    log = ('  │ TASK [mlops.hosts.base : Install the base packages] ***\n'
           '=== molecule base on debian12: stopped at the deadline (MOLECULE_DEADLINE_S=45); destroying its containers\n')
    assert digest.reasons(log) == [
        'molecule base on debian12: stopped at the deadline (MOLECULE_DEADLINE_S=45); destroying its containers']
