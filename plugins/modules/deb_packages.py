#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: deb_packages
short_description: Install or remove Debian packages, cheaply when nothing has to change
version_added: 0.8.0
author: mlops.hosts maintainers (@mlops-hosts)
description:
  - Makes sure a list of Debian packages is installed, optionally at an exact version, or is not
    installed.
  - A light replacement for M(ansible.builtin.apt) for the common case where everything is already in
    place. The state of all packages is read with a single C(dpkg-query) call; python-apt is not used,
    and C(apt-get) runs only when a package has to be installed or removed.
  - Missing packages are installed with one C(apt-get install) call, and installed packages are removed
    with one C(apt-get remove) call, for all of them at once.
  - Commands run without a shell and with C(LC_ALL=C); C(apt-get) runs with
    C(DEBIAN_FRONTEND=noninteractive) and C(APT_LISTCHANGES_FRONTEND=none).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode only C(dpkg-query) runs. A package that is missing is reported as to be installed
        even when no repository has it, since only C(apt-get) could tell.
  diff_mode:
    support: full
    details:
      - One diff entry listing the packages that are (or would be) installed or removed, one line each.
        A line holds the name of the package followed by its version when it is installed, by the word
        C(absent) in brackets when it is not installed or only its configuration files are left, and by
        its version and its dpkg status in brackets (such as C(dpkg status iU)) when it is in another
        state, for example half-installed.
      - After an installation the new version is shown when it is known - always with a version pin,
        and outside check mode, where it is read back with C(dpkg-query).
  platform:
    platforms: debian
options:
  name:
    description:
      - The packages, as Debian package names such as V(python3-venv).
      - Debian package names are at least two characters long and consist of lower case letters,
        digits and C(+), C(-) and C(.); they start with a letter or a digit.
      - An architecture may follow after a colon, as in V(libc6:i386). Without one, a package counts
        as installed when it is installed for any architecture. With one, it counts as installed
        when it is installed for that architecture or is an architecture-independent (C(all)) package.
      - An exact version may follow after C(=), as in V(jq=1.6-2.1+deb12u3) or
        V(git=1:2.39.5-0+deb12u3). It must be written as C(dpkg-query -W) prints it, epoch included;
        the package counts as installed only at that version and is installed as C(NAME=VERSION)
        otherwise. Wildcards, version ranges and target releases (C(NAME/RELEASE)) are not accepted.
      - A package may be listed only once.
      - Names are checked before any command runs; one invalid name fails the module.
      - Give real package names, not virtual packages such as V(awk) or V(mail-transport-agent).
        C(dpkg-query) does not know virtual packages, so they never count as installed.
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) installs the packages that are not installed, or are installed at another version
        than the one pinned. A package counts as installed only when C(dpkg-query) shows it with the
        status C(ii) (or C(hi), installed and on hold). Packages of which only the configuration files are
        left (C(rc)), and packages that are unpacked, half-installed or half-configured are installed
        again.
      - V(absent) removes, with C(apt-get remove), the packages that are present in any state other
        than not installed or configuration files only. Their configuration files are kept (no purge).
        With a version pin, a package is removed only when it is installed at that version.
      - Packages that depend on a removed package are removed with it, as C(apt-get remove) does.
    type: str
    choices: [present, absent]
    default: present
  install_recommends:
    description:
      - Whether C(apt-get install) also installs the recommended packages of the packages it installs.
      - V(false) passes C(--no-install-recommends), V(true) passes C(--install-recommends), so that
        the result does not depend on the C(APT::Install-Recommends) setting of the host.
    type: bool
    default: false
  update_cache:
    description:
      - When C(apt-get update) runs. It never runs when nothing has to be installed, nor with
        O(state=absent), nor in check mode. Running it does not by itself count as a change.
      - V(auto) runs it before the installation when the package lists are older than
        O(cache_valid_time) seconds. Their age is that of the file
        C(/var/lib/apt/periodic/update-success-stamp) or, when it does not exist, of the directory
        C(/var/lib/apt/lists) (as M(ansible.builtin.apt) measures it). Also, when C(apt-get install)
        fails because a package or the pinned version is unknown (C(Unable to locate package),
        C(has no installation candidate), C(Version ... was not found)) and C(apt-get update) did not
        run yet, it runs once and the installation is tried again. This covers a repository that an
        earlier task has just added.
      - V(always) runs it before every installation, whatever the age of the lists.
      - V(never) never runs it, not even after an unknown package.
    type: str
    choices: [auto, always, never]
    default: auto
  cache_valid_time:
    description:
      - With O(update_cache=auto), the age in seconds up to which the package lists are used without
        C(apt-get update). V(0) updates them before every installation.
    type: int
    default: 3600
  dpkg_options:
    description:
      - Comma-separated options for C(dpkg), each passed to C(apt-get) as the apt option
        C(Dpkg::Options::=--OPTION) with C(-o). A leading C(--) may be given or left out.
      - The default never asks about a configuration file that was changed on the host and in the
        package - dpkg takes its default action where it has one and keeps the file of the host
        otherwise.
      - An empty string passes none.
    type: str
    default: force-confdef,force-confold
  lock_timeout:
    description:
      - How many seconds C(apt-get) waits for the dpkg lock when another process holds it, for example
        C(unattended-upgrades) or the daily C(apt) job. Passed to C(apt-get) as the apt option
        C(DPkg::Lock::Timeout=SECONDS) with C(-o) (apt 1.9.11 or later, Debian 11 and later).
      - C(apt-get update) does not honour that option for the lock of C(/var/lib/apt/lists), so
        when it fails with C(Could not get lock), it is run again every 2 seconds until this time has
        passed.
    type: int
    default: 120
