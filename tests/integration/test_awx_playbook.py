"""awx/*.yml call the awx.awx modules as the installed collection defines them.

No AWX server runs here, so each task's arguments are checked against the argument spec each module
really passes to its module class (captured by running the module's main() with that class replaced):
every option exists, required options are given, literal values respect choices and types. Values
that are a single variable are resolved from awx/vars/defaults.yml and awx/vars/example.yml first.
The negative tests feed the checker broken copies of real tasks, so a misspelt option cannot pass.
"""

from __future__ import annotations

import copy
import json
import functools
import importlib
import os
import re
import subprocess
from pathlib import Path
from unittest import mock

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
AWX = ROOT / 'awx'
PLAYBOOKS = sorted(AWX.glob('*.yml'))
VARS_FILES = [AWX / 'vars' / 'defaults.yml', AWX / 'vars' / 'example.yml']
PREFIX = 'awx.awx.'
GROUP = 'group/awx.awx.controller'
_SINGLE_VAR = re.compile(r'^\{\{\s*(\w+)\s*\}\}$')
_TASK_LISTS = ('pre_tasks', 'tasks', 'post_tasks', 'handlers')


class _Captured(Exception):
    def __init__(self, kwargs):
        super().__init__('argument spec captured')
        self.kwargs = kwargs


@functools.cache
def module_spec(name: str) -> dict:
    """The argument_spec and constraints awx.awx.<name> hands to its module class, with the auth options."""
    module = importlib.import_module(f'ansible_collections.awx.awx.plugins.modules.{name}')
    from ansible_collections.awx.awx.plugins.module_utils.controller_api import ControllerModule

    def capture(*_args, **kwargs):
        raise _Captured(kwargs)

    kwargs: dict = {}
    with mock.patch.object(module, 'ControllerAPIModule', capture):
        try:
            module.main()
        except _Captured as captured:
            kwargs = captured.kwargs
    assert kwargs, f'awx.awx.{name} did not build a ControllerAPIModule'
    return {'options': {**kwargs['argument_spec'], **ControllerModule.AUTH_ARGSPEC},
            'mutually_exclusive': kwargs.get('mutually_exclusive') or [],
            'required_if': kwargs.get('required_if') or []}


def controller_group() -> list[str]:
    runtime = importlib.import_module('ansible_collections.awx.awx').__path__[0]
    data = yaml.safe_load(Path(runtime, 'meta', 'runtime.yml').read_text())
    return data['action_groups']['controller']


def known_vars() -> dict:
    found: dict = {}
    for path in VARS_FILES:
        found.update(yaml.safe_load(path.read_text()) or {})
    return found


def _resolve(value, variables: dict):
    if isinstance(value, str) and (match := _SINGLE_VAR.match(value)) and match.group(1) in variables:
        return variables[match.group(1)]
    return value


def _templated(value) -> bool:
    return isinstance(value, str) and ('{{' in value or '{%' in value)


def _type_ok(kind: str, value) -> bool:
    if _templated(value):
        return True
    return {
        'str': lambda v: isinstance(v, (str, int, float)) and not isinstance(v, bool),
        'path': lambda v: isinstance(v, str),
        'bool': lambda v: isinstance(v, bool) or str(v).lower() in ('yes', 'no', 'true', 'false', 'on', 'off', '1', '0'),
        'int': lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, str) and v.isdigit()),
        'float': lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        'dict': lambda v: isinstance(v, dict),
        'list': lambda v: isinstance(v, (list, str)),
        'raw': lambda v: True,
    }.get(kind, lambda v: True)(value)


