#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: python_envs
short_description: Build named Python virtual environments, rebuilding them only when their declaration changes
version_added: 0.8.0
description:
  - Manages a list of named Python virtual environments in one module execution. Each environment is
    declared as data (packages with versions and optionally the content of a requirements or lock file
    and of a constraints file).
  - O(envs[].path) is a stable symbolic link to a versioned directory next to it,
    C(<dirname>/.<basename>-<fingerprint>), where the fingerprint is the first 12 hexadecimal digits of
    the SHA-256 of the declaration. A virtual environment cannot be moved after it was created, so a
    changed declaration is built into a new versioned directory; the link is then replaced atomically
    and older versioned directories of that environment are removed. Processes that use the
    environment keep working while it is rebuilt.
  - The fingerprint covers the implementation and C(major.minor) version of O(envs[].python),
    O(envs[].packages), O(envs[].requirements), O(envs[].constraints), O(envs[].installer), O(envs[].pip_args),
    O(envs[].system_site_packages) and O(envs[].upgrade_pip). O(envs[].constraints) is part of the declaration
    only when it is not empty, so an environment declared without constraints keeps the fingerprint it had
    before the option existed and is not rebuilt. The interpreter is asked for its version
    once per run and interpreter (also in check mode); nothing else is run when no environment has to
    change, so C(pip) never runs on a converge without changes.
  - The versioned directory holds a marker file C(.mlops-python-env.json) with the name, the fingerprint,
    the declaration, the interpreter, the installed distributions as reported by C(pip list) (C(installed)),
    and the distributions found in its site-packages (C(distributions)), all at build time.
  - An environment is up to date when O(envs[].path) links to a directory of the current fingerprint,
    that directory's marker has the same fingerprint, and the distributions installed in it are those
    recorded at build time.
  - B(Content check.) On every run, check mode included, the distributions installed in an environment
    that does not have to be built are compared with those its marker recorded. They are read without
    running C(pip) or Python, from the names of the C(*.dist-info) and C(*.egg-info) entries of its
    C(lib/python*/site-packages) (and C(lib64/python*/site-packages) when C(lib64) is a real directory
    and not the link C(venv) makes), named C(<name>-<version>.dist-info) and C(<name>-<version>[-pyX.Y].egg-info).
    Only when an entry's name does not give both is its C(METADATA) (C(PKG-INFO)) read. Names are compared
    normalised as PEP 503 says (lower case, runs of C(-), C(_) and C(.) as one C(-)), versions as written.
    Entries whose name is not a valid project name, such as C(~andas-2.2.3.dist-info) left by an
    interrupted C(pip uninstall), are ignored as C(pip) ignores them. On a run without changes this costs two
    directory listings and a few C(stat) calls per environment, and no file is read besides the marker.
  - B(Content repair.) A distribution removed, installed in another version or added by hand is repaired
    by one install of the recorded versions of the missing and changed ones, without their dependencies
    (C(pip install --no-deps name==version...), or C(uv pip install --python <env>/bin/python --no-deps ...)
    with O(envs[].installer=uv); with O(envs[].pip_args) as a build passes them), then one uninstall of the
    added ones (C(pip uninstall -y), C(uv pip uninstall)). The distributions are read again; when a
    command failed or the content still differs, a warning says why and the environment is rebuilt into
    a new versioned directory, the link switched and the old directory removed, as for a changed
    declaration. That directory is the second name of the fingerprint,
    C(<dirname>/.<basename>-<first 12 hexadecimal digits of the SHA-256 of "rebuilt:" and the fingerprint>),
    since the one in use cannot be replaced while it is linked; the next rebuild goes back to the first.
    The marker's recorded lists are written by builds only, so a change by hand is never accepted as the
    new content.
  - Markers written before the content check have no C(distributions); their C(installed) list is
    compared instead, except for environments with O(envs[].system_site_packages=true), for which
    C(pip list) also listed the system's distributions. Those, and markers with neither list, have
    nothing to compare (no content drift) until the environment is next built.
  - Commands run without a shell and with C(LC_ALL=C). The site's proxies, CA bundle and package index reach
    C(pip) and C(uv) from O(network_env), read on the host; variables the task sets with the C(environment)
    keyword win. When neither sets C(SSL_CERT_FILE), C(SSL_CERT_DIR), C(UV_NATIVE_TLS) or C(UV_SYSTEM_CERTS), C(uv)
    runs with C(UV_NATIVE_TLS=1), so it trusts the host's certificate store (a site's CA added with
    C(update-ca-certificates)) as Debian's C(pip) does, instead of the roots bundled in C(uv). Credentials inside URLs are masked in the module's messages.
author: mlops.hosts maintainers (@mlops-hosts)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Only the read-only interpreter version probe runs. An interpreter that does not exist yet marks the
        environment as to be built instead of failing.
      - The content check runs; an environment whose content differs is reported as changed with
        RV(envs[].content_drift) and RV(envs[].repaired=true), and nothing is installed or removed.
  diff_mode:
    support: full
    details:
      - One diff entry per environment whose directories, link, owner, group or mode change, showing its
        declaration, versioned directory, owner, group and mode as JSON before and after.
      - One more entry per environment whose content differs from its build, with a line
        C(name==version) for each distribution that differs, as installed (before) and as recorded at build time (after).
  platform:
    platforms: posix
