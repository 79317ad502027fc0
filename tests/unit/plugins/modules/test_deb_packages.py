# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the deb_packages module: dpkg-query and apt-get are faked with recorded output."""

from __future__ import annotations

import os

import pytest

from ansible_collections.mlops.hosts.plugins.modules import deb_packages
from ansible_collections.mlops.hosts.plugins.plugin_utils._drift import changes as drift_changes
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import FakeCommands, run_in_mode

DPKG_QUERY = '/usr/bin/dpkg-query'
APT_GET = '/usr/bin/apt-get'
QUERY = [DPKG_QUERY, '-W', r'--showformat=${Package}\t${Architecture}\t${Version}\t${db:Status-Abbrev}\n']
APT_OPTS = ['-o', 'DPkg::Lock::Timeout=120',
            '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold']
INSTALL = [APT_GET, 'install', '-y', '-q', '--no-install-recommends'] + APT_OPTS
REMOVE = [APT_GET, 'remove', '-y', '-q'] + APT_OPTS
UPDATE = [APT_GET, 'update', '-q', '-o', 'DPkg::Lock::Timeout=120']

# What `dpkg-query -W --showformat='${Package}\t${Architecture}\t${Version}\t${db:Status-Abbrev}\n'
# python3 bash nonexistent-pkg` printed on Debian 12 (dpkg 1.21): one line per installed instance,
# sorted by name, not in argument order; db:Status-Abbrev has three characters, the last a space
# when there is no error; unknown names only on stderr, and rc 1.
RECORDED_QUERY = (1, 'bash\tamd64\t5.2.15-2+b8\tii \npython3\tamd64\t3.11.2-1+b1\tii \n',
                  'dpkg-query: no packages found matching nonexistent-pkg\n')

# Lines of the same machine, plus the states a package can also be in (name, arch, version, status).
PACKAGES = [
    ('bash', 'amd64', '5.2.15-2+b8', 'ii '),
    ('curl', 'amd64', '7.88.1-10+deb12u14', 'ii '),
    ('git', 'amd64', '1:2.39.5-0+deb12u3', 'ii '),
    ('jq', 'amd64', '1.6-2.1+deb12u1', 'ii '),
    ('libc6', 'amd64', '2.36-9+deb12u14', 'ii '),
    ('python3', 'amd64', '3.11.2-1+b1', 'ii '),
    ('python3-venv', 'amd64', '3.11.2-1+b1', 'ii '),
    ('tzdata', 'all', '2025b-0+deb12u2', 'ii '),
]

# What `apt-get install -y -q ...` and friends print with apt 2.6 on Debian 12.
INSTALL_OUT = """Reading package lists...
Building dependency tree...
Reading state information...
The following NEW packages will be installed:
  %(names)s
0 upgraded, %(count)d newly installed, 0 to remove and 0 not upgraded.
Need to get 204 kB of archives.
After this operation, 612 kB of additional disk space will be used.
%(gets)sFetched 204 kB in 0s (2,517 kB/s)
%(unpack)s%(setup)sProcessing triggers for man-db (2.11.2-2) ...
"""
REMOVE_OUT = """Reading package lists...
Building dependency tree...
Reading state information...
The following packages will be REMOVED:
  %(names)s
0 upgraded, 0 newly installed, %(count)d to remove and 0 not upgraded.
After this operation, 116 kB disk space will be freed.
(Reading database ... 31485 files and directories currently installed.)
%(removing)sProcessing triggers for man-db (2.11.2-2) ...
"""
UPDATE_OUT = """Hit:1 http://deb.debian.org/debian bookworm InRelease
Get:2 http://deb.debian.org/debian bookworm-updates InRelease [55.4 kB]
Get:3 http://deb.debian.org/debian-security bookworm-security InRelease [48.0 kB]
Get:4 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages [283 kB]
Fetched 387 kB in 1s (530 kB/s)
Reading package lists...
"""
RESOLVING = 'Reading package lists...\nBuilding dependency tree...\nReading state information...\n'
UNKNOWN_ERR = 'E: Unable to locate package nvtop\n'
NO_VERSION_ERR = "E: Version '1.7.1-1' for 'jq' was not found\n"
LISTS_LOCK_ERR = ('E: Could not get lock /var/lib/apt/lists/lock. It is held by process 2417 (apt-get)\n'
                  'E: Unable to lock directory /var/lib/apt/lists/\n')