notes:
  - The no-change path runs a single C(dpkg-query -W) for all the packages. C(apt-get install) is given
    only the packages that are missing, so packages already installed are never upgraded by this module.
  - C(apt-get install) may still upgrade dependencies of the packages it installs when they require it.
  - A pin to an older version than the installed one fails, because C(apt-get) refuses downgrades without
    C(--allow-downgrades), which this module never passes. Packages on hold are not changed either; apt
    fails when one of them would have to be.
  - When C(apt-get) reports that it had nothing to do (C(0 upgraded, 0 newly installed, 0 to remove)),
    the task is not reported as changed. A package that is still not installed after a successful
    C(apt-get install), such as a virtual package for which apt chose a provider, gets a warning.
  - When C(apt-get) fails, the message names the packages of the failed command and apt's errors, and
    the task reports a change only when dpkg had started to unpack, set up or remove packages.
requirements:
  - C(dpkg-query) and C(apt-get) on the target, apt 1.9.11 or later for O(lock_timeout).
seealso:
  - module: ansible.builtin.apt
  - module: ansible.builtin.package_facts
"""

EXAMPLES = r"""
- name: Tools of a data-science workstation are installed
  mlops.hosts.deb_packages:
    name:
      - git
      - htop
      - jq
      - python3-venv

- name: An exact version of jq, with its recommended packages
  mlops.hosts.deb_packages:
    name:
      - jq=1.6-2.1+deb12u3
    install_recommends: true

- name: Package lists are refreshed before installing, from a repository added just before
  mlops.hosts.deb_packages:
    name: [nvtop]
    update_cache: always

- name: Old tools are removed, their configuration files kept
  mlops.hosts.deb_packages:
    name: [tree, htop]
    state: absent

- name: The package was installed offline; never contact the repositories
  mlops.hosts.deb_packages:
    name: [libnccl2]
    update_cache: never
    lock_timeout: 600
"""

RETURN = r"""
installed:
  description:
    - The requested packages that were installed, or in check mode would be, in the order given.
    - Names as given in O(name), with the architecture when one was given, without the version.
  returned: always
  type: list
  elements: str
  sample: [htop, jq]
removed:
  description:
    - The requested packages that were removed, or in check mode would be, in the order given.
    - Names as given in O(name), with the architecture when one was given, without the version.
  returned: always
  type: list
  elements: str
  sample: [tree]
packages:
  description:
    - For each requested package (the name as given, with the architecture when one was given, without
      the version), the version installed after the run, or V(null) when it is not installed.
    - In check mode, the version installed now.
  returned: always
  type: dict
  sample:
    git: 1:2.39.5-0+deb12u3
    jq: 1.6-2.1+deb12u3
    tree: null
cache_updated:
  description: Whether C(apt-get update) ran.
  returned: always
  type: bool
  sample: false
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - One entry per installed or removed package, of kind V(package), with the summary V(installed) or V(removed).
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What the resource is.
      type: str
    name:
      description: The package as requested.
      type: str
    summary:
      description: A short description of the change. When absent, the diff describes it.
      type: str
      returned: when the module knows it without a diff
  sample: [{kind: package, name: jq, summary: installed}]