options:
  envs:
    description:
      - The environments to manage, in the order they are processed.
      - Names and paths must be unique. All entries are checked before anything is changed.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the environment, recorded in the marker file and used in messages.
          - Must match C(^[A-Za-z0-9][A-Za-z0-9._-]*$).
        type: str
        required: true
      path:
        description:
          - Absolute path of the environment as users and kernels see it, for example
            V(/opt/mlops/envs/datascience). It is managed as a symbolic link to the versioned directory.
          - Missing parent directories are created with mode C(0755).
          - A real directory or a regular file at this path is never replaced or removed; the module fails
            and asks for it to be moved away.
        type: path
        required: true
      python:
        description:
          - Absolute path of the interpreter the environment is created from.
          - When it does not exist the module fails, naming the environment, except in check mode.
        type: path
        default: /usr/bin/python3
      packages:
        description:
          - Requirement specifiers passed to the installer, for example V(pandas==2.2.3).
        type: list
        elements: str
        default: []
      requirements:
        description:
          - The text of a requirements or lock file. It is written to a temporary file that is installed
            with C(-r) together with O(envs[].packages).
          - Relative references inside it (C(-r other.txt), C(-e ./src)) cannot be resolved.
        type: str
        default: ''
      constraints:
        description:
          - The text of a constraints file, such as the one Apache Airflow publishes for each of its releases and
            Python versions. When not empty it is written to a temporary file next to the one of
            O(envs[].requirements) and passed with C(-c) to the install command of a build (C(pip install ... -c <file>),
            C(uv pip install ... -c <file>)); the temporary file is removed afterwards. It limits the versions of what
            O(envs[].packages) and O(envs[].requirements) install and installs nothing by itself.
          - It is not passed to the upgrade of C(pip) (O(envs[].upgrade_pip)), nor to a content repair, which installs
            the recorded versions without dependencies.
          - Part of the fingerprint and of the declaration recorded in the marker file only when not empty; changing
            it rebuilds the environment, and environments without constraints keep their fingerprint.
          - Relative references inside it (C(-c other.txt)) cannot be resolved.
        type: str
        default: ''
      installer:
        description:
          - V(pip) creates the environment with C(python -m venv) and installs with its own C(pip).
          - V(uv) creates it with C(uv venv --seed) (so it has C(pip), as a C(python -m venv) environment has) and
            installs with C(uv pip install --compile-bytecode) (byte code written at install, as C(pip) does, so
            processes of users who cannot write to the environment do not compile every module at each start).
            C(uv) must be installed, see O(uv_path).
        type: str
        choices: [pip, uv]
        default: pip
      pip_args:
        description:
          - Extra arguments for the install command, for example V(--index-url=https://pypi.example.com/simple)
            or V(--only-binary=:all:). With O(envs[].installer=pip) they are also used to upgrade C(pip).
        type: list
        elements: str
        default: []
      upgrade_pip:
        description:
          - With O(envs[].installer=pip), upgrade C(pip) inside the new environment before installing.
          - Ignored by O(envs[].installer=uv), but still part of the fingerprint.
        type: bool
        default: false
      system_site_packages:
        description:
          - Give the environment access to the interpreter's system site-packages.
        type: bool
        default: false
      state:
        description:
          - V(present) builds the environment when it is missing or its declaration changed.
          - V(absent) removes the link at O(envs[].path) and every versioned directory of the environment,
            that is every directory next to it named C(.<basename>-) followed by 12 hexadecimal digits.
            Nothing else is removed.
        type: str
        choices: [present, absent]
        default: present
      owner:
        description:
          - Owner (name or numeric ID) of the versioned directory itself.
          - The files inside stay as the installer wrote them, owned by the user the module runs as, so
            the environment is read-only for other users.
          - In check mode a user that does not exist yet marks the environment as changed instead of failing.
        type: str
        default: root
      group:
        description:
          - Group (name or numeric ID) of the versioned directory itself.
          - In check mode a group that does not exist yet marks the environment as changed instead of failing.
        type: str
        default: root
      mode:
        description:
          - Permissions of the versioned directory itself, as a quoted string of four octal digits.
          - A change of O(envs[].owner), O(envs[].group) or O(envs[].mode) alone does not rebuild the environment.
        type: str
        default: '0755'
  uv_path:
    description:
      - Path of the C(uv) executable for environments with O(envs[].installer=uv).
      - When not set, C(uv) is looked up in E(PATH), C(~/.local/bin) and C(~/.cargo/bin). It is only looked
        up when an environment has to be built with it; the module fails when it cannot be found.
      - It may lie inside the O(envs[].path) of an environment built with O(envs[].installer=pip) that comes
        before the first one with O(envs[].installer=uv) (an environment of the C(uv) package); it is then looked
        for after that environment is built.
    type: str
  network_env:
    description:
      - Environment file with the site's network and trust settings (C(NAME='value') lines), written by the
        P(mlops.hosts.base#role) role, such as C(https_proxy), C(no_proxy), C(SSL_CERT_FILE), C(PIP_INDEX_URL)
        and C(UV_DEFAULT_INDEX). Read on the host, so proxy credentials never pass through the
        controller. A missing file means no such settings.
    type: path
    default: /etc/mlops/network.env
notes:
  - Processes still running from a replaced environment keep the modules they already loaded. The old versioned
    directory is removed after the switch, so modules they import later come from the new environment when
    they were started through O(envs[].path) (their C(sys.prefix) is the link), or cannot be found when they
    were started through the old directory. Restart long-running processes such as Jupyter kernels after a rebuild.
  - A versioned directory whose marker is missing (an interrupted build) is removed and rebuilt.
requirements:
  - The C(venv) module for the interpreter (Debian package C(python3-venv)) with O(envs[].installer=pip),
    or C(uv) with O(envs[].installer=uv).
seealso:
  - module: ansible.builtin.pip
"""

EXAMPLES = r"""
- name: Data-science environment, rebuilt only when the package list changes
  mlops.hosts.python_envs:
    envs:
      - name: datascience
        path: /opt/mlops/envs/datascience
        packages:
          - pandas==2.2.3
          - numpy==2.1.3
          - ipykernel==6.29.5

- name: Environments from lock files, through an internal index, built with uv
  mlops.hosts.python_envs:
    uv_path: /usr/local/bin/uv
    envs:
      - name: spark
        path: /opt/mlops/envs/spark
        python: /usr/bin/python3.11
        installer: uv
        requirements: "{{ lookup('ansible.builtin.file', 'files/spark.lock') }}"
        pip_args: [--index-url, https://pypi.example.com/simple]
      - name: old-experiments
        path: /opt/mlops/envs/old-experiments
        state: absent
  environment:
    https_proxy: http://proxy.example.com:3128
  register: envs

- name: Apache Airflow, its dependencies limited to the versions of its release's constraints file
  mlops.hosts.python_envs:
    envs:
      - name: airflow
        path: /opt/mlops/envs/airflow
        python: /usr/bin/python3.11
        installer: uv
        packages: [apache-airflow==3.3.2]
        constraints: "{{ lookup('ansible.builtin.file', 'files/airflow-constraints-3.3.2-3.11.txt') }}"

- name: Show what is installed
  ansible.builtin.debug:
    msg: "{{ envs.envs | items2dict(key_name='name', value_name='installed') }}"

- name: Find environments changed by hand since they were built, without repairing them
  mlops.hosts.python_envs:
    envs:
      - name: datascience
        path: /opt/mlops/envs/datascience
        packages: [pandas==2.2.3, numpy==2.1.3, ipykernel==6.29.5]
  check_mode: true
  register: envs_check

- name: Show what differs from each build
  ansible.builtin.debug:
    msg: "{{ envs_check.envs | selectattr('repaired') | items2dict(key_name='name', value_name='content_drift') }}"
"""

RETURN = r"""
envs:
  description: One entry per item of O(envs), in input order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the environment.
      type: str
      sample: datascience
    path:
      description: The stable path (symbolic link) of the environment.
      type: str
      sample: /opt/mlops/envs/datascience
    real_path:
      description:
        - The versioned directory O(envs[].path) links (or in check mode would link) to.
        - V(null) for O(envs[].state=absent), and in check mode when the interpreter does not exist yet.
      type: str
      sample: /opt/mlops/envs/.datascience-3f9a1c0d2b7e
    fingerprint:
      description:
        - SHA-256 of the declaration, in hexadecimal.
        - V(null) for O(envs[].state=absent), and in check mode when the interpreter does not exist yet.
      type: str
      sample: 3f9a1c0d2b7e5a4f0e8d6c1b2a3948576655443322110ffeeddccbbaa9988776
    changed:
      description:
        - Whether the environment was (or in check mode would be) built, re-linked, re-permissioned, repaired
          or removed.
        - An environment whose content differs from its build is changed, with RV(envs[].repaired=true) and
          the difference in RV(envs[].content_drift).
      type: bool
      sample: true
    rebuilt:
      description:
        - Whether a new versioned directory was (or in check mode would be) built, for a changed declaration
          or because reinstalling did not repair the content.
      type: bool
      sample: true
    repaired:
      description:
        - Whether the content differed from its build and was (or in check mode would be) repaired, by
          reinstalling and uninstalling distributions or, when that was not enough, by a rebuild (then
          RV(envs[].rebuilt) is true as well).
        - Check mode cannot tell whether reinstalling will be enough and reports V(false) for RV(envs[].rebuilt).
      type: bool
      sample: false
    installed:
      description:
        - Installed distributions and their versions from the marker file, with lower-cased names.
        - Empty for O(envs[].state=absent) and in check mode for an environment that would be built.
      type: dict
      sample: {pandas: 2.2.3, numpy: 2.1.3, pip: '24.0'}
    content_drift:
      description:
        - How the distributions installed in the versioned directory (from the names of its C(*.dist-info)
          and C(*.egg-info) entries) differ from those its marker recorded at build time, found before any
          repair. Names are normalised as PEP 503 says.
        - Empty lists when they do not differ and when nothing was compared (an environment built or to be
          built for its declaration, O(envs[].state=absent), a marker without recorded lists).
      type: dict
      contains:
        missing:
          description: Recorded distributions that are not installed, as C(name==recorded version), sorted.
          type: list
          elements: str
          sample: [pandas==2.2.3]
        added:
          description: Installed distributions that were not recorded, as C(name==installed version), sorted.
          type: list
          elements: str
          sample: [requests==2.32.3]
        changed:
          description:
            - Distributions installed in another version than recorded, sorted by name.
            - When one name is installed in several versions (a broken install), RV(envs[].content_drift.changed[].installed)
              lists them, comma separated.
          type: list
          elements: dict
          contains:
            name:
              description: Normalised name of the distribution.
              type: str
              sample: numpy
            recorded:
              description: The version recorded at build time.
              type: str
              sample: 2.1.0
            installed:
              description: The version installed now.
              type: str
              sample: 1.26.4
      sample: {missing: [pandas==2.2.3], added: [], changed: [{name: numpy, recorded: 2.1.0, installed: 1.26.4}]}
  sample:
    - name: datascience
      path: /opt/mlops/envs/datascience
      real_path: /opt/mlops/envs/.datascience-3f9a1c0d2b7e
      fingerprint: 3f9a1c0d2b7e5a4f0e8d6c1b2a3948576655443322110ffeeddccbbaa9988776
      changed: true
      rebuilt: true
      repaired: false
      installed: {pandas: 2.2.3, numpy: 2.1.3, pip: '24.0'}
      content_drift: {missing: [], added: [], changed: []}
diff:
  description:
    - One entry per environment whose directories, link or attributes change; the text is empty for an
      environment that does not exist.
    - One entry per environment whose content differs from its build, headed C(<path> (installed distributions))
      and C(<path> (distributions recorded at build time)), with the lines C(name==version) that differ.
  returned: when diff mode is enabled
  type: list
  elements: dict
  sample:
    - before_header: /opt/mlops/envs/datascience
      after_header: /opt/mlops/envs/datascience
      before: ''
      after: "{\n  \"declaration\": {...},\n  \"real_path\": \"/opt/mlops/envs/.datascience-3f9a1c0d2b7e\"\n}\n"
    - before_header: /opt/mlops/envs/spark (installed distributions)
      after_header: /opt/mlops/envs/spark (distributions recorded at build time)
      before: "numpy==1.26.4\nrequests==2.32.3\n"
      after: "numpy==2.1.0\npandas==2.2.3\n"
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - One entry of kind V(python_env) per changed environment, with what was rebuilt or repaired and how its content differed from its build.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What the resource is.
      type: str
    name:
      description: The environment's path.
      type: str
    summary:
      description: A short description of the change. When absent, the diff describes it.
      type: str
      returned: when the module knows it without a diff
  sample: [{kind: python_env, name: /opt/mlops/envs/hub, summary: 'content differs from its build: missing pandas==2.2.3; repaired'}]
"""

import hashlib
import json
import os
import pwd
import re
import shutil
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.mlops.hosts.plugins.module_utils._commands import C_LOCALE, use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, listed, resource
from ansible_collections.mlops.hosts.plugins.module_utils._site_network import SITE_NETWORK_ENV, apply_site_environment
from ansible_collections.mlops.hosts.plugins.module_utils._url_credentials import mask_url_credentials
from ansible_collections.mlops.hosts.plugins.module_utils._fileattrs import (
    attributes_differ,
    owner_group_mode,
    parse_mode,
    replace_symlink,
    resolve_owner,
    set_attributes,
)

_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')
_VERSION_RE = re.compile(r'[0-9]+\.[0-9]+')
_FP_LEN = 12
_MARKER = '.mlops-python-env.json'
_TAIL = 4000
# Keeps pip quiet about running as root; versions of pip that do not know the setting ignore it.
_PIP_ENV = dict(PIP_ROOT_USER_ACTION='ignore')
# Any of these set (by the task or network_env) leaves uv's choice of trusted certificates to them.
_UV_TRUST_SETTINGS = ('SSL_CERT_FILE', 'SSL_CERT_DIR', 'UV_NATIVE_TLS', 'UV_SYSTEM_CERTS')
_PIP_FLAGS = ['--disable-pip-version-check', '--no-input']
_PROBE = 'import sys, platform; print(platform.python_implementation(), "%d.%d" % sys.version_info[:2])'
# Second directory name of a fingerprint, for a rebuild while the first one is in use (content drift).
_SECOND = 'rebuilt:'
# A project name (PEP 508); pip ignores directories such as ~andas-2.2.3.dist-info that an interrupted
# uninstall leaves behind, and so does this module.
_PROJECT_RE = re.compile(r'^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$')
_DIST_VERSION_RE = re.compile(r'^(?:[0-9]+!)?[0-9][A-Za-z0-9.+_!]*$')
_INFO_SUFFIXES = ('.dist-info', '.egg-info')
_HEADER_LINES = 200


def _tail(text):
    text = to_native(text or '')
    return text[-_TAIL:]


def _canonical(name):
    """A distribution name normalised as PEP 503 says: lower case, runs of -, _ and . as one -."""
    return re.sub(r'[-_.]+', '-', name).lower()


def _site_packages(root):
    """The site-packages directories of the environment at root: lib/python*/site-packages, and the same below
    lib64 when it is a real directory of its own (venv makes it a link to lib)."""
    found = []
    for lib in ('lib', 'lib64'):
        base = os.path.join(root, lib)
        if lib == 'lib64':
            try:
                if os.path.islink(base) or os.path.samefile(base, os.path.join(root, 'lib')):
                    continue
            except OSError:
                pass  # no lib64, or no lib
        try:
            entries = sorted(entry.name for entry in os.scandir(base)
                             if entry.name.startswith(('python', 'pypy')) and entry.is_dir())
        except (FileNotFoundError, NotADirectoryError):
            continue
        found += [os.path.join(base, name, 'site-packages') for name in entries]
    return found


def _info_headers(path):
    """(Name, Version) from the headers of a METADATA or PKG-INFO file; None where a header is missing."""
    name = version = None
    try:
        with open(path, 'r', encoding='utf-8', errors='replace') as handle:
            for number, line in enumerate(handle):
                if not line.strip() or number >= _HEADER_LINES:
                    break
                key, sep, value = line.partition(':')
                if sep and key.lower() == 'name' and name is None:
                    name = value.strip() or None
                elif sep and key.lower() == 'version' and version is None:
                    version = value.strip() or None
    except OSError:
        pass
    return name, version


def _distribution(directory, entry):
    """(canonical name, version) of one *.dist-info or *.egg-info entry of a site-packages directory, or None.

    The name and version come from the entry's name (name-version.dist-info, name-version[-pyX.Y].egg-info),
    as pip reads them; its METADATA (PKG-INFO for egg-info) is read only when the name does not say them.
    """
    stem, suffix = os.path.splitext(entry.name)
    if suffix not in _INFO_SUFFIXES:
        return None
    is_dir = entry.is_dir()
    if suffix == '.dist-info' and not is_dir:
        return None
    parts = stem.split('-')
    name = parts[0]
    if suffix == '.dist-info':
        version = '-'.join(parts[1:])
    else:
        version = parts[1] if len(parts) > 1 else ''
    if not _PROJECT_RE.match(name):
        return None
    if not _DIST_VERSION_RE.match(version):
        if suffix == '.dist-info':
            headers = os.path.join(directory, entry.name, 'METADATA')
        else:
            headers = os.path.join(directory, entry.name, 'PKG-INFO') if is_dir else os.path.join(directory, entry.name)
        name, version = _info_headers(headers)
        if not name or not version or not _PROJECT_RE.match(name):
            return None
    return _canonical(name), version


def _distributions(root):
    """Canonical name -> version of every distribution installed in the environment at root, read from the
    names of the *.dist-info and *.egg-info entries of its site-packages directories; without running Python.
    A name found with several versions (a broken install) maps to all of them, comma separated."""
    versions = {}
    for directory in _site_packages(root):
        try:
            entries = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            found = _distribution(directory, entry)
            if found is not None:
                versions.setdefault(found[0], set()).add(found[1])
    return dict((name, ', '.join(sorted(found))) for name, found in versions.items())


def _content_drift(recorded, installed):
    """What differs between the recorded and the installed distributions (canonical name -> version)."""
    return dict(
        missing=['%s==%s' % (name, recorded[name]) for name in sorted(set(recorded) - set(installed))],
        added=['%s==%s' % (name, installed[name]) for name in sorted(set(installed) - set(recorded))],
        changed=[dict(name=name, recorded=recorded[name], installed=installed[name])
                 for name in sorted(set(recorded) & set(installed)) if recorded[name] != installed[name]],
    )


def _no_drift():
    return dict(missing=[], added=[], changed=[])


def _drift_text(drift):
    """One line describing a content drift, as in the module's warnings."""
    parts = []
    if drift['missing']:
        parts.append('missing ' + ', '.join(drift['missing']))
    if drift['changed']:
        changed = ['%s %s -> %s' % (item['name'], item['recorded'], item['installed']) for item in drift['changed']]
        parts.append('changed ' + ', '.join(changed))
    if drift['added']:
        parts.append('added ' + ', '.join(drift['added']))
    return '; '.join(parts)


def _change_summary(env):
    """What happened to a changed environment (an entry of the envs result), for the drift report."""
    outcome = 'rebuilt' if env['rebuilt'] else 'repaired' if env['repaired'] else 'changed'
    drift = env['content_drift']
    parts = ['%s %s' % (label, listed(items)) for label, items in (
        ('missing', drift.get('missing') or []),
        ('changed', ['%s %s -> %s' % (item['name'], item['recorded'], item['installed'])
                     for item in drift.get('changed') or []]),
        ('added', drift.get('added') or [])) if items]
    if not parts:
        return 'rebuilt' if env['rebuilt'] else 'changed'
    return 'content differs from its build: %s; %s' % ('; '.join(parts), outcome)


class _Env:
    """One entry of the envs option with what was found on disk and what has to change."""

    def __init__(self, index, spec):
        self.index = index
        self.name = spec['name']
        self.path = spec['path']
        self.python = spec['python']
        self.packages = spec['packages']
        self.requirements = spec['requirements']
        self.constraints = spec['constraints']
        self.installer = spec['installer']
        self.pip_args = spec['pip_args']
        self.upgrade_pip = spec['upgrade_pip']
        self.system_site_packages = spec['system_site_packages']
        self.state = spec['state']
        self.owner = spec['owner']
        self.group = spec['group']
        self.mode_text = spec['mode']
        self.mode = None
        self.uid = None
        self.gid = None
        self.directory = None
        self.base = None
        # Desired state
        self.interpreter = None  # (implementation, 'major.minor'), None while the interpreter is missing
        self.declaration = None
        self.fingerprint = None
        self.real_path = None
        self.primary = None  # .<base>-<first 12 digits of the fingerprint>
        self.secondary = None  # the other directory name of the fingerprint, used by rebuilds for content drift
        # Found on disk
        self.link = None  # normalised absolute target of the symbolic link at path
        self.current = None  # marker of the link target
        self.versioned = []  # versioned directories of this env next to path
        # Planned changes
        self.build = False
        self.reuse = False  # a complete directory for the fingerprint exists; only re-link it
        self.fix_attributes = False
        self.remove_link = False
        self.prune = []
        self.installed = {}
        # Content: canonical name -> version recorded at build time (None: nothing to compare) and found now
        self.recorded = None
        self.found = {}
        self.drift = _no_drift()
        self.repair = False  # content drift: reinstall the recorded versions (rebuild when that is not enough)

    @property
    def label(self):
        return 'envs[%d] (name %r, path %r)' % (self.index, self.name, self.path)

    @property
    def relink(self):
        return self.build or self.reuse

    @property
    def changed_layout(self):
        """Whether the directories, the link or the attributes change (as opposed to the content only)."""
        return self.build or self.reuse or self.fix_attributes or self.remove_link or bool(self.prune)

    @property
    def changed(self):
        return self.changed_layout or self.repair


class PythonEnvs:
    """Plans and applies the environments requested through the module options."""

    def __init__(self, module):
        self.module = module
        self.envs = [_Env(index, spec) for index, spec in enumerate(module.params['envs'])]
        self.uv_path = module.params['uv_path']
        self._uv = None
        self._probes = {}
        self._changed = False
        self._results = []

    # ----------------------------------------------------------------- entry point

    def run(self):
        self._check_input()
        for env in self.envs:
            self._plan(env)
        diff = [entry for env in self.envs for entry in self._diff(env)] if self.module._diff else None
        if not self.module.check_mode:
            if any(env.build or env.repair for env in self.envs):
                apply_site_environment(self.module.params['network_env'])
            if self._uv_provider() is None and any((env.build or env.repair) and env.installer == 'uv' for env in self.envs):
                self._find_uv()
            for env in self.envs:
                if self._uv is None and env.installer == 'uv' and (env.build or env.repair):
                    self._find_uv()
                self._apply(env)
                self._results.append(self._result(env))
        else:
            self._results = [self._result(env) for env in self.envs]

        result = dict(changed=any(env.changed for env in self.envs), envs=self._results)
        result[RESULT_KEY] = [resource('python_env', env['path'], _change_summary(env))
                              for env in self._results if env['changed']]
        if diff is not None:
            result['diff'] = diff
        return result

    def _fail(self, msg, **kwargs):
        msg = mask_url_credentials(msg)
        for name in ('stdout', 'stderr', 'cmd'):
            if isinstance(kwargs.get(name), str):
                kwargs[name] = mask_url_credentials(kwargs[name])
        kwargs.setdefault('changed', self._changed)
        kwargs.setdefault('envs', self._results)
        self.module.fail_json(msg=msg, **kwargs)

    # ------------------------------------------------------------------- checking

    def _check_input(self):
        names = {}
        paths = {}
        for env in self.envs:
            if not _NAME_RE.match(env.name or ''):
                self._fail('envs[%d]: invalid name %r: it must match %s' % (env.index, env.name, _NAME_RE.pattern))
            if env.name in names:
                self._fail('%s: the name is also used by envs[%d]' % (env.label, names[env.name]))
            names[env.name] = env.index
            if not env.path or not os.path.isabs(env.path):
                self._fail('%s: path must be an absolute path' % env.label)
            norm = os.path.normpath(env.path)
            env.directory, env.base = os.path.split(norm)
            if not env.base or norm == '/':
                self._fail('%s: path must not be the root directory' % env.label)
            if norm in paths:
                self._fail('%s: the path is also used by envs[%d]' % (env.label, paths[norm]))
            paths[norm] = env.index
            env.path = norm
            if env.state == 'absent':
                continue
            if not env.python or not os.path.isabs(env.python):
                self._fail('%s: python must be an absolute path, got %r' % (env.label, env.python))
            for package in env.packages:
                if not package or not package.strip():
                    self._fail('%s: packages must not contain empty entries' % env.label)
            fail = self._env_fail(env)
            env.mode = parse_mode(env.mode_text, 'mode', fail, example='0755')
            env.uid, env.gid = resolve_owner(env.owner, env.group, self.module.check_mode, fail)

    def _env_fail(self, env):
        """fail() for a message about env."""
        return lambda reason: self._fail('%s: %s' % (env.label, reason))

    # ------------------------------------------------------------------- planning

    def _plan(self, env):
        self._inspect(env)
        if env.state == 'absent':
            env.remove_link = env.link is not None
            env.prune = list(env.versioned)
            return

        env.interpreter = self._probe(env)
        if env.interpreter is None:
            env.build = True  # check mode only: the interpreter may be installed by an earlier task
            return
        env.declaration = dict(
            python=dict(implementation=env.interpreter[0], version=env.interpreter[1]),
            packages=list(env.packages),
            requirements=env.requirements,
            installer=env.installer,
            pip_args=list(env.pip_args),
            system_site_packages=env.system_site_packages,
            upgrade_pip=env.upgrade_pip,
        )
        if env.constraints:
            # Only when set: the declarations, and so the fingerprints, of environments without constraints stay
            # those they had before the option existed.
            env.declaration['constraints'] = env.constraints
        canonical = json.dumps(env.declaration, sort_keys=True, separators=(',', ':'))
        env.fingerprint = hashlib.sha256(canonical.encode('utf-8')).hexdigest()
        second = hashlib.sha256((_SECOND + env.fingerprint).encode('utf-8')).hexdigest()
        env.primary = os.path.join(env.directory, '.%s-%s' % (env.base, env.fingerprint[:_FP_LEN]))
        env.secondary = os.path.join(env.directory, '.%s-%s' % (env.base, second[:_FP_LEN]))
        env.real_path = env.primary

        # A complete directory of this fingerprint, the one the link points to first.
        marker = None
        for path in sorted((env.primary, env.secondary), key=lambda path: path != env.link):
            found = None
            if path in env.versioned:
                found = env.current if path == env.link else self._read_marker(path)
            if found is not None and found.get('fingerprint') == env.fingerprint:
                env.real_path, marker = path, found
                break
        env.prune = [path for path in env.versioned if path != env.real_path]
        if marker is None:
            env.build = True
            return
        env.installed = dict(marker.get('installed') or {})
        env.reuse = env.link != env.real_path
        env.fix_attributes = self._attributes_differ(env)
        env.recorded = self._recorded(env, marker)
        if env.recorded is not None:
            env.found = self._scan(env)
            env.drift = _content_drift(env.recorded, env.found)
            env.repair = any(env.drift.values())

    @staticmethod
    def _recorded(env, marker):
        """Canonical name -> version of the distributions the marker recorded at build time, or None.

        Markers of this version record `distributions`, read from the dist-info names like the check does.
        Older markers have only pip's list (`installed`), which is compared unless the environment sees the
        system's site-packages (pip lists those too); a marker with neither has nothing to compare."""
        recorded = marker.get('distributions')
        if not isinstance(recorded, dict):
            recorded = marker.get('installed')
            if not isinstance(recorded, dict) or env.system_site_packages:
                return None
        return dict((_canonical(str(name)), str(version)) for name, version in recorded.items())

    def _scan(self, env):
        try:
            return _distributions(env.real_path)
        except OSError as exc:
            self._fail('%s: cannot list the distributions installed in %r: %s' % (env.label, env.real_path, to_native(exc)))

    def _inspect(self, env):
        try:
            st = os.lstat(env.path)
        except (FileNotFoundError, NotADirectoryError):
            st = None
        except OSError as exc:
            self._fail('%s: cannot inspect the path: %s' % (env.label, to_native(exc)))
        if st is not None:
            if stat.S_ISDIR(st.st_mode):
                self._fail('%s is a real directory, not a link managed by this module. It is never removed or '
                           'replaced: move it away (for example to %s.old) and run again.' % (env.label, env.path))
            if not stat.S_ISLNK(st.st_mode):
                self._fail('%s exists and is not a symbolic link. It is never removed or replaced: move it away '
                           'and run again.' % env.label)
            target = os.readlink(env.path)
            env.link = os.path.normpath(os.path.join(env.directory, target))
            env.current = self._read_marker(env.link)
        env.versioned = self._versioned_dirs(env)

    def _versioned_dirs(self, env):
        pattern = re.compile(r'^\.%s-[0-9a-f]{%d}$' % (re.escape(env.base), _FP_LEN))
        try:
            entries = sorted(os.scandir(env.directory), key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            self._fail('%s: cannot list %r: %s' % (env.label, env.directory, to_native(exc)))
        return [os.path.join(env.directory, entry.name) for entry in entries
                if pattern.match(entry.name) and entry.is_dir(follow_symlinks=False)]

    @staticmethod
    def _read_marker(directory):
        try:
            with open(os.path.join(directory, _MARKER), 'r', encoding='utf-8') as handle:
                marker = json.load(handle)
        except (OSError, ValueError):
            return None
        return marker if isinstance(marker, dict) else None

    def _probe(self, env):
        """(implementation, 'major.minor') of the interpreter; None in check mode when it does not exist."""
        if env.python in self._probes:
            return self._probes[env.python]
        if not os.path.exists(env.python):
            if self.module.check_mode:
                return None
            self._fail('%s: the python interpreter %r does not exist' % (env.label, env.python))
        argv = [env.python, '-c', _PROBE]
        rc, out, err = self.module.run_command(argv, check_rc=False, environ_update=C_LOCALE)
        words = (out or '').split()
        if rc != 0 or len(words) != 2 or not _VERSION_RE.fullmatch(words[1]):
            self._fail('%s: cannot read the version of the python interpreter %r (rc=%d): %s'
                       % (env.label, env.python, rc, _tail(err or out).strip()),
                       cmd=argv, rc=rc, stdout=_tail(out), stderr=_tail(err))
        self._probes[env.python] = (words[0], words[1])
        return self._probes[env.python]

    @staticmethod
    def _attributes_differ(env):
        if env.uid is None or env.gid is None:
            return True  # check mode, owner or group does not exist yet
        return attributes_differ(os.lstat(env.real_path), env.uid, env.gid, env.mode)

    # ---------------------------------------------------------------------- apply

    def _apply(self, env):
        if env.state == 'absent':
            if env.remove_link:
                self._changed = True
                try:
                    os.unlink(env.path)
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    self._fail('%s: cannot remove the link: %s' % (env.label, to_native(exc)))
            self._prune(env)
            return
        if env.repair:
            self._repair(env)
        if env.build:
            self._build(env)
        elif env.fix_attributes:
            self._changed = True
            try:
                set_attributes(env.real_path, env.uid, env.gid, env.mode)
            except OSError as exc:
                self._fail('%s: cannot set owner, group and mode of %r: %s' % (env.label, env.real_path, to_native(exc)))
        if env.relink:
            self._changed = True
            try:
                self._relink(env)
            except OSError as exc:
                if env.build:
                    self._discard(env.real_path)
                self._fail('%s: cannot point the link to %r: %s' % (env.label, env.real_path, to_native(exc)))
        self._prune(env)

    def _build(self, env):
        if not os.path.isdir(env.directory):
            try:
                os.makedirs(env.directory, 0o755)
            except OSError as exc:
                self._fail('%s: cannot create %r: %s' % (env.label, env.directory, to_native(exc)))
        if os.path.lexists(env.real_path):
            # An interrupted earlier build (no valid marker): start again.
            self._changed = True
            self._remove_tree(env, env.real_path)

        self._changed = True
        python = os.path.join(env.real_path, 'bin', 'python')
        install = self._installer(env, 'install')
        if env.installer == 'uv':
            argv = [self._uv, 'venv', '--seed', '--python', env.python]
            if env.system_site_packages:
                argv.append('--system-site-packages')
            self._run(env, argv + [env.real_path])
            listing = [self._uv, 'pip', 'list', '--format', 'json', '--python', python]
        else:
            argv = [env.python, '-m', 'venv']
            if env.system_site_packages:
                argv.append('--system-site-packages')
            self._run(env, argv + [env.real_path])
            listing = [python, '-m', 'pip', 'list', '--format=json', '--disable-pip-version-check']
            if env.upgrade_pip:
                self._run(env, install + env.pip_args + ['--upgrade', 'pip'])

        if env.packages or env.requirements:
            self._install(env, install + env.pip_args + env.packages)

        out = self._run(env, listing)
        try:
            listed = json.loads(out)
            env.installed = dict((str(item['name']).lower(), str(item['version'])) for item in listed)
        except (ValueError, TypeError, KeyError) as exc:
            self._build_failed(env, '%s: cannot read the list of installed packages: %s' % (env.label, to_native(exc)),
                               cmd=listing, stdout=_tail(out))

        try:
            distributions = _distributions(env.real_path)
            marker = dict(
                name=env.name,
                fingerprint=env.fingerprint,
                declaration=env.declaration,
                installed=env.installed,
                distributions=distributions,
                python=dict(path=env.python, implementation=env.interpreter[0], version=env.interpreter[1]),
            )
            self._write_marker(env.real_path, marker)
            set_attributes(env.real_path, env.uid, env.gid, env.mode)
        except OSError as exc:
            self._build_failed(env, '%s: cannot finish %r: %s' % (env.label, env.real_path, to_native(exc)))

    def _installer(self, env, command):
        """The argv that runs the installer's install or uninstall command for the versioned directory."""
        python = os.path.join(env.real_path, 'bin', 'python')
        if env.installer == 'uv':
            return [self._uv, 'pip', command, '--python', python] + (['--compile-bytecode'] if command == 'install' else [])
        return [python, '-m', 'pip', command] + _PIP_FLAGS + (['-y'] if command == 'uninstall' else [])

    def _repair(self, env):
        """Reinstall the recorded versions of missing and changed distributions without their dependencies and
        uninstall the added ones. When a command fails or the content still differs, plan a rebuild into the
        other directory name of the fingerprint instead: the one in use cannot be rebuilt in place."""
        self._changed = True
        pins = ['%s==%s' % (name, env.recorded[name])
                for name in sorted((set(env.recorded) - set(env.found)) | set(item['name'] for item in env.drift['changed']))]
        added = sorted(set(env.found) - set(env.recorded))
        problem = None
        if pins:
            problem = self._attempt(env, self._installer(env, 'install') + env.pip_args + ['--no-deps'] + pins)
        if problem is None and added:
            problem = self._attempt(env, self._installer(env, 'uninstall') + added)
        if problem is None:
            left = _content_drift(env.recorded, self._scan(env))
            if not any(left.values()):
                return
            problem = 'the content still differs: %s' % _drift_text(left)
        rebuild = env.secondary if env.real_path == env.primary else env.primary
        self.module.warn('%s: reinstalling the recorded versions did not repair %r (%s); rebuilding it as %r'
                         % (env.label, env.real_path, problem, rebuild))
        env.real_path = rebuild
        env.prune = [path for path in env.versioned if path != env.real_path]
        env.build = True

    def _attempt(self, env, argv):
        """Run a repair step; None when it worked, else what went wrong. Nothing is removed when it fails."""
        rc, out, err = self._command(env, argv)
        if rc == 0:
            return None
        return 'command %s failed (rc=%d): %s' % (' '.join(argv), rc, _tail(err or out).strip())

    def _install(self, env, argv):
        """Run the install command of a build, with the requirements (-r) and constraints (-c) of env written to
        temporary files, removed afterwards."""
        files = []
        try:
            for option, prefix, text in (('-r', 'requirements-', env.requirements), ('-c', 'constraints-', env.constraints)):
                if not text:
                    continue
                fd, path = tempfile.mkstemp(prefix=prefix, suffix='.txt', dir=self.module.tmpdir)
                files.append(path)
                with os.fdopen(fd, 'w', encoding='utf-8') as handle:
                    handle.write(text)
                argv = argv + [option, path]
            self._run(env, argv)
        finally:
            for path in files:
                try:
                    os.unlink(path)
                except OSError:
                    pass

    def _command(self, env, argv):
        environ = dict(C_LOCALE)
        environ.update(_PIP_ENV)
        kwargs = dict(cwd='/') if env.installer == 'uv' else {}  # keep uv from reading a project's settings
        if env.installer == 'uv' and not any(name in os.environ for name in _UV_TRUST_SETTINGS):
            # uv trusts its own bundled roots unless told otherwise; pip on Debian trusts the system's store.
            environ['UV_NATIVE_TLS'] = '1'
        return self.module.run_command(argv, check_rc=False, environ_update=environ, **kwargs)

    def _run(self, env, argv):
        """Run a build step; on failure remove the new directory and fail. Returns stdout."""
        rc, out, err = self._command(env, argv)
        if rc != 0:
            self._build_failed(env, '%s: command %s failed (rc=%d); the environment was left as it was: %s'
                               % (env.label, ' '.join(argv), rc, _tail(err or out).strip()),
                               cmd=argv, rc=rc, stdout=_tail(out), stderr=_tail(err))
        return out

    def _build_failed(self, env, msg, **kwargs):
        self._discard(env.real_path)
        self._fail(msg, **kwargs)

    def _discard(self, path):
        shutil.rmtree(path, ignore_errors=True)

    @staticmethod
    def _write_marker(directory, marker):
        path = os.path.join(directory, _MARKER)
        temp = path + '.tmp'
        with open(temp, 'w', encoding='utf-8') as handle:
            json.dump(marker, handle, indent=2, sort_keys=True)
            handle.write('\n')
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)

    @staticmethod
    def _relink(env):
        replace_symlink(env.path, os.path.basename(env.real_path))
        env.link = env.real_path

    def _prune(self, env):
        for path in env.prune:
            self._changed = True
            self._remove_tree(env, path, warn=True)

    def _remove_tree(self, env, path, warn=False):
        try:
            shutil.rmtree(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            msg = '%s: cannot remove %r: %s' % (env.label, path, to_native(exc))
            if not warn:
                self._fail(msg)
            self.module.warn(msg)

    def _uv_provider(self):
        """The environment built with pip, before the first one built with uv, whose path holds uv_path; or None."""
        if not self.uv_path:
            return None
        for env in self.envs:
            if env.installer == 'uv':
                return None
            if env.state == 'present' and self.uv_path.startswith(env.path.rstrip('/') + '/'):
                return env
        return None

    def _find_uv(self):
        if self.uv_path:
            if not (os.path.isfile(self.uv_path) and os.access(self.uv_path, os.X_OK)):
                self._fail('uv_path %r is not an executable file' % self.uv_path)
            self._uv = self.uv_path
            return
        home = pwd.getpwuid(os.geteuid()).pw_dir
        opt_dirs = [os.path.join(home, '.local', 'bin'), os.path.join(home, '.cargo', 'bin')]
        self._uv = self.module.get_bin_path('uv', opt_dirs=opt_dirs)
        if not self._uv:
            names = ', '.join(env.name for env in self.envs if (env.build or env.repair) and env.installer == 'uv')
            self._fail('uv is needed to build or repair %s (installer=uv) but was not found in PATH, ~/.local/bin or ~/.cargo/bin; '
                       'install it or set uv_path' % names)

    # ------------------------------------------------------------------ reporting

    @staticmethod
    def _result(env):
        present = env.state == 'present'
        return dict(
            name=env.name,
            path=env.path,
            real_path=env.real_path if present else None,
            fingerprint=env.fingerprint if present else None,
            changed=env.changed,
            rebuilt=env.build,
            repaired=env.repair,
            installed=dict(env.installed) if present else {},
            content_drift=dict((key, list(value)) for key, value in env.drift.items()),
        )

    def _diff(self, env):
        """The diff entries of env: its layout when that changes, its content when that differs."""
        entries = [self._layout_diff(env)] if env.changed_layout else []
        if env.repair:
            names = sorted(set(entry.split('==', 1)[0] for entry in env.drift['missing'] + env.drift['added'])
                           | set(item['name'] for item in env.drift['changed']))
            entries.append(dict(
                before_header='%s (installed distributions)' % env.path,
                after_header='%s (distributions recorded at build time)' % env.path,
                before=''.join('%s==%s\n' % (name, env.found[name]) for name in names if name in env.found),
                after=''.join('%s==%s\n' % (name, env.recorded[name]) for name in names if name in env.recorded),
            ))
        return entries

    def _layout_diff(self, env):
        before = ''
        if env.link is not None:
            if env.current is not None:
                before = self._describe(env.current.get('declaration'), env.link, *self._current_attributes(env.link))
            else:
                before = 'link -> %s\n' % env.link
        after = ''
        if env.state == 'present':
            declaration = env.declaration
            if declaration is None:
                declaration = dict(python='%s (does not exist yet)' % env.python, packages=env.packages,
                                   requirements=env.requirements, installer=env.installer, pip_args=env.pip_args,
                                   system_site_packages=env.system_site_packages, upgrade_pip=env.upgrade_pip)
                if env.constraints:
                    declaration['constraints'] = env.constraints
            after = self._describe(declaration, env.real_path, env.owner, env.group, env.mode_text)
        return dict(before_header=env.path, after_header=env.path, before=before, after=after)

    @staticmethod
    def _describe(declaration, real_path, owner, group, mode):
        text = dict(declaration=declaration, real_path=real_path, owner=owner, group=group, mode=mode)
        return json.dumps(text, indent=2, sort_keys=True) + '\n'

    @staticmethod
    def _current_attributes(path):
        try:
            st = os.lstat(path)
        except OSError:
            return None, None, None
        owner, group, mode = owner_group_mode(st)
        return owner, group, '%04o' % mode


def main():
    module = AnsibleModule(
        argument_spec=dict(
            envs=dict(
                type='list',
                elements='dict',
                required=True,
                options=dict(
                    name=dict(type='str', required=True),
                    path=dict(type='path', required=True),
                    python=dict(type='path', default='/usr/bin/python3'),
                    packages=dict(type='list', elements='str', default=[]),
                    requirements=dict(type='str', default=''),
                    constraints=dict(type='str', default=''),
                    installer=dict(type='str', choices=['pip', 'uv'], default='pip'),
                    pip_args=dict(type='list', elements='str', default=[]),
                    upgrade_pip=dict(type='bool', default=False),
                    system_site_packages=dict(type='bool', default=False),
                    state=dict(type='str', choices=['present', 'absent'], default='present'),
                    owner=dict(type='str', default='root'),
                    group=dict(type='str', default='root'),
                    mode=dict(type='str', default='0755'),
                ),
            ),
            uv_path=dict(type='str'),
            network_env=dict(type='path', default=SITE_NETWORK_ENV),
        ),
        supports_check_mode=True,
    )
    use_c_locale(module)
    module.exit_json(**PythonEnvs(module).run())


if __name__ == '__main__':
    main()