FRONTEND_LOCK_ERR = ('E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 2417 (unattended-upgr)\n'
                     'E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), '
                     'is another process using it?\n')
# A virtual package with a single provider: apt picks it, and has nothing to do once it is installed.
VIRTUAL_OUT = RESOLVING + ("Note, selecting 'mawk' instead of 'awk'\n"
                           'mawk is already the newest version (1.3.4.20200120-3.1).\n'
                           '0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n')
DPKG_FAILED_OUT = RESOLVING + """The following NEW packages will be installed:
  nvidia-driver
0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.
Unpacking nvidia-driver (535.247.01-1~deb12u1) ...
Setting up nvidia-driver (535.247.01-1~deb12u1) ...
"""
DPKG_FAILED_ERR = ('dpkg: error processing package nvidia-driver (--configure):\n'
                   ' installed nvidia-driver package post-installation script subprocess returned error exit status 1\n'
                   'E: Sub-process /usr/bin/dpkg returned an error code (1)\n')


class FakeDebian(FakeCommands):
    """The dpkg database as instances, the versions apt would install, and a recorder for run_command."""

    def __init__(self):
        super().__init__()
        self.db = {}  # name -> list of [arch, version, status]
        self.candidates = {'htop': '3.2.2-2', 'tree': '2.1.0-1', 'jq': '1.6-2.1+deb12u3',
                           'nvtop': '3.0.1-1', 'libc6': '2.36-9+deb12u14'}
        self.results = {}  # program or apt-get verb -> list of (rc, stdout, stderr), used in turn
        for name, arch, version, status in PACKAGES:
            self.add(name, version, status, arch)

    def add(self, name, version, status='ii ', arch='amd64'):
        self.db.setdefault(name, []).append([arch, version, status])

    def set(self, name, version, status='ii ', arch='amd64'):
        self.db[name] = [[arch, version, status]]

    def query(self, names):
        lines = []
        for name in sorted(set(names)):
            for arch, version, status in sorted(self.db.get(name, [])):
                lines.append('%s\t%s\t%s\t%s\n' % (name, arch, version, status))
        unknown = [n for n in names if n not in self.db]
        err = ''.join('dpkg-query: no packages found matching %s\n' % n for n in unknown)
        return (1 if unknown else 0), ''.join(lines), err

    @staticmethod
    def _packages(args):
        """The package arguments of an apt-get command line."""
        packages = []
        skip = False
        for arg in args[2:]:
            if skip:
                skip = False
            elif arg == '-o':
                skip = True
            elif not arg.startswith('-'):
                packages.append(arg)
        return packages

    def apt_install(self, args):
        installed = []
        for spec in self._packages(args):
            name, _sep, version = spec.partition('=')
            name, _sep, arch = name.partition(':')
            version = version or self.candidates[name]
            instances = [i for i in self.db.get(name, []) if i[0] != (arch or 'amd64')]
            self.db[name] = instances + [[arch or 'amd64', version, 'ii ']]
            installed.append((name, version))
        return 0, INSTALL_OUT % dict(
            names=' '.join(n for n, v in installed),
            count=len(installed),
            gets=''.join('Get:%d http://deb.debian.org/debian bookworm/main amd64 %s amd64 %s [47.3 kB]\n'
                         % (i + 1, n, v) for i, (n, v) in enumerate(installed)),
            unpack=''.join('Selecting previously unselected package %s.\nUnpacking %s (%s) ...\n' % (n, n, v)
                           for n, v in installed),
            setup=''.join('Setting up %s (%s) ...\n' % (n, v) for n, v in installed),
        ), ''

    def apt_remove(self, args):
        removed = []
        for spec in self._packages(args):
            name, _sep, arch = spec.partition(':')
            for instance in self.db[name]:
                if not arch or instance[0] in (arch, 'all'):
                    instance[2] = 'rc '
                    removed.append((name, instance[1]))
        return 0, REMOVE_OUT % dict(
            names=' '.join(n for n, v in removed), count=len(removed),
            removing=''.join('Removing %s (%s) ...\n' % (n, v) for n, v in removed)), ''

    def get_bin_path(self, module, arg, required=False, opt_dirs=None):
        return '/usr/bin/%s' % arg

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        self.record(module, args, environ_update, kwargs)
        program = args[0].rsplit('/', 1)[-1]
        key = args[1] if program == 'apt-get' else program
        if self.results.get(key):
            return self.results[key].pop(0)
        if program == 'dpkg-query':
            return self.query(args[3:])
        if key == 'install':
            return self.apt_install(args)
        if key == 'remove':
            return self.apt_remove(args)
        return 0, UPDATE_OUT, ''


