"""A JupyterHub client for the Molecule tests: log in, start a user's server, run code in a kernel.

The hub's self-signed certificate names the host's inventory name and localhost, not its lab IP;
requests are sent to the IP and the certificate is checked against localhost.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from dataclasses import dataclass

import requests
import websocket


class _HostnameAdapter(requests.adapters.HTTPAdapter):
    """Verify the certificate against a given name while connecting to an IP address."""

    def __init__(self, hostname, **kwargs):
        self._hostname = hostname
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs['server_hostname'] = self._hostname
        super().init_poolmanager(*args, **kwargs)


@dataclass
class Hub:
    ip: str
    cert: str  # path of the hub's certificate, saved on the controller

    @classmethod
    def of(cls, host, tmp_dir) -> Hub:
        ip = host.check_output('hostname -I').split()[0]
        cert = tmp_dir / 'hub-cert.pem'
        cert.write_text(host.file('/etc/jupyterhub/tls-cert.pem').content_string)
        return cls(ip=ip, cert=str(cert))

    @property
    def url(self) -> str:
        return f'https://{self.ip}'

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would override verify
        session.verify = self.cert
        session.mount('https://', _HostnameAdapter('localhost'))
        return session

    def login(self, user: str, password: str) -> requests.Session:
        session = self.session()
        page = session.get(f'{self.url}/hub/login', timeout=30)
        page.raise_for_status()
        xsrf = session.cookies.get('_xsrf', path='/hub/') or session.cookies.get('_xsrf')
        session.post(f'{self.url}/hub/login', data={'username': user, 'password': password, '_xsrf': xsrf},
                     timeout=60, allow_redirects=True)
        return session

    def token(self, user: str, password: str) -> str:
        session = self.login(user, password)
        xsrf = session.cookies.get('_xsrf', path='/hub/') or session.cookies.get('_xsrf')
        token = session.post(f'{self.url}/hub/api/users/{user}/tokens', json={'note': 'molecule verify'},
                             headers={'X-XSRFToken': xsrf, 'Referer': f'{self.url}/hub/home'}, timeout=30)
        assert token.status_code in (200, 201), token.text
        return token.json()['token']

    def start_server(self, user: str, token: str, timeout: int = 180) -> None:
        headers = {'Authorization': f'token {token}'}
        api = self.session()
        start = api.post(f'{self.url}/hub/api/users/{user}/server', headers=headers, timeout=60)
        assert start.status_code in (201, 202, 400), start.text  # 400: already running
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = api.get(f'{self.url}/hub/api/users/{user}', headers=headers, timeout=30)
            if state.json().get('servers', {}).get('', {}).get('ready'):
                return
            time.sleep(2)
        raise AssertionError(f'the server of {user} did not become ready: {state.text}')

    def kernelspecs(self, user: str, token: str) -> dict:
        """The user's server's kernelspecs API: {'default': name, 'kernelspecs': {name: spec}}."""
        answer = self.session().get(f'{self.url}/user/{user}/api/kernelspecs',
                                    headers={'Authorization': f'token {token}'}, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def execute(self, user: str, token: str, code: str, kernel: str | None = 'datascience', timeout: int = 180) -> str:
        """Start a kernel in the user's server, run code in it and return what it printed.

        kernel None starts the server's default kernel, as a new notebook does.
        """
        with self.kernel(user, token, kernel) as run:
            return run(code, timeout)

    @contextlib.contextmanager
    def kernel(self, user: str, token: str, kernel: str | None = 'datascience'):
        """A kernel started in the user's server for the block: yields run(code, timeout=180), which returns what the
        code printed (an AssertionError with the traceback when it raised); the kernel is shut down at the end."""
        headers = {'Authorization': f'token {token}'}
        api = f'{self.url}/user/{user}/api'
        started = self.session().post(f'{api}/kernels', json={'name': kernel} if kernel else {}, headers=headers,
                                      timeout=60)
        started.raise_for_status()
        kernel_id = started.json()['id']
        try:
            yield lambda code, timeout=180: self._run(user, token, kernel_id, code, timeout)
        finally:
            self.session().delete(f'{api}/kernels/{kernel_id}', headers=headers, timeout=30)

    def _run(self, user: str, token: str, kernel_id: str, code: str, timeout: int) -> str:
        ws = websocket.create_connection(
            f'wss://{self.ip}/user/{user}/api/kernels/{kernel_id}/channels',
            header=[f'Authorization: token {token}'],
            sslopt={'ca_certs': self.cert, 'server_hostname': 'localhost'}, timeout=timeout)
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            'header': {'msg_id': msg_id, 'msg_type': 'execute_request', 'username': user,
                       'session': uuid.uuid4().hex, 'version': '5.3'},
            'parent_header': {}, 'metadata': {}, 'channel': 'shell',
            'content': {'code': code, 'silent': False, 'store_history': False, 'user_expressions': {},
                        'allow_stdin': False},
        }))
        out, deadline = [], time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                msg = json.loads(ws.recv())
                if msg.get('parent_header', {}).get('msg_id') != msg_id:
                    continue
                if msg['msg_type'] == 'stream':
                    out.append(msg['content']['text'])
                elif msg['msg_type'] == 'error':
                    raise AssertionError('\n'.join(msg['content']['traceback']))
                elif msg['msg_type'] == 'status' and msg['content']['execution_state'] == 'idle':
                    break
        finally:
            ws.close()
        return ''.join(out)
