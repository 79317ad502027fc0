"""Version control in JupyterLab, used as a data scientist would: a notebook committed and diffed through the
JupyterLab Git extension's REST API (what its panel calls), and `git diff` in the user's terminal.

The scenario strips outputs on commit (jupyterhub_nbstripout_enabled) and gives alice a Git identity from the
inventory (jupyterhub_git_identities); prepare.yml wrote a setting of the site's own into /etc/gitconfig.
"""

from __future__ import annotations

import json

import pytest
from hubclient import Hub

USER, PASSWORD = 'alice', 'alice-password'
REPO = 'gitwork'


def _notebook(source: str, printed: str) -> dict:
    return {
        'cells': [{'cell_type': 'code', 'execution_count': 7, 'id': 'c0ffee01', 'metadata': {},
                   'outputs': [{'name': 'stdout', 'output_type': 'stream', 'text': [printed]}],
                   'source': [source]}],
        'metadata': {'kernelspec': {'display_name': 'Python 3 (data science)', 'language': 'python',
                                    'name': 'datascience'}},
        'nbformat': 4, 'nbformat_minor': 5,
    }


class Server:
    """alice's server: the Jupyter contents API and the Git extension's API, with her token."""

    def __init__(self, hub: Hub, token: str):
        self.hub, self.headers = hub, {'Authorization': f'token {token}'}
        self.base = f'{hub.url}/user/{USER}'

    def put(self, path: str, model: dict) -> None:
        answer = self.hub.session().put(f'{self.base}/api/contents/{path}', json=model, headers=self.headers,
                                        timeout=60)
        assert answer.status_code in (200, 201), answer.text

    def git(self, endpoint: str, body: dict | None = None, repo: str = REPO) -> dict:
        path = f'{repo}/{endpoint}' if repo else endpoint
        answer = self.hub.session().post(f'{self.base}/git/{path}', json=body or {}, headers=self.headers,
                                         timeout=120)
        assert answer.status_code in (200, 201), f'{endpoint}: {answer.status_code} {answer.text}'
        reply = answer.json()
        assert reply.get('code', 0) == 0, f'{endpoint}: {reply}'
        return reply


@pytest.fixture(scope='module')
def server(host, tmp_path_factory) -> Server:
    hub = Hub.of(host, tmp_path_factory.mktemp('hub'))
    token = hub.token(USER, PASSWORD)
    hub.start_server(USER, token)
    host.run(f'rm -rf ~{USER}/{REPO}')
    made = Server(hub, token)
    made.put(REPO, {'type': 'directory'})
    made.put(f'{REPO}/analysis.ipynb', {'type': 'notebook', 'format': 'json',
                                         'content': _notebook('print(6 * 7)', '42\n')})
    made.git('init')
    made.git('add', {'add_all': False, 'filename': 'analysis.ipynb'})
    made.git('commit', {'commit_msg': 'First analysis'})
    return made


def test_the_commit_carries_the_identity_from_the_inventory(server):
    log = server.git('log', {'history_count': 5})
    ours = [entry for entry in log['commits'] if entry['commit_msg'] == 'First analysis']
    assert len(ours) == 1, log
    assert ours[0]['author'] == 'Alice Liddell'
    # What the Git panel reads before it lets a user commit: no prompt for a name and an email.
    options = server.git('config')['options']
    assert options.get('user.name') == 'Alice Liddell' and options.get('user.email') == 'alice@example.org', options


def test_the_committed_notebook_has_no_outputs_but_the_working_copy_keeps_them(server, host):
    committed = server.git('content', {'filename': 'analysis.ipynb', 'reference': {'git': 'HEAD'}})['content']
    cell = json.loads(committed)['cells'][0]
    assert cell['source'] in ('print(6 * 7)', ['print(6 * 7)'])
    assert cell['outputs'] == [] and cell['execution_count'] is None
    working = json.loads(host.file(f'/home/{USER}/{REPO}/analysis.ipynb').content_string)
    assert working['cells'][0]['outputs'][0]['text'] in ('42\n', ['42\n'])


def test_a_changed_notebook_is_diffed_by_cell_in_the_ui_and_in_git_diff(server, host):
    server.put(f'{REPO}/analysis.ipynb', {'type': 'notebook', 'format': 'json',
                                          'content': _notebook('print(6 * 9)', '54\n')})
    # The Git panel's notebook diff: nbdime on the server, HEAD against the working copy.
    previous = server.git('content', {'filename': 'analysis.ipynb', 'reference': {'git': 'HEAD'}})['content']
    current = server.git('content', {'filename': 'analysis.ipynb', 'reference': {'special': 'WORKING'}})['content']
    diff = server.hub.session().post(f'{server.base}/git/diffnotebook', headers=server.headers, timeout=60,
                                     json={'previousContent': previous, 'currentContent': current})
    assert diff.status_code == 200, diff.text
    cell = diff.json()['diff'][0]['diff'][0]['diff']  # cells, cell 0
    source = [change for change in cell if change['key'] == 'source']
    assert source and '"valuelist": "9"' in json.dumps(source), cell  # 7 became 9, character by character

    # git diff in alice's terminal: nbdime's driver from /etc/gitconfig, on the working copy as it would be
    # committed (outputs stripped), so the one change shown is the cell's source.
    shown = host.run(f"su - {USER} -c 'cd {REPO} && git diff --no-color'")
    assert shown.rc == 0, shown.stderr
    assert '## modified /cells/0/source:' in shown.stdout, shown.stdout
    assert '-  print(6 * 7)' in shown.stdout and '+  print(6 * 9)' in shown.stdout
    assert 'outputs' not in shown.stdout and 'execution_count' not in shown.stdout, shown.stdout


def test_the_sites_own_git_settings_are_kept_beside_the_roles_block(host):
    config = host.file('/etc/gitconfig').content_string
    assert '[core]\n  pager = less -R\n' in config  # written by prepare.yml, the site's
    assert config.count('# BEGIN mlops.hosts jupyterhub') == 1 and config.count('# END mlops.hosts jupyterhub') == 1
    attributes = host.run(f"su - {USER} -c 'cd {REPO} && git check-attr diff merge filter -- analysis.ipynb'")
    assert attributes.stdout.split('\n')[:3] == ['analysis.ipynb: diff: jupyternotebook',
                                                 'analysis.ipynb: merge: jupyternotebook',
                                                 'analysis.ipynb: filter: nbstripout'], attributes.stdout