class FakeClock:
    """Stands in for the time module of deb_packages: sleep() only moves the clock on."""

    def __init__(self):
        self.now = 1800000000.0
        self.sleeps = []

    def time(self):
        return self.now

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(deb_packages, 'time', fake)
    return fake


@pytest.fixture
def lists(monkeypatch, tmp_path, clock):
    """The update stamp and lists directory below tmp_path, the lists updated 10 minutes ago."""
    stamp = tmp_path / 'periodic' / 'update-success-stamp'
    lists_dir = tmp_path / 'lists'
    lists_dir.mkdir()
    monkeypatch.setattr(deb_packages, '_UPDATE_STAMPS', (str(stamp), str(lists_dir)))

    def age(path, seconds):
        os.utime(str(path), (clock.now - seconds, clock.now - seconds))

    age(lists_dir, 600)
    return dict(stamp=stamp, lists=lists_dir, age=age)


@pytest.fixture
def debian(monkeypatch, lists):
    return FakeDebian().install(monkeypatch)


def run(args, check_mode=False, diff=False):
    return run_in_mode(deb_packages, args, check_mode, diff)


def run_fail(args, check_mode=False):
    return run_in_mode(deb_packages, args, check_mode, fails=True)


def test_recorded_query_output_is_parsed():
    assert deb_packages._parse_query(RECORDED_QUERY[1]) == {
        'bash': [{'arch': 'amd64', 'version': '5.2.15-2+b8', 'status': 'ii'}],
        'python3': [{'arch': 'amd64', 'version': '3.11.2-1+b1', 'status': 'ii'}],
    }


def test_recorded_query_with_unknown_package_is_read_despite_rc_1(debian):
    debian.results['dpkg-query'] = [RECORDED_QUERY]

    result = run({'name': ['python3', 'bash', 'nonexistent-pkg'], 'update_cache': 'never'}, check_mode=True)

    assert debian.commands == [QUERY + ['python3', 'bash', 'nonexistent-pkg']]
    assert result['installed'] == ['nonexistent-pkg']
    assert result['packages'] == {'python3': '3.11.2-1+b1', 'bash': '5.2.15-2+b8', 'nonexistent-pkg': None}


def test_all_installed_runs_one_dpkg_query_only(debian):
    result = run({'name': ['python3-venv', 'git', 'jq', 'curl']}, diff=True)

    assert debian.commands == [QUERY + ['python3-venv', 'git', 'jq', 'curl']]
    assert debian.environ[0]['LC_ALL'] == 'C'
    assert result == {
        'changed': False,
        'installed': [],
        'removed': [],
        'packages': {'python3-venv': '3.11.2-1+b1', 'git': '1:2.39.5-0+deb12u3',
                     'jq': '1.6-2.1+deb12u1', 'curl': '7.88.1-10+deb12u14'},
        'cache_updated': False,
        'diff': [],
        'changed_resources': [],
    }


