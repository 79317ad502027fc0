# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for mlops.hosts.download against a local HTTP server and a local fake proxy."""

from __future__ import annotations

import hashlib
import http.server
import os
import threading

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.parameters import remove_values
from ansible_collections.mlops.hosts.plugins.modules import download

from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import (
    GROUP, USER, ExitJson, run_in_mode, run_module)

BODY = b'key material\n' * 100
SHA256 = hashlib.sha256(BODY).hexdigest()


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):  # noqa: N802
        self.seen.append((self.requestline, self.headers.get('Proxy-Authorization')))
        if self.server.is_proxy:
            self.send_response(502)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header('Content-Length', str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


@pytest.fixture(name='server')
def _server():
    servers = []

    def start(is_proxy=False):
        server = http.server.HTTPServer(('127.0.0.1', 0), _Recorder)
        server.is_proxy = is_proxy
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    _Recorder.seen = []
    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture(autouse=True)
def _no_proxy_from_the_test_environment(monkeypatch):
    for name in ('http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'):
        monkeypatch.delenv(name, raising=False)


def _args(url, dest, tmp_path, **kwargs):
    return dict(url=url, dest=str(dest), owner=USER, group=GROUP, network_env=str(tmp_path / 'none.env'), **kwargs)


def test_downloads_once_then_no_change(server, tmp_path):
    web = server()
    dest = tmp_path / 'key.asc'
    url = 'http://127.0.0.1:%d/key.asc' % web.server_port

    first = run_module(download, _args(url, dest, tmp_path, checksum='sha256:' + SHA256))
    second = run_module(download, _args(url, dest, tmp_path, checksum='sha256:' + SHA256))

    assert first['changed'] and first['downloaded'] and dest.read_bytes() == BODY
    assert first['changed_resources'] == [{'kind': 'file', 'name': str(dest), 'summary': 'downloaded'}]
    assert not second['changed'] and not second['downloaded'] and second['changed_resources'] == []
    assert len(_Recorder.seen) == 1


def test_wrong_checksum_fails_and_leaves_dest(server, tmp_path):
    web = server()
    dest = tmp_path / 'key.asc'
    dest.write_bytes(b'old')
    url = 'http://127.0.0.1:%d/key.asc' % web.server_port

    result = run_module(download, _args(url, dest, tmp_path, checksum='sha256:' + '0' * 64), fails=True)

    assert 'not the expected' in result['msg']
    assert dest.read_bytes() == b'old'
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith('.download-')] == []


def test_check_mode_reports_without_downloading(server, tmp_path):
    web = server()
    dest = tmp_path / 'key.asc'
    url = 'http://127.0.0.1:%d/key.asc' % web.server_port

    result = run_in_mode(download, _args(url, dest, tmp_path), check_mode=True)

    assert result['changed'] and not dest.exists() and _Recorder.seen == []


def test_proxy_and_its_login_come_from_the_site_file_and_are_masked(server, tmp_path):
    proxy = server(is_proxy=True)
    env = tmp_path / 'network.env'
    env.write_text("http_proxy='http://alice:S3cret-Example@127.0.0.1:%d'\nno_proxy='localhost'\n" % proxy.server_port)
    dest = tmp_path / 'key.asc'
    args = dict(_args('http://downloads.example.org/key.asc', dest, tmp_path), network_env=str(env))

    result = run_module(download, args, fails=True)

    assert _Recorder.seen[0][0] == 'GET http://downloads.example.org/key.asc HTTP/1.1'
    assert _Recorder.seen[0][1] is not None and _Recorder.seen[0][1].startswith('Basic ')
    assert 'S3cret-Example' not in repr(result)
    assert not dest.exists()
    os.environ.pop('http_proxy', None)
    os.environ.pop('no_proxy', None)


def test_a_no_proxy_host_is_reached_directly(server, tmp_path):
    web = server()
    env = tmp_path / 'network.env'
    env.write_text("http_proxy='http://127.0.0.1:9'\nno_proxy='127.0.0.1'\n")
    dest = tmp_path / 'key.asc'
    args = dict(_args('http://127.0.0.1:%d/key.asc' % web.server_port, dest, tmp_path), network_env=str(env))

    result = run_module(download, args)

    assert result['changed'] and result['proxy'] == '' and dest.read_bytes() == BODY
    os.environ.pop('http_proxy', None)
    os.environ.pop('no_proxy', None)


def test_bad_checksum_format_is_refused(tmp_path):
    result = run_module(download, _args('http://x/y', tmp_path / 'y', tmp_path, checksum='sha256'), fails=True)
    assert "checksum: 'sha256'" in result['msg']


def test_a_password_in_the_url_is_masked_in_the_invocation(server, tmp_path, monkeypatch):
    web = server()
    dest = tmp_path / 'npm.tgz'
    url = 'http://reader:Mirror-S3cret@127.0.0.1:%d/npm.tgz' % web.server_port

    def exit_with_invocation(module, **kwargs):
        # As AnsibleModule._return_formatted does: the arguments join the result, then no_log values are masked.
        kwargs['invocation'] = {'module_args': module.params}
        raise ExitJson(remove_values(kwargs, module.no_log_values))

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_with_invocation)
    result = run_module(download, _args(url, dest, tmp_path))

    assert result['changed'] and dest.read_bytes() == BODY
    assert 'Mirror-S3cret' not in repr(result) and 'reader' in result['invocation']['module_args']['url']