def check_args(module: str, args: dict, defaults: dict | None = None, variables: dict | None = None,
               where: str = '') -> list[str]:
    """Every problem with calling awx.awx.<module> with args (plus module_defaults)."""
    spec = module_spec(module)
    options = spec['options']
    names = {alias: name for name, opt in options.items() for alias in [name, *opt.get('aliases', [])]}
    given = {**(defaults or {}), **args}
    where = where or f'awx.awx.{module}'
    errors = []
    canonical = {}
    for key, raw in given.items():
        if key not in names:
            errors.append(f'{where}: awx.awx.{module} has no option {key!r}')
            continue
        name = names[key]
        canonical[name] = raw
        opt = options[name]
        value = _resolve(raw, variables or {})
        if not _type_ok(opt.get('type', 'str'), value):
            errors.append(f'{where}: option {key!r} wants a {opt.get("type", "str")}, got {value!r}')
        if opt.get('choices') and not _templated(value) and value not in opt['choices']:
            errors.append(f'{where}: option {key!r} is {value!r}, not one of {opt["choices"]}')
        if opt.get('elements') == 'str' and isinstance(value, list):
            errors.extend(f'{where}: option {key!r} holds {item!r}, not a string'
                          for item in value if not isinstance(item, str))
    for name, opt in options.items():
        if opt.get('required') and name not in canonical:
            errors.append(f'{where}: awx.awx.{module} requires {name!r}')
    for group in spec['mutually_exclusive']:
        both = [name for name in group if name in canonical]
        if len(both) > 1:
            errors.append(f'{where}: options {both} are mutually exclusive')
    for rule in spec['required_if']:
        name, wanted, needed = rule[0], rule[1], rule[2]
        any_of = len(rule) > 3 and rule[3]
        if _resolve(canonical.get(name), variables or {}) == wanted:
            missing = [n for n in needed if n not in canonical]
            if missing and (not any_of or len(missing) == len(needed)):
                errors.append(f'{where}: {name}={wanted!r} requires {missing}')
    return errors


def _tasks(items):
    for task in items or []:
        for section in ('block', 'rescue', 'always'):
            yield from _tasks(task.get(section))
        if not any(section in task for section in ('block', 'rescue', 'always')):
            yield task


def awx_calls(playbook: Path):
    """(label, module, args, module_defaults) for every awx.awx task of the playbook."""
    for play in yaml.safe_load(playbook.read_text()):
        defaults = (play.get('module_defaults') or {}).get(GROUP, {})
        for section in _TASK_LISTS:
            for task in _tasks(play.get(section)):
                for key, args in task.items():
                    if key.startswith(PREFIX):
                        yield (f'{playbook.name}: {task.get("name", key)}', key[len(PREFIX):], args or {}, defaults)


def _all_calls():
    return [call for playbook in PLAYBOOKS for call in awx_calls(playbook)]


def test_there_are_awx_tasks_to_check():
    modules = {call[1] for call in _all_calls()}
    assert {'organization', 'project', 'inventory', 'inventory_source', 'job_template', 'schedule',
            'notification_template', 'credential', 'execution_environment'} <= modules


@pytest.mark.parametrize(('label', 'module', 'args', 'defaults'), _all_calls(), ids=lambda v: v if isinstance(v, str) else None)
def test_task_arguments_match_the_installed_module(label, module, args, defaults):
    assert check_args(module, args, defaults, known_vars(), label) == []


def test_module_defaults_only_set_options_every_controller_module_has():
    group = controller_group()
    for playbook in PLAYBOOKS:
        for play in yaml.safe_load(playbook.read_text()):
            keys = (play.get('module_defaults') or {}).get(GROUP, {})
            for module in {call[1] for call in awx_calls(playbook)}:
                assert module in group, f'awx.awx.{module} is not in the controller action group'
                options = module_spec(module)['options']
                assert set(keys) <= set(options), f'{playbook.name}: module_defaults not in awx.awx.{module}'