def test_one_missing_runs_one_apt_get_install(debian):
    result = run({'name': ['git', 'htop', 'jq']}, diff=True)

    assert debian.commands == [
        QUERY + ['git', 'htop', 'jq'],
        INSTALL + ['htop'],
        QUERY + ['git', 'htop', 'jq'],
    ]
    env = debian.environ[1]
    assert env['DEBIAN_FRONTEND'] == 'noninteractive'
    assert env['APT_LISTCHANGES_FRONTEND'] == 'none'
    assert env['LC_ALL'] == 'C' and env['LANG'] == 'C'
    assert result['changed'] is True
    assert result['installed'] == ['htop']
    assert result['removed'] == []
    assert result['cache_updated'] is False
    assert result['packages'] == {'git': '1:2.39.5-0+deb12u3', 'htop': '3.2.2-2', 'jq': '1.6-2.1+deb12u1'}
    assert result['diff'] == [{
        'before_header': 'packages', 'after_header': 'packages',
        'before': 'htop (absent)\n', 'after': 'htop 3.2.2-2\n',
    }]
    assert result['changed_resources'] == [{'kind': 'package', 'name': 'htop', 'summary': 'installed'}]


def test_missing_packages_are_installed_in_one_call_in_the_order_given(debian):
    result = run({'name': ['tree', 'git', 'htop']})

    assert debian.commands[1] == INSTALL + ['tree', 'htop']
    assert [c[1] for c in debian.commands].count('install') == 1
    assert result['installed'] == ['tree', 'htop']


def test_version_pin_mismatch_installs_name_equals_version(debian):
    result = run({'name': ['jq=1.6-2.1+deb12u3', 'git=1:2.39.5-0+deb12u3']}, diff=True)

    assert debian.commands == [
        QUERY + ['jq', 'git'],
        INSTALL + ['jq=1.6-2.1+deb12u3'],
        QUERY + ['jq', 'git'],
    ]
    assert result['installed'] == ['jq']
    assert result['packages'] == {'jq': '1.6-2.1+deb12u3', 'git': '1:2.39.5-0+deb12u3'}
    assert result['diff'][0]['before'] == 'jq 1.6-2.1+deb12u1\n'
    assert result['diff'][0]['after'] == 'jq 1.6-2.1+deb12u3\n'


def test_version_pin_that_matches_changes_nothing(debian):
    result = run({'name': ['jq=1.6-2.1+deb12u1', 'git=1:2.39.5-0+deb12u3']})

    assert debian.commands == [QUERY + ['jq', 'git']]
    assert result['changed'] is False


@pytest.mark.parametrize('status', ['rc ', 'un ', 'iU ', 'iF ', 'iHR', 'ri '])
def test_package_not_fully_installed_counts_as_missing(debian, status):
    debian.set('tree', '2.1.0-1', status)

    result = run({'name': ['tree']}, check_mode=True, diff=True)

    assert result['changed'] is True
    assert result['installed'] == ['tree']
    assert result['packages'] == {'tree': None}
    expected = 'tree (absent)\n' if status[1] in 'nc' else 'tree 2.1.0-1 (dpkg status %s)\n' % status[:2]
    assert result['diff'][0]['before'] == expected


def test_rc_package_is_installed_again(debian):
    debian.set('tree', '2.1.0-1', 'rc ')

    result = run({'name': ['tree']})

    assert debian.commands[1] == INSTALL + ['tree']
    assert result['packages'] == {'tree': '2.1.0-1'}


def test_held_package_counts_as_installed(debian):
    debian.set('nvtop', '3.0.1-1', 'hi ')

    result = run({'name': ['nvtop']})

    assert debian.commands == [QUERY + ['nvtop']]
    assert result['changed'] is False
    assert result['packages'] == {'nvtop': '3.0.1-1'}


def test_check_mode_runs_only_dpkg_query(debian, lists):
    lists['age'](lists['lists'], 86400)

    result = run({'name': ['htop', 'jq=1.6-2.1+deb12u3', 'git'], 'update_cache': 'always'},
                 check_mode=True, diff=True)

    assert debian.commands == [QUERY + ['htop', 'jq', 'git']]
    assert result['changed'] is True
    assert result['installed'] == ['htop', 'jq']
    assert result['cache_updated'] is False
    assert result['packages'] == {'htop': None, 'jq': '1.6-2.1+deb12u1', 'git': '1:2.39.5-0+deb12u3'}
    assert result['diff'] == [{
        'before_header': 'packages', 'after_header': 'packages',
        'before': 'htop (absent)\njq 1.6-2.1+deb12u1\n',
        'after': 'htop\njq 1.6-2.1+deb12u3\n',
    }]


