"""Check that every role's argument spec matches its defaults.

For each role with a meta/argument_specs.yml: the options of the `main` entry point and the keys
of defaults/main.yml must be the same set, and each option's `default` must equal the value in
defaults/main.yml. An internal role (name starting with `_`, such as _common) is used through its other
entry points: there the options of all entry points together are checked against defaults/main.yml,
an option shared by two entry points must be declared alike, and each entry point needs a description.
Roles without defaults are covered too.

The mlops.hosts roles include an internal role's entry points with rolespec_validate: false (a task fewer per role
and host on every run): each such include_role may only pass, in its vars, options its entry point declares, and
must name an entry point that exists.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def check_role(role: Path) -> list[str]:
    errors = []
    spec_file = role / 'meta' / 'argument_specs.yml'
    defaults_file = role / 'defaults' / 'main.yml'
    if not spec_file.exists():
        return [f'{role.name}: meta/argument_specs.yml is missing']
    specs = (yaml.safe_load(spec_file.read_text()) or {}).get('argument_specs', {})
    if role.name.startswith('_'):
        options, errors = _internal_options(role.name, specs)
    else:
        options = (specs.get('main') or {}).get('options') or {}
    defaults = yaml.safe_load(defaults_file.read_text()) if defaults_file.exists() else {}
    defaults = defaults or {}
    for name in sorted(set(defaults) - set(options)):
        errors.append(f'{role.name}: {name} is in defaults/main.yml but not in the argument spec')
    for name in sorted(set(options) - set(defaults)):
        if not options[name].get('required'):
            errors.append(f'{role.name}: {name} is in the argument spec but not in defaults/main.yml')
    for name in sorted(set(options) & set(defaults)):
        spec = options[name]
        if 'default' not in spec:
            # A default computed by Jinja is no value of the option's type: the description says it instead.
            if not (isinstance(defaults[name], str) and '{{' in defaults[name] and spec.get('type', 'str') != 'str'):
                errors.append(f'{role.name}: {name} has no default in the argument spec')
        elif spec['default'] != defaults[name]:
            errors.append(
                f'{role.name}: {name} defaults to {defaults[name]!r} in defaults/main.yml '
                f'but {spec["default"]!r} in the argument spec'
            )
        if not spec.get('description'):
            errors.append(f'{role.name}: {name} has no description')
    # An internal role's options keep its leading underscore (_common_tls_cert): they are not for users.
    for name in options:
        if not name.startswith(role.name + '_'):
            errors.append(f'{role.name}: option {name} does not start with the role name')
    return errors


def _internal_options(name: str, specs: dict) -> tuple[dict, list[str]]:
    """The options of every entry point of an internal role, and the problems of its entry points."""
    options, errors = {}, []
    for entry, spec in specs.items():
        spec = spec or {}
        if not spec.get('short_description') or not spec.get('description'):
            errors.append(f'{name}: entry point {entry} needs a short_description and a description')
        for option, option_spec in (spec.get('options') or {}).items():
            if option in options and options[option] != option_spec:
                errors.append(f'{name}: option {option} is declared differently by two entry points')
            options[option] = option_spec
    return options, errors


def _tasks(node):
    """Every task mapping in a parsed tasks file, blocks included."""
    if isinstance(node, list):
        for item in node:
            yield from _tasks(item)
    elif isinstance(node, dict):
        yield node
        for key in ('block', 'rescue', 'always'):
            yield from _tasks(node.get(key))


def check_internal_includes(roles: list[Path]) -> list[str]:
    """The include_role tasks of internal roles pass only the options their entry points declare."""
    internal = {f'mlops.hosts.{r.name}': (yaml.safe_load((r / 'meta' / 'argument_specs.yml').read_text()) or {})
                .get('argument_specs', {}) for r in roles if r.name.startswith('_')}
    errors = []
    for path in sorted([*ROOT.glob('roles/*/tasks/*.yml'), *ROOT.glob('playbooks/*.yml')]):
        for task in _tasks(yaml.safe_load(path.read_text())):
            include = task.get('ansible.builtin.include_role') or task.get('ansible.builtin.import_role')
            if not isinstance(include, dict) or include.get('name') not in internal:
                continue
            where = f'{path.relative_to(ROOT)}: {task.get("name", include["name"])}'
            entry = include.get('tasks_from', 'main').removesuffix('.yml')
            if entry not in internal[include['name']]:
                errors.append(f'{where}: {include["name"]} has no entry point {entry}')
                continue
            declared = (internal[include['name']][entry] or {}).get('options') or {}
            errors.extend(f'{where}: {var} is not an option of {include["name"]}\'s {entry} entry point'
                          for var in sorted(task.get('vars') or {})
                          if var.startswith('_' + include['name'].rsplit('._', 1)[1] + '_') and var not in declared)
    return errors


def main() -> int:
    roles = sorted(p for p in (ROOT / 'roles').iterdir() if p.is_dir())
    errors = [e for role in roles for e in check_role(role)] + check_internal_includes(roles)
    for error in errors:
        print(error)
    print(f'argument specs: {len(roles)} roles checked, {len(errors)} problems')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
