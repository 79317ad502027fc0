"""Clients for the virtual desktop tests: noVNC's websocket (wss) as a browser uses it, and RDP.

The desktop's certificate names the host's inventory name and localhost, not its lab IP: connections go
to the IP and the certificate is checked against the inventory name, with the host's certificate as the
only trust anchor.
"""

from __future__ import annotations

import socket
import ssl
import struct
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import browser
import websocket
from PIL import Image
from cryptography.hazmat.primitives.ciphers import Cipher, modes

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # cryptography < 43
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES

NOVNC_PORT = 6080
RDP_PORT = 3389
CERT = '/etc/virtual-desktop/tls/cert.pem'
SIZE = (1280, 800)  # virtual_desktop_geometry (molecule.yml)


def artifacts() -> Path:
    """This scenario's screenshots (browser.artifacts)."""
    return browser.artifacts('virtual_desktop')


@dataclass
class Desktop:
    ip: str
    name: str   # the inventory name, in the certificate
    cert: str   # the host's certificate, saved on the controller

    @classmethod
    def of(cls, host, hostname: str, tmp_dir: Path) -> Desktop:
        ip = host.check_output('hostname -I').split()[0]
        cert = tmp_dir / 'desktop-cert.pem'
        cert.write_text(host.file(CERT).content_string)
        return cls(ip=ip, name=hostname, cert=str(cert))

    def websocket(self, token: str) -> websocket.WebSocket:
        """The websocket noVNC opens: wss://<host>:6080/websockify?token=<user>, certificate verified."""
        return websocket.create_connection(
            f'wss://{self.ip}:{NOVNC_PORT}/websockify?token={token}', timeout=30, subprotocols=['binary'],
            sslopt={'ca_certs': self.cert, 'cert_reqs': ssl.CERT_REQUIRED, 'server_hostname': self.name})


class _WebsocketStream:
    """Reads exact byte counts from a binary websocket."""

    def __init__(self, ws: websocket.WebSocket):
        self.ws = ws
        self.buffer = b''

    def read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            opcode, data = self.ws.recv_data()
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                raise ConnectionError('the server closed the websocket')
            self.buffer += data
        chunk, self.buffer = self.buffer[:count], self.buffer[count:]
        return chunk

    def send(self, data: bytes) -> None:
        self.ws.send_binary(data)


def _vnc_response(password: str, challenge: bytes) -> bytes:
    """VNC authentication: DES of the challenge, keyed by the password with each byte's bits reversed."""
    key = bytes(int(f'{b:08b}'[::-1], 2) for b in password.encode()[:8].ljust(8, b'\0'))
    encryptor = Cipher(TripleDES(key * 3), modes.ECB()).encryptor()  # noqa: S305 - the protocol's own
    return encryptor.update(challenge) + encryptor.finalize()


def _security_types(stream: _WebsocketStream) -> tuple[list[int], str]:
    """RFB 3.8's version exchange and the security types offered; with none, the reason given instead."""
    version = stream.read(12)
    assert version.startswith(b'RFB 003.'), version
    stream.send(b'RFB 003.008\n')
    count = stream.read(1)[0]
    if count == 0:
        return [], _reason(stream)
    return list(stream.read(count)), ''


def _reason(stream: _WebsocketStream) -> str:
    return stream.read(struct.unpack('>I', stream.read(4))[0]).decode(errors='replace')


def _server_name(stream: _WebsocketStream) -> str:
    """ClientInit (shared), then the desktop's name from ServerInit."""
    stream.send(b'\x01')
    header = stream.read(24)
    return stream.read(struct.unpack('>I', header[20:24])[0]).decode(errors='replace')


def vnc_login(desktop: Desktop, token: str, password: str) -> tuple[bool, str]:
    """RFB 3.8 over noVNC's websocket up to ServerInit. Returns (authenticated, desktop name or reason)."""
    ws = desktop.websocket(token)
    try:
        stream = _WebsocketStream(ws)
        types, reason = _security_types(stream)
        if not types:
            return False, reason
        assert 1 not in types, f'the server offers security type None: {types}'
        assert 2 in types, f'the server does not offer VNC authentication: {types}'
        stream.send(b'\x02')
        stream.send(_vnc_response(password, stream.read(16)))
        if struct.unpack('>I', stream.read(4))[0] != 0:
            return False, _reason(stream)
        return True, _server_name(stream)
    finally:
        ws.close()


class WebsocketBridge:
    """A local TCP port whose connections are carried over noVNC's websocket, for ordinary VNC clients."""

    def __init__(self, desktop: Desktop, token: str):
        self.desktop = desktop
        self.token = token
        self.server = socket.create_server(('127.0.0.1', 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            ws = self.desktop.websocket(self.token)
            threading.Thread(target=self._to_ws, args=(conn, ws), daemon=True).start()
            threading.Thread(target=self._from_ws, args=(conn, ws), daemon=True).start()

    @staticmethod
    def _to_ws(conn: socket.socket, ws: websocket.WebSocket) -> None:
        try:
            while data := conn.recv(65536):
                ws.send_binary(data)
        except OSError:
            pass
        finally:
            ws.close()

    @staticmethod
    def _from_ws(conn: socket.socket, ws: websocket.WebSocket) -> None:
        ws.settimeout(None)
        try:
            while True:
                opcode, data = ws.recv_data()
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    break
                conn.sendall(data)
        except (OSError, websocket.WebSocketException):
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.server.close()


def rdp_auth(desktop: Desktop, user: str, password: str) -> subprocess.CompletedProcess:
    """FreeRDP authenticates and disconnects (+auth-only), TLS only, trusting nothing but the host's certificate."""
    return subprocess.run(
        ['xfreerdp', '+auth-only', f'/v:{desktop.ip}:{RDP_PORT}', f'/u:{user}', f'/p:{password}', '/sec:tls',
         '/cert:ignore', '/log-level:INFO'],
        capture_output=True, text=True, timeout=120, check=False)


def looks_like_a_desktop(image: Image.Image) -> bool:
    """Not blank: many colours, and a panel (a top or bottom band unlike the middle of the screen)."""
    rgb = image.convert('RGB')
    colours = len(rgb.getcolors(maxcolors=1 << 20) or [])
    width, height = rgb.size
    top = rgb.crop((0, 0, width, 24)).getcolors(maxcolors=1 << 20) or []
    bottom = rgb.crop((0, height - 48, width, height)).getcolors(maxcolors=1 << 20) or []
    return colours > 50 and (len(top) > 5 or len(bottom) > 5)


def rfb_server_init(ws: websocket.WebSocket) -> tuple[list[int], str]:
    """RFB 3.8 up to ServerInit on a websocket that offers security None alone.

    Returns (the security types offered, the desktop's name); with no type offered, the name is the reason given.
    """
    stream = _WebsocketStream(ws)
    types, reason = _security_types(stream)
    if types != [1]:
        return types, reason
    stream.send(b'\x01')
    result = struct.unpack('>I', stream.read(4))[0]
    assert result == 0, f'SecurityResult {result} after security type None'
    return types, _server_name(stream)