def test_absent_removes_only_installed_packages(debian):
    debian.set('tree', '2.1.0-1', 'rc ')
    debian.set('htop', '3.2.2-2', 'ii ')

    result = run({'name': ['tree', 'htop', 'nvtop', 'jq'], 'state': 'absent'}, diff=True)

    assert debian.commands == [
        QUERY + ['tree', 'htop', 'nvtop', 'jq'],
        REMOVE + ['htop', 'jq'],
        QUERY + ['tree', 'htop', 'nvtop', 'jq'],
    ]
    assert debian.environ[1]['DEBIAN_FRONTEND'] == 'noninteractive'
    assert result['changed'] is True
    assert result['removed'] == ['htop', 'jq']
    assert result['installed'] == []
    assert result['packages'] == {'tree': None, 'htop': None, 'nvtop': None, 'jq': None}
    assert result['diff'] == [{
        'before_header': 'packages', 'after_header': 'packages',
        'before': 'htop 3.2.2-2\njq 1.6-2.1+deb12u1\n',
        'after': 'htop (absent)\njq (absent)\n',
    }]
    assert drift_changes('mlops.hosts.deb_packages', {}, result, 't') == [
        {'kind': 'package', 'name': 'htop', 'summary': 'removed'}, {'kind': 'package', 'name': 'jq', 'summary': 'removed'}]


def test_absent_removes_half_installed_package(debian):
    debian.set('tree', '2.1.0-1', 'iU ')

    result = run({'name': ['tree'], 'state': 'absent'})

    assert debian.commands[1] == REMOVE + ['tree']
    assert result['removed'] == ['tree']


def test_absent_with_nothing_installed_runs_one_dpkg_query_only(debian, lists):
    lists['age'](lists['lists'], 86400)

    result = run({'name': ['tree', 'htop'], 'state': 'absent', 'update_cache': 'always'})

    assert debian.commands == [QUERY + ['tree', 'htop']]
    assert result['changed'] is False
    assert result['removed'] == []


def test_absent_check_mode_runs_only_dpkg_query(debian):
    result = run({'name': ['jq', 'htop'], 'state': 'absent'}, check_mode=True)

    assert debian.commands == [QUERY + ['jq', 'htop']]
    assert result['removed'] == ['jq']
    assert result['packages'] == {'jq': '1.6-2.1+deb12u1', 'htop': None}


def test_absent_with_version_pin_removes_only_that_version(debian):
    result = run({'name': ['jq=1.6-2.1+deb12u3', 'git=1:2.39.5-0+deb12u3'], 'state': 'absent'})

    assert debian.commands[1] == REMOVE + ['git']
    assert result['removed'] == ['git']


def test_unknown_package_runs_one_update_then_retries(debian):
    debian.results['install'] = [(100, RESOLVING, UNKNOWN_ERR)]

    result = run({'name': ['nvtop']})

    assert debian.commands == [
        QUERY + ['nvtop'],
        INSTALL + ['nvtop'],
        UPDATE,
        INSTALL + ['nvtop'],
        QUERY + ['nvtop'],
    ]
    assert debian.environ[2]['DEBIAN_FRONTEND'] == 'noninteractive'
    assert result['cache_updated'] is True
    assert result['installed'] == ['nvtop']


def test_unknown_pinned_version_runs_one_update_then_retries(debian):
    debian.results['install'] = [(100, RESOLVING, NO_VERSION_ERR)]

    result = run({'name': ['jq=1.7.1-1']})

    assert [c[1] for c in debian.commands[1:4]] == ['install', 'update', 'install']
    assert result['packages'] == {'jq': '1.7.1-1'}


def test_package_still_unknown_after_update_fails(debian):
    debian.results['install'] = [(100, RESOLVING, UNKNOWN_ERR), (100, RESOLVING, UNKNOWN_ERR)]

    result = run_fail({'name': ['nvtop', 'htop']})

    assert [c[1] for c in debian.commands[1:]] == ['install', 'update', 'install']
    assert result['msg'] == ('apt-get install failed with rc 100 for nvtop, htop: E: Unable to locate package nvtop; '
                             'apt-get update ran before this attempt')
    assert result['cache_updated'] is True
    assert result['changed'] is False


