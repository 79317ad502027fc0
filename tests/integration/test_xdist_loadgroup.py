"""make integration runs these tests with pytest-xdist's --dist loadgroup: the tests of one xdist_group (the lab's
Kafka distribution and the server started from it) must share one worker. pytest 9.2 silently stopped that
(pytest-dev/pytest-xdist#1386): both workers then built the distribution into the lab's cache and started a server
each. This runs a pytest with the same options and fails when a group is split again.
"""

from __future__ import annotations

import re
import subprocess
import sys


def test_loadgroup_keeps_a_group_on_one_worker(tmp_path):
    (tmp_path / 'test_grouped.py').write_text(
        "import pytest\n"
        "pytestmark = pytest.mark.xdist_group('one')\n"
        "@pytest.mark.parametrize('n', range(8))\n"
        "def test_grouped(n):\n"
        "    pass\n", encoding='utf-8')
    (tmp_path / 'test_free.py').write_text(
        "import pytest\n"
        "@pytest.mark.parametrize('n', range(8))\n"
        "def test_free(n):\n"
        "    pass\n", encoding='utf-8')
    run = subprocess.run([sys.executable, '-m', 'pytest', '-n', '2', '--dist', 'loadgroup', '-v', '-p',
                          'no:cacheprovider', '-c', '/dev/null', '--rootdir', str(tmp_path), str(tmp_path)],
                         capture_output=True, text=True, check=False, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    workers = set(re.findall(r'\[(gw\d+)\] .*PASSED .*test_grouped', run.stdout))
    assert len(workers) == 1, f'the group ran on {sorted(workers)}:\n{run.stdout}'
