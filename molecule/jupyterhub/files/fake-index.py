"""An internal Python index for the lab: logs who asks for what, and redirects to PyPI's simple index."""

import http.server
import sys


class Index(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        agent = self.headers.get('User-Agent', '').split('/')[0].split(' ')[0]
        print(f'{agent} {self.path}', flush=True)
        self.send_response(302)
        self.send_header('Location', 'https://pypi.org' + self.path)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Index).serve_forever()