def test_unknown_package_with_update_cache_never_fails_without_update(debian):
    debian.results['install'] = [(100, RESOLVING, UNKNOWN_ERR)]

    result = run_fail({'name': ['nvtop'], 'update_cache': 'never'})

    assert debian.commands == [QUERY + ['nvtop'], INSTALL + ['nvtop']]
    assert 'Unable to locate package nvtop' in result['msg']
    assert result['cache_updated'] is False


def test_update_cache_always_runs_update_before_install(debian):
    result = run({'name': ['htop'], 'update_cache': 'always'})

    assert debian.commands == [QUERY + ['htop'], UPDATE, INSTALL + ['htop'], QUERY + ['htop']]
    assert result['cache_updated'] is True
    assert result['changed'] is True


def test_update_cache_always_does_not_update_twice_for_unknown_package(debian):
    debian.results['install'] = [(100, RESOLVING, UNKNOWN_ERR)]

    result = run_fail({'name': ['nvtop'], 'update_cache': 'always'})

    assert debian.commands == [QUERY + ['nvtop'], UPDATE, INSTALL + ['nvtop']]
    assert result['msg'].endswith('apt-get update ran before this attempt')


def test_update_cache_always_with_nothing_missing_runs_nothing(debian):
    result = run({'name': ['git'], 'update_cache': 'always'})

    assert debian.commands == [QUERY + ['git']]
    assert result['cache_updated'] is False


def test_update_cache_auto_updates_lists_older_than_cache_valid_time(debian, lists):
    lists['age'](lists['lists'], 3700)

    result = run({'name': ['htop']})

    assert debian.commands[1:3] == [UPDATE, INSTALL + ['htop']]
    assert result['cache_updated'] is True


def test_update_cache_auto_prefers_the_update_success_stamp(debian, lists):
    lists['age'](lists['lists'], 86400)
    lists['stamp'].parent.mkdir()
    lists['stamp'].write_text('')
    lists['age'](lists['stamp'], 60)

    result = run({'name': ['htop'], 'cache_valid_time': 120})

    assert debian.commands[1] == INSTALL + ['htop']
    assert result['cache_updated'] is False


def test_update_cache_auto_updates_when_no_stamp_exists(debian, monkeypatch, tmp_path):
    monkeypatch.setattr(deb_packages, '_UPDATE_STAMPS', (str(tmp_path / 'none'), str(tmp_path / 'nolists')))

    run({'name': ['htop']})

    assert debian.commands[1] == UPDATE


def test_update_cache_never_does_not_update_stale_lists(debian, lists):
    lists['age'](lists['lists'], 86400)

    result = run({'name': ['htop'], 'update_cache': 'never'})

    assert debian.commands[1:] == [INSTALL + ['htop'], QUERY + ['htop']]
    assert result['cache_updated'] is False


def test_update_waits_while_the_lists_lock_is_held(debian, clock):
    debian.results['update'] = [(100, '', LISTS_LOCK_ERR), (100, '', LISTS_LOCK_ERR)]

    result = run({'name': ['htop'], 'update_cache': 'always'})

    assert debian.commands[1:] == [UPDATE, UPDATE, UPDATE, INSTALL + ['htop'], QUERY + ['htop']]
    assert clock.sleeps == [2, 2]
    assert result['cache_updated'] is True


def test_update_gives_up_after_lock_timeout(debian, clock):
    debian.results['update'] = [(100, '', LISTS_LOCK_ERR)] * 10

    result = run_fail({'name': ['htop'], 'update_cache': 'always', 'lock_timeout': 5})

    assert clock.sleeps == [2, 2, 2]
    assert [c[1] for c in debian.commands[1:]] == ['update'] * 4
    assert debian.commands[1] == [APT_GET, 'update', '-q', '-o', 'DPkg::Lock::Timeout=5']
    assert result['msg'] == (
        'apt-get update failed with rc 100: E: Could not get lock /var/lib/apt/lists/lock. It is held by process '
        '2417 (apt-get); E: Unable to lock directory /var/lib/apt/lists/; another process held the apt or dpkg lock '
        'for more than lock_timeout=5 seconds')