"""

import os
import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlops.hosts.plugins.module_utils._commands import use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource

# Debian policy 5.6.1: lower case letters, digits, '+', '-', '.'; at least two characters, starting
# with an alphanumeric. Then an optional ':ARCH' and an optional '=VERSION' (policy 5.6.12, without
# wildcards).
_PACKAGE_RE = re.compile(
    r'^(?P<name>[a-z0-9][a-z0-9+.-]+)'
    r'(?::(?P<arch>[a-z0-9][a-z0-9-]*))?'
    r'(?:=(?P<version>(?:[0-9]+:)?[A-Za-z0-9][A-Za-z0-9.+~-]*))?$')
_DPKG_OPTION_RE = re.compile(r'^[a-z][a-z0-9-]*(?:=\S+)?$')

# One line per package instance; db:Status-Abbrev is three characters: desired action, status, error flag.
_QUERY_FORMAT = r'${Package}\t${Architecture}\t${Version}\t${db:Status-Abbrev}\n'
_INSTALLED = ('ii', 'hi')
# Status letters (second character of db:Status-Abbrev) of a package that has nothing on disk but, at most,
# its configuration files: not-installed and config-files.
_GONE = ('n', 'c')

# Where the age of the package lists is read from, first existing one wins (as ansible.builtin.apt does).
_UPDATE_STAMPS = ('/var/lib/apt/periodic/update-success-stamp', '/var/lib/apt/lists')
_LOCK_POLL = 2

_APT_ENV = dict(DEBIAN_FRONTEND='noninteractive', APT_LISTCHANGES_FRONTEND='none')
_UNKNOWN_RE = re.compile(r"Unable to locate package |has no installation candidate|Version '[^']*' for '[^']*' was not found")
_LOCKED = 'Could not get lock'
_SUMMARY_RE = re.compile(
    r'^(\d+) upgraded, (\d+) newly installed, (?:(\d+) reinstalled, )?(?:(\d+) downgraded, )?(\d+) to remove', re.M)
_DPKG_WORK_RE = re.compile(r'^(?:Unpacking|Setting up|Removing) ', re.M)


def _parse_query(output):
    """Instances printed by dpkg-query with _QUERY_FORMAT, as a dict: package name -> list of dicts."""
    found = {}
    for line in output.splitlines():
        fields = line.split('\t')
        if len(fields) != 4 or not fields[0]:
            continue
        name, arch, version, status = fields
        found.setdefault(name, []).append(dict(arch=arch, version=version, status=status[:2]))
    return found


def _apt_errors(out, err):
    """apt's 'E:' lines, or else its whole output, on one line."""
    lines = [line.strip() for line in (err + '\n' + out).splitlines() if line.startswith('E:')]
    return '; '.join(lines) or (err or out).strip() or 'no output'


def _did_nothing(out):
    """True when apt-get's summary line says nothing was installed, upgraded or removed."""
    match = _SUMMARY_RE.search(out)
    return bool(match) and all(int(count or 0) == 0 for count in match.groups())


