# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for reading the site network environment file on the host."""

from __future__ import annotations

from ansible_collections.mlops.hosts.plugins.module_utils._site_network import (
    apply_site_environment, read_site_environment)

FILE = """# Ansible managed
https_proxy='http://alice:S3cret@proxy:3128'
no_proxy='localhost,127.0.0.1,.example.org'
SSL_CERT_FILE="/etc/ssl/certs/ca-certificates.crt"
PLAIN=value
not a variable line
"""


def test_read(tmp_path):
    path = tmp_path / 'network.env'
    path.write_text(FILE)
    assert read_site_environment(str(path)) == {
        'https_proxy': 'http://alice:S3cret@proxy:3128', 'no_proxy': 'localhost,127.0.0.1,.example.org',
        'SSL_CERT_FILE': '/etc/ssl/certs/ca-certificates.crt', 'PLAIN': 'value'}


def test_missing_file_is_no_settings(tmp_path):
    assert read_site_environment(str(tmp_path / 'absent')) == {}


def test_apply_keeps_what_the_task_set(tmp_path):
    path = tmp_path / 'network.env'
    path.write_text(FILE)
    environ = {'https_proxy': 'http://task-proxy:8080'}
    added = apply_site_environment(str(path), environ)
    assert environ['https_proxy'] == 'http://task-proxy:8080'
    assert environ['PLAIN'] == 'value'
    assert 'https_proxy' not in added and 'no_proxy' in added