def test_update_failure_fails_before_install(debian):
    err = ('W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  '
           'Temporary failure resolving \'deb.debian.org\'\n'
           'E: Some index files failed to download. They have been ignored, or old ones used instead.\n')
    debian.results['update'] = [(100, '', err)]

    result = run_fail({'name': ['htop'], 'update_cache': 'always'})

    assert [c[1] for c in debian.commands[1:]] == ['update']
    assert result['msg'] == ('apt-get update failed with rc 100: E: Some index files failed to download. '
                             'They have been ignored, or old ones used instead.')


def test_lock_timeout_is_passed_to_apt_get_and_named_on_failure(debian, clock):
    debian.results['install'] = [(100, '', FRONTEND_LOCK_ERR)]

    result = run_fail({'name': ['htop', 'tree'], 'lock_timeout': 300})

    assert debian.commands[1][:9] == [APT_GET, 'install', '-y', '-q', '--no-install-recommends',
                                      '-o', 'DPkg::Lock::Timeout=300', '-o', 'Dpkg::Options::=--force-confdef']
    # apt-get waited itself; no retry loop around install.
    assert len(debian.commands) == 2
    assert clock.sleeps == []
    assert result['msg'].startswith('apt-get install failed with rc 100 for htop, tree: E: Could not get lock')
    assert result['msg'].endswith('another process held the apt or dpkg lock for more than lock_timeout=300 seconds')


def test_apt_failure_reports_rc_output_and_packages(debian):
    debian.results['install'] = [(100, DPKG_FAILED_OUT, DPKG_FAILED_ERR)]
    debian.candidates['nvidia-driver'] = '535.247.01-1~deb12u1'

    result = run_fail({'name': ['nvidia-driver', 'git']})

    assert result['msg'] == ('apt-get install failed with rc 100 for nvidia-driver: '
                             'E: Sub-process /usr/bin/dpkg returned an error code (1)')
    assert result['rc'] == 100
    assert result['stdout'] == DPKG_FAILED_OUT
    assert result['stderr'] == DPKG_FAILED_ERR
    assert result['cmd'] == INSTALL + ['nvidia-driver']
    # dpkg had started: the host changed.
    assert result['changed'] is True
    # No update and retry for an error that is not an unknown package.
    assert len(debian.commands) == 2


def test_remove_failure_names_the_packages(debian):
    err = ('E: Held packages were changed and -y was used without --allow-change-held-packages.\n')
    debian.results['remove'] = [(100, RESOLVING, err)]

    result = run_fail({'name': ['jq', 'curl'], 'state': 'absent'})

    assert result['msg'] == ('apt-get remove failed with rc 100 for jq, curl: E: Held packages were changed and -y '
                             'was used without --allow-change-held-packages.')
    assert result['changed'] is False


def test_dpkg_query_fatal_error_fails(debian):
    debian.results['dpkg-query'] = [(2, '', 'dpkg-query: error: parsing file \'/var/lib/dpkg/status\' near line 5\n')]

    result = run_fail({'name': ['git']})

    assert result['msg'].startswith('dpkg-query failed with rc 2: dpkg-query: error: parsing file')
    assert len(debian.commands) == 1


@pytest.mark.parametrize('name', [
    'Bash', 'a', '-y', '--reinstall', 'foo bar', 'jq=1.*', 'jq/bookworm', 'jq;rm', '', 'jq=', ':amd64',
    'libc6:', 'libc6:I386', 'jq=1.6 2', '.hidden', 'jq==1',
])
def test_invalid_names_are_refused_before_any_command(debian, name):
    result = run_fail({'name': ['git', name]})

    assert 'invalid package' in result['msg']
    assert debian.commands == []


@pytest.mark.parametrize('name', ['g++', 'libstdc++6', 'python3.11-venv', 'r-base-core', 'libc6:i386',
                                  'jq:amd64=1.6-2.1+deb12u1', 'git=1:2.39.5-0+deb12u3', 'cuda-12-4=12.4.1~rc1-1'])