class DebPackages:
    """Read the state of the packages with dpkg-query, then install or remove what differs with apt-get."""

    def __init__(self, module):
        self.module = module
        params = module.params
        self.names = params['name']
        self.state = params['state']
        self.install_recommends = params['install_recommends']
        self.update_cache = params['update_cache']
        self.cache_valid_time = params['cache_valid_time']
        self.dpkg_options = params['dpkg_options']
        self.lock_timeout = params['lock_timeout']
        self.cache_updated = False
        self._bins = {}

    def _bin(self, name):
        if name not in self._bins:
            self._bins[name] = self.module.get_bin_path(name, required=True)
        return self._bins[name]

    # Validation.

    def _validate(self):
        """Return (requests, options, errors): the parsed package names, the dpkg options, what is wrong."""
        errors = []
        requests = []
        seen = set()
        for spec in self.names:
            match = _PACKAGE_RE.match(spec or '')
            if not match:
                errors.append(
                    "invalid package '%s': give NAME, NAME:ARCH, NAME=VERSION or NAME:ARCH=VERSION, where NAME "
                    "has at least two of a-z, 0-9, '+', '-', '.' and starts with a letter or digit" % spec)
                continue
            name, arch, version = match.group('name', 'arch', 'version')
            key = name if arch is None else '%s:%s' % (name, arch)
            if key in seen:
                errors.append("package '%s' is listed more than once" % key)
                continue
            seen.add(key)
            requests.append(dict(key=key, name=name, arch=arch, version=version,
                                 apt=key if version is None else '%s=%s' % (key, version)))

        options = []
        for option in (self.dpkg_options or '').split(','):
            option = option.strip()
            if option.startswith('--'):
                option = option[2:]
            if not option:
                continue
            if _DPKG_OPTION_RE.match(option):
                options.append(option)
            else:
                errors.append("invalid dpkg option '%s' in dpkg_options" % option)

        if self.cache_valid_time < 0:
            errors.append('cache_valid_time must be 0 or more, not %d' % self.cache_valid_time)
        if self.lock_timeout < 0:
            errors.append('lock_timeout must be 0 or more, not %d' % self.lock_timeout)
        return requests, options, errors

    # Reading the state.

    def _query(self, requests):
        """The installed instances of the requested packages: name -> list of dicts, from one dpkg-query."""
        names = []
        for request in requests:
            if request['name'] not in names:
                names.append(request['name'])
        argv = [self._bin('dpkg-query'), '-W', '--showformat=' + _QUERY_FORMAT] + names
        rc, out, err = self.module.run_command(argv, check_rc=False)
        # rc 1: some packages are unknown to dpkg; the others are printed all the same.
        if rc not in (0, 1):
            self.module.fail_json(msg='dpkg-query failed with rc %d: %s' % (rc, (err or out).strip() or 'no output'),
                                  cmd=argv, rc=rc, stdout=out, stderr=err)
        return _parse_query(out)

    @staticmethod
    def _instances(request, found):
        """The instances of found that request means, by architecture."""
        arch = request['arch']
        return [i for i in found.get(request['name'], []) if arch is None or i['arch'] in (arch, 'all')]

    def _installed_version(self, request, found):
        """Version of the package installed (status ii or hi), the pinned one first; None when not installed."""
        installed = [i['version'] for i in self._instances(request, found) if i['status'] in _INSTALLED]
        if request['version'] in installed:
            return request['version']
        return installed[0] if installed else None

    def _needs_install(self, request, found):
        version = self._installed_version(request, found)
        return version is None or (request['version'] is not None and version != request['version'])

    def _needs_remove(self, request, found):
        return any(i['status'][1:] not in _GONE and request['version'] in (None, i['version'])
                   for i in self._instances(request, found))

    def _describe(self, request, found):
        """One line for the diff: the state of the package in found."""
        version = self._installed_version(request, found)
        if version is not None:
            return '%s %s' % (request['key'], version)
        for instance in self._instances(request, found):
            if instance['status'][1:] not in _GONE:
                return '%s %s (dpkg status %s)' % (request['key'], instance['version'], instance['status'])
        return '%s (absent)' % request['key']

    def _lists_are_stale(self):
        for path in _UPDATE_STAMPS:
            try:
                mtime = os.stat(path).st_mtime
            except OSError:
                continue
            return time.time() - mtime > self.cache_valid_time
        return True

    # Commands.

    def _apt_argv(self, verb, options=(), packages=()):
        argv = [self._bin('apt-get'), verb]
        if verb != 'update':
            argv.append('-y')
        argv.append('-q')
        if verb == 'install':
            argv.append('--install-recommends' if self.install_recommends else '--no-install-recommends')
        argv.extend(['-o', 'DPkg::Lock::Timeout=%d' % self.lock_timeout])
        for option in options:
            argv.extend(['-o', 'Dpkg::Options::=--%s' % option])
        return argv + list(packages)

    def _run_apt(self, argv):
        return self.module.run_command(argv, check_rc=False, environ_update=dict(_APT_ENV))

    def _fail_apt(self, argv, rc, out, err, packages):
        verb = argv[1]
        msg = 'apt-get %s failed with rc %d' % (verb, rc)
        if packages:
            msg += ' for %s' % ', '.join(packages)
        msg += ': %s' % _apt_errors(out, err)
        if _LOCKED in out + err:
            msg += ('; another process held the apt or dpkg lock for more than lock_timeout=%d seconds'
                    % self.lock_timeout)
        elif verb == 'install' and self.cache_updated and _UNKNOWN_RE.search(out + err):
            msg += '; apt-get update ran before this attempt'
        self.module.fail_json(msg=msg, cmd=argv, rc=rc, stdout=out, stderr=err,
                              changed=bool(_DPKG_WORK_RE.search(out)), cache_updated=self.cache_updated)

    def _update(self):
        """apt-get update, again every _LOCK_POLL seconds while the lists lock is held, up to lock_timeout."""
        argv = self._apt_argv('update')
        deadline = time.monotonic() + self.lock_timeout
        while True:
            rc, out, err = self._run_apt(argv)
            if rc == 0:
                break
            if _LOCKED not in out + err or time.monotonic() >= deadline:
                self._fail_apt(argv, rc, out, err, ())
            time.sleep(_LOCK_POLL)
        self.cache_updated = True

    def _install(self, requests, options):
        """apt-get install, after apt-get update when update_cache asks for it; return its stdout."""
        if self.update_cache == 'always' or (self.update_cache == 'auto' and self._lists_are_stale()):
            self._update()
        packages = [r['apt'] for r in requests]
        argv = self._apt_argv('install', options, packages)
        rc, out, err = self._run_apt(argv)
        if (rc != 0 and self.update_cache != 'never' and not self.cache_updated
                and _UNKNOWN_RE.search(out + err) and not _DPKG_WORK_RE.search(out)):
            self._update()
            rc, out, err = self._run_apt(argv)
        if rc != 0:
            self._fail_apt(argv, rc, out, err, packages)
        return out

    def _remove(self, requests, options):
        """apt-get remove; return its stdout."""
        packages = [r['key'] for r in requests]
        argv = self._apt_argv('remove', options, packages)
        rc, out, err = self._run_apt(argv)
        if rc != 0:
            self._fail_apt(argv, rc, out, err, packages)
        return out

    # The run.

    def _diff(self, to_install, to_remove, before, after):
        lines_before = []
        lines_after = []
        for request in to_install + to_remove:
            lines_before.append(self._describe(request, before))
            if after is not None:
                lines_after.append(self._describe(request, after))
            elif request in to_remove:
                lines_after.append('%s (absent)' % request['key'])
            elif request['version'] is not None:
                lines_after.append('%s %s' % (request['key'], request['version']))
            else:
                # Which version apt would install, only apt could tell.
                lines_after.append(request['key'])
        if not lines_before:
            return []
        return [dict(before_header='packages', after_header='packages',
                     before=''.join(line + '\n' for line in lines_before),
                     after=''.join(line + '\n' for line in lines_after))]

    def run(self):
        requests, options, errors = self._validate()
        if errors:
            self.module.fail_json(msg='; '.join(errors), errors=errors)

        before = self._query(requests) if requests else {}
        if self.state == 'present':
            to_install = [r for r in requests if self._needs_install(r, before)]
            to_remove = []
        else:
            to_install = []
            to_remove = [r for r in requests if self._needs_remove(r, before)]

        changed = bool(to_install or to_remove)
        after = None
        installed = [r['key'] for r in to_install]
        removed = [r['key'] for r in to_remove]
        if changed and not self.module.check_mode:
            out = self._install(to_install, options) if to_install else self._remove(to_remove, options)
            changed = not _did_nothing(out)
            after = self._query(requests)
            installed = [r['key'] for r in to_install if changed and not self._needs_install(r, after)]
            removed = [r['key'] for r in to_remove if changed and not self._needs_remove(r, after)]
            for request in to_install:
                if self._needs_install(request, after):
                    self.module.warn("apt-get install succeeded but package '%s' is still not installed%s; if it "
                                     "is a virtual package, name the package that provides it instead"
                                     % (request['key'], '' if request['version'] is None
                                        else ' at version %s' % request['version']))

        state = before if after is None else after
        result = dict(
            changed=changed,
            installed=installed,
            removed=removed,
            packages=dict((r['key'], self._installed_version(r, state)) for r in requests),
            cache_updated=self.cache_updated,
        )
        result[RESULT_KEY] = ([resource('package', name, 'installed') for name in installed]
                              + [resource('package', name, 'removed') for name in removed])
        if self.module._diff:
            result['diff'] = self._diff(to_install, to_remove, before, after) if changed else []
        self.module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='list', elements='str', required=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            install_recommends=dict(type='bool', default=False),
            update_cache=dict(type='str', choices=['auto', 'always', 'never'], default='auto'),
            cache_valid_time=dict(type='int', default=3600),
            dpkg_options=dict(type='str', default='force-confdef,force-confold'),
            lock_timeout=dict(type='int', default=120),
        ),
        supports_check_mode=True,
    )
    use_c_locale(module)
    DebPackages(module).run()


if __name__ == '__main__':
    main()