def test_check_template_runs_in_check_and_diff_mode_fails_on_drift_and_notifies():
    templates = {args['job_type']: args for _label, module, args, _defaults in _all_calls() if module == 'job_template'}
    check = templates['check']
    assert check['diff_mode'] is True
    assert check['extra_vars'] == {'mlops_fail_on_drift': True}
    for prompt in ('ask_limit_on_launch', 'ask_tags_on_launch', 'ask_variables_on_launch'):
        assert check[prompt] is True, prompt
    assert check['notification_templates_error']
    assert 'run' in templates


def test_schedules_start_at_a_utc_time():
    variables = known_vars()
    rrules = [_resolve(args['rrule'], variables) for _label, module, args, _defaults in _all_calls() if module == 'schedule']
    assert len(rrules) >= 2
    for rrule in rrules:
        assert re.match(r'^DTSTART:\d{8}T\d{6}Z RRULE:FREQ=\w+', rrule), rrule


# The checker itself: broken copies of real tasks must be reported.

def _real_call(module: str):
    return next((args, defaults) for _label, m, args, defaults in _all_calls() if m == module)


@pytest.mark.parametrize(('module', 'break_it', 'message'), [
    ('project', lambda a: a.update(scm_ulr=a.pop('scm_url')), "has no option 'scm_ulr'"),
    ('job_template', lambda a: a.update(job_type='enforce'), "'enforce', not one of"),
    ('job_template', lambda a: a.update(diff_mode='sometimes'), "wants a bool"),
    ('job_template', lambda a: a.update(extra_vars=['mlops_fail_on_drift']), "wants a dict"),
    ('schedule', lambda a: a.pop('name'), "requires 'name'"),
    ('inventory_source', lambda a: a.update(source='git'), "'git', not one of"),
], ids=['misspelt-option', 'bad-choice', 'bad-bool', 'list-for-dict', 'missing-required', 'bad-source'])
def test_checker_reports_a_broken_task(module, break_it, message):
    args, defaults = _real_call(module)
    broken = copy.deepcopy(args)
    break_it(broken)
    errors = check_args(module, broken, defaults, known_vars())
    assert any(message in error for error in errors), errors


def test_checker_reports_a_misspelt_module_default():
    args, defaults = _real_call('organization')
    errors = check_args('organization', args, {**defaults, 'controller_hostname': 'https://awx.example.com'})
    assert any("no option 'controller_hostname'" in error for error in errors), errors


def test_checker_resolves_variables_against_choices():
    args, defaults = _real_call('execution_environment')
    errors = check_args('execution_environment', args, defaults,
                        {**known_vars(), 'mlops_awx_execution_environment_pull': 'sometimes'})
    assert any("'sometimes', not one of" in error for error in errors), errors


# The playbook as ansible-playbook sees it.

def _playbook(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_INJECT_FACT_VARS='false')
    for name in ('CONTROLLER_HOST', 'CONTROLLER_OAUTH_TOKEN', 'TOWER_HOST', 'TOWER_OAUTH_TOKEN'):
        env.pop(name, None)
    return subprocess.run(['ansible-playbook', '-i', 'localhost,', str(AWX / 'configure.yml'), *args],
                          env=env, capture_output=True, text=True, check=False, cwd=ROOT, timeout=300)


def test_syntax_check():
    result = _playbook('--syntax-check', '-e', f'@{AWX / "vars" / "example.yml"}')
    assert result.returncode == 0, result.stdout + result.stderr


def test_missing_settings_are_refused_before_any_controller_call():
    result = _playbook()
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert 'mlops_awx_project_scm_url' in out
    assert 'TASK [Organization]' not in out


def test_controller_connection_comes_from_the_variables():
    result = _playbook('-e', f'@{AWX / "vars" / "example.yml"}',
                       '-e', 'controller_host=https://127.0.0.1:9 controller_oauthtoken=not-a-token')
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert 'TASK [Organization]' in out
    assert '127.0.0.1:9' in out
    assert 'not-a-token' not in out


# awx/run_local.py: the private data directory AWX would give the job, and a job on this machine.