def test_valid_names_are_accepted(debian, name):
    run({'name': [name]}, check_mode=True)

    assert len(debian.commands) == 1


def test_duplicate_package_is_refused(debian):
    result = run_fail({'name': ['jq', 'git', 'jq=1.6-2.1+deb12u3']})

    assert result['msg'] == "package 'jq' is listed more than once"
    assert debian.commands == []


def test_negative_timeouts_are_refused(debian):
    result = run_fail({'name': ['jq'], 'lock_timeout': -1, 'cache_valid_time': -5})

    assert 'lock_timeout must be 0 or more' in result['msg']
    assert 'cache_valid_time must be 0 or more' in result['msg']
    assert debian.commands == []


@pytest.mark.parametrize('flag, expected', [(False, '--no-install-recommends'), (True, '--install-recommends')])
def test_install_recommends_toggles_the_flag(debian, flag, expected):
    run({'name': ['htop'], 'install_recommends': flag})

    install = debian.commands[1]
    assert install[4] == expected
    assert ('--no-install-recommends' in install) is not flag
    assert ('--install-recommends' in install) is flag


def test_dpkg_options_are_passed_each_with_o(debian):
    run({'name': ['htop'], 'dpkg_options': 'force-confnew, --force-overwrite'})

    assert debian.commands[1] == [APT_GET, 'install', '-y', '-q', '--no-install-recommends',
                                  '-o', 'DPkg::Lock::Timeout=120',
                                  '-o', 'Dpkg::Options::=--force-confnew', '-o', 'Dpkg::Options::=--force-overwrite',
                                  'htop']


def test_empty_dpkg_options_pass_none(debian):
    run({'name': ['htop'], 'dpkg_options': ''})

    assert debian.commands[1] == [APT_GET, 'install', '-y', '-q', '--no-install-recommends',
                                  '-o', 'DPkg::Lock::Timeout=120', 'htop']


def test_invalid_dpkg_option_is_refused(debian):
    result = run_fail({'name': ['htop'], 'dpkg_options': 'force-confold,force confnew'})

    assert result['msg'] == "invalid dpkg option 'force confnew' in dpkg_options"
    assert debian.commands == []


def test_architecture_suffix_matches_that_architecture(debian):
    result = run({'name': ['libc6:i386', 'libc6', 'tzdata:amd64', 'jq:amd64']})

    # dpkg-query gets plain names, so that Architecture: all packages are found for any suffix.
    assert debian.commands[0] == QUERY + ['libc6', 'tzdata', 'jq']
    assert debian.commands[1] == INSTALL + ['libc6:i386']
    assert result['installed'] == ['libc6:i386']
    assert result['packages'] == {'libc6:i386': '2.36-9+deb12u14', 'libc6': '2.36-9+deb12u14',
                                  'tzdata:amd64': '2025b-0+deb12u2', 'jq:amd64': '1.6-2.1+deb12u1'}


def test_name_without_architecture_is_installed_in_any_architecture(debian):
    debian.set('libcudart12', '12.0.146~12.0.1-4', 'ii ', arch='i386')

    result = run({'name': ['libcudart12']})

    assert debian.commands == [QUERY + ['libcudart12']]
    assert result['changed'] is False


def test_apt_with_nothing_to_do_is_no_change_and_warns(debian, warnings):
    debian.results['install'] = [(0, VIRTUAL_OUT, '')]

    result = run({'name': ['awk']})

    assert debian.commands == [QUERY + ['awk'], INSTALL + ['awk'], QUERY + ['awk']]
    assert result['changed'] is False
    assert result['installed'] == []
    assert warnings == ["apt-get install succeeded but package 'awk' is still not installed; if it is a virtual "
                        "package, name the package that provides it instead"]


def test_empty_name_list_runs_nothing(debian):
    result = run({'name': []}, diff=True)

    assert debian.commands == []
    assert result == {'changed': False, 'installed': [], 'removed': [], 'packages': {}, 'cache_updated': False,
                      'diff': [], 'changed_resources': []}
