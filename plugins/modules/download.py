#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: download
short_description: Download a file through the site's proxy and CAs, read on the host
version_added: 0.8.0
author: mlops.hosts maintainers (@mlops-hosts)
description:
  - Downloads O(url) to O(dest) when O(dest) is missing, or when O(checksum) is given and O(dest) does not have it.
    The download goes to a temporary file that replaces O(dest) only after its checksum is verified.
  - The site's proxies (with their credentials), C(no_proxy) and CA bundle are read on the host from
    O(network_env), written by the P(mlops.hosts.base#role) role. M(ansible.builtin.get_url) takes proxies from
    the task's C(environment) keyword, which Ansible shows in clear text at C(-vvv) and which the controller
    would have to hold; that is why this module exists.
  - Credentials inside O(url) or the proxy URLs are masked in the module's messages and results.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Reports a change when O(dest) is missing or has another checksum; nothing is downloaded.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  url:
    description: HTTP, HTTPS or FTP URL of the file.
    type: str
    required: true
  dest:
    description: Absolute path of the file on the host. Its directory must exist.
    type: path
    required: true
  checksum:
    description:
      - Expected checksum as C(<algorithm>:<hex digest>), for example C(sha256:9f86d0...); algorithms are those of
        Python's C(hashlib) (C(sha256), C(sha512), ...).
      - With it, an O(dest) that has another checksum is downloaded again, and a download that does not have
        it fails the module and leaves O(dest) untouched. Without it, an existing O(dest) is kept as it is.
    type: str
    default: ''
  owner:
    description: User that owns O(dest).
    type: str
    default: root
  group:
    description: Group that owns O(dest).
    type: str
    default: root
  mode:
    description: Permissions of O(dest) as four octal digits, for example V(0644).
    type: str
    default: '0644'
  tmp_dest:
    description: Directory of the temporary file; the directory of O(dest) when empty.
    type: path
    default: ''
  timeout:
    description: Seconds to wait for the server (connect and each read).
    type: int
    default: 30
  network_env:
    description:
      - Environment file with the site's network and trust settings (C(NAME='value') lines), such as
        C(https_proxy), C(http_proxy), C(no_proxy) and C(SSL_CERT_FILE). A missing file means a direct connection and the system's
        CA bundle.
    type: path
    default: /etc/mlops/network.env
notes:
  - The owner, group and mode of an existing O(dest) are repaired without downloading it again.
seealso:
  - module: ansible.builtin.get_url
"""

EXAMPLES = r"""
- name: Download an Apache archive through the site's proxy and check its SHA-512
  mlops.hosts.download:
    url: https://archive.apache.org/dist/hadoop/common/hadoop-3.4.1/hadoop-3.4.1.tar.gz
    dest: /var/cache/mlops/hadoop-3.4.1.tar.gz
    checksum: "sha512:{{ hadoop_sha512 }}"

- name: Download a repository key
  mlops.hosts.download:
    url: https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/3bf863cc.pub
    dest: /usr/share/keyrings/cuda-archive-keyring.asc
"""

RETURN = r"""
dest:
  description: O(dest).
  returned: always
  type: str
checksum:
  description: The checksum of O(dest) after the run, in the algorithm of O(checksum) (sha256 without one).
  returned: when O(dest) exists after the run, outside check mode
  type: str
downloaded:
  description: Whether the file was (or in check mode would be) downloaded.
  returned: always
  type: bool
proxy:
  description: The proxy used for O(url), with its credentials masked; empty for a direct connection.
  returned: always
  type: str
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - One entry of kind V(file) when the file was (or would be) downloaded or its owner, group or mode set.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What the resource is.
      type: str
    name:
      description: O(dest).
      type: str
    summary:
      description: A short description of the change. When absent, the diff describes it.
      type: str
      returned: when the module knows it without a diff
  sample: [{kind: file, name: /opt/spark/spark-3.5.3-bin-hadoop3.tgz, summary: downloaded}]
"""

import hashlib
import os
import shutil
import tempfile
import urllib.request

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.urls import open_url
from ansible_collections.mlops.hosts.plugins.module_utils._fileattrs import (
    attributes_differ, parse_mode, resolve_owner, set_attributes)
from ansible_collections.mlops.hosts.plugins.module_utils._site_network import apply_site_environment
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource
from ansible_collections.mlops.hosts.plugins.module_utils._url_credentials import mask_url_credentials, url_secrets

_CHUNK = 1024 * 1024


def _digest(path, algorithm):
    hasher = hashlib.new(algorithm)
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b''):
            hasher.update(chunk)
    return hasher.hexdigest()


class Download:
    """Decides whether dest must be (re)downloaded, downloads it and sets its attributes."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.algorithm, self.expected = self._parse_checksum(self.params['checksum'])

    def _fail(self, msg, **kwargs):
        self.module.fail_json(msg=mask_url_credentials(msg), **kwargs)

    def _parse_checksum(self, checksum):
        if not checksum:
            return 'sha256', ''
        algorithm, sep, digest = checksum.partition(':')
        algorithm = algorithm.strip().lower()
        digest = digest.strip().lower()
        if not sep or algorithm not in hashlib.algorithms_available or not digest:
            self._fail("checksum: %r is not '<algorithm>:<hex digest>' with an algorithm of hashlib "
                       "such as sha256 or sha512" % checksum)
        return algorithm, digest

    def run(self):
        dest = self.params['dest']
        if not os.path.isabs(dest):
            self._fail('dest: %r must be an absolute path' % dest)
        apply_site_environment(self.params['network_env'])
        proxy = self._proxy_for(self.params['url'])
        mode = parse_mode(self.params['mode'], 'mode', self._fail)
        uid, gid = resolve_owner(self.params['owner'], self.params['group'], self.module.check_mode, self._fail)

        need = not os.path.isfile(dest) or (self.expected and _digest(dest, self.algorithm) != self.expected)
        result = dict(changed=False, dest=dest, downloaded=bool(need), proxy=mask_url_credentials(proxy))
        if need and not self.module.check_mode:
            self._download(dest)
        if need:
            result['changed'] = True
        if os.path.isfile(dest) and attributes_differ(os.stat(dest), uid, gid, mode):
            result['changed'] = True
            if not self.module.check_mode:
                set_attributes(dest, uid, gid, mode)
        if os.path.isfile(dest):
            result['checksum'] = _digest(dest, self.algorithm)
        result[RESULT_KEY] = [resource('file', dest, 'downloaded' if need else 'owner, group or mode')] if result['changed'] else []
        return result

    @staticmethod
    def _proxy_for(url):
        scheme = url.split(':', 1)[0].lower()
        host = urllib.request.urlparse(url).hostname or ''
        if urllib.request.proxy_bypass_environment(host):
            return ''
        return urllib.request.getproxies_environment().get(scheme, '')

    def _download(self, dest):
        directory = self.params['tmp_dest'] or os.path.dirname(dest)
        if not os.path.isdir(directory):
            self._fail('the directory %r for the download does not exist' % directory)
        handle, tmp = tempfile.mkstemp(prefix='.download-', dir=directory)
        try:
            hasher = hashlib.new(self.algorithm)
            try:
                response = open_url(self.params['url'], timeout=self.params['timeout'], use_proxy=True,
                                    validate_certs=True, follow_redirects='safe')
                with os.fdopen(handle, 'wb') as out:
                    handle = None
                    for chunk in iter(lambda: response.read(_CHUNK), b''):
                        hasher.update(chunk)
                        out.write(chunk)
            except Exception as exc:  # pylint: disable=broad-except
                self._fail('cannot download %s: %s' % (self.params['url'], to_native(exc)))
            if self.expected and hasher.hexdigest() != self.expected:
                self._fail('the download of %s has %s %s, not the expected %s; %s is left as it was'
                           % (self.params['url'], self.algorithm, hasher.hexdigest(), self.expected, dest))
            shutil.move(tmp, dest)
            tmp = None
        finally:
            if handle is not None:
                os.close(handle)
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type='str', required=True),
            dest=dict(type='path', required=True),
            checksum=dict(type='str', default=''),
            owner=dict(type='str', default='root'),
            group=dict(type='str', default='root'),
            mode=dict(type='str', default='0644'),
            tmp_dest=dict(type='path', default=''),
            timeout=dict(type='int', default=30),
            network_env=dict(type='path', default='/etc/mlops/network.env'),
        ),
        supports_check_mode=True,
    )
    # A password inside the URL (a mirror's login) is masked wherever Ansible shows the result, its arguments included.
    module.no_log_values.update(url_secrets([module.params['url']]))
    module.exit_json(**Download(module).run())


if __name__ == '__main__':
    main()