def _run_local():
    import sys
    pytest.importorskip('ansible_runner', reason='ansible-runner is not installed (requirements-dev.txt)')
    sys.path.insert(0, str(AWX))
    import run_local  # pylint: disable=import-outside-toplevel
    return run_local


@pytest.mark.parametrize(('job_type', 'cmdline'), [('check', '--check --diff'), ('run', '--diff')])
def test_run_local_lays_out_the_private_data_directory(tmp_path, job_type, cmdline):
    run_local = _run_local()
    run_local.prepare(tmp_path, job_type=job_type, inventory=ROOT / 'inventories' / 'lab', ident='job1',
                      extra_vars={'mlops_fail_on_drift': True, 'report': '{artifact_dir}/drift'},
                      env={'MLOPS_X': '{artifact_dir}'}, limit='lab-gpu', containerized=True)
    envvars = json.loads((tmp_path / 'env' / 'envvars').read_text())
    assert envvars['ANSIBLE_HOST_KEY_CHECKING'] == 'True'
    assert envvars['MLOPS_X'] == '/runner/artifacts/job1'
    assert json.loads((tmp_path / 'env' / 'extravars').read_text()) == {
        'mlops_fail_on_drift': True, 'report': '/runner/artifacts/job1/drift'}
    assert (tmp_path / 'env' / 'cmdline').read_text().strip() == f'{cmdline} --limit lab-gpu'
    assert (tmp_path / 'inventory' / 'hosts.yml').is_file()
    assert (tmp_path / 'inventory' / 'group_vars').is_dir()
    assert (tmp_path / 'project' / 'playbooks' / 'site.yml').is_file()
    assert (tmp_path / 'project' / 'ansible.cfg').is_file()
    installed = tmp_path / 'project' / 'collections' / 'ansible_collections' / 'mlops' / 'hosts'
    assert (installed / 'roles' / 'base' / 'tasks' / 'main.yml').is_file()
    assert not (installed / 'tests').exists()


def test_run_local_runs_a_job_on_this_machine(tmp_path):
    run_local = _run_local()
    inventory = tmp_path / 'hosts.ini'
    inventory.write_text('localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n')
    result = run_local.run_job(job_type='check', inventory=inventory, playbook='playbooks/base.yml',
                               private_data_dir=tmp_path / 'pdd', image=None, tags='base_preflight',
                               host_key_checking=False, quiet=True)
    assert (result.status, result.rc) == ('successful', 0), result.stdout
    command = json.loads((result.artifact_dir / 'command').read_text())
    assert '--check' in command['command'] and command['env']['ANSIBLE_HOST_KEY_CHECKING'] == 'False'
    assert result.events[-1]['event'] == 'playbook_on_stats'
    assert 'PLAY RECAP' in result.stdout


def test_run_local_gives_a_job_in_the_ee_the_ssh_keys_and_the_lab_network_its_inventory_names(tmp_path, monkeypatch):
    run_local = _run_local()
    monkeypatch.delenv('LAB_SSH_DIR', raising=False)
    assert run_local.ssh_access(ROOT / 'inventories' / 'lab') == (['/var/lib/mlops-lab/ssh'], ['mlops-lab'])
    monkeypatch.setenv('LAB_SSH_DIR', str(tmp_path))
    assert run_local.ssh_access(ROOT / 'inventories' / 'lab') == ([str(tmp_path)], ['mlops-lab'])
    inventory = tmp_path / 'hosts.ini'
    inventory.write_text('db1 ansible_host=192.0.2.10 ansible_ssh_common_args="-o ProxyJump=bastion"\n'
                         'db2 ansible_host=192.0.2.11 ansible_private_key_file=/srv/keys/db.key\n'
                         'db3 ansible_host=192.0.2.12 ansible_ssh_private_key_file=/srv/keys/other.key\n')
    assert run_local.ssh_access(inventory) == (['/srv/keys'], [])
