#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: unix_groups
short_description: Manage several local groups and their members in one run
version_added: 0.8.0
author: mlops.hosts maintainers (@mlops-hosts)
description:
  - Creates and removes local groups and sets their supplementary members,
    for a whole list of groups in a single module execution.
  - Replaces a loop of M(ansible.builtin.group) plus M(ansible.builtin.user) per member,
    which costs one remote module execution per item.
  - The current state is read through the C(grp) and C(pwd) databases. All changes are
    computed and validated first (group names, duplicate entries, gid conflicts, missing
    users); nothing is changed when validation fails.
  - Changes are made with C(groupdel), C(groupadd), C(useradd) and C(gpasswd), run without
    a shell and with C(LC_ALL=C).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - One diff entry per changed group, showing whether it exists and its members.
  platform:
    platforms: posix
options:
  groups:
    description:
      - The groups to manage, processed as one batch.
      - A group name may appear only once.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the group.
          - Must match C(^[a-z_][a-z0-9_.-]*[$]?$) and be at most 32 characters long, as for Debian's
            C(groupadd) - so V(first.last) is accepted, a leading V(.) or V(-) is not.
        type: str
        required: true
      state:
        description:
          - Whether the group should exist.
          - V(absent) removes the group. A group that is the primary group of a user
            cannot be removed and makes the module fail before any change.
        type: str
        choices: [present, absent]
        default: present
      gid:
        description:
          - Group ID to use when the group is created.
          - When the group already exists with a different GID the module fails;
            existing groups are never renumbered.
          - Ignored when O(groups[].state=absent).
        type: int
      system:
        description:
          - Create the group as a system group (C(groupadd --system)).
          - Only used when the group is created.
        type: bool
        default: false
      members:
        description:
          - Users that should be supplementary members of the group (the member list of
            C(/etc/group)).
          - Every member must exist as a user unless O(create_missing_users=true).
          - With the default O(groups[].members_mode=exclusive), an empty list removes
            all supplementary members of an existing group.
          - Ignored when O(groups[].state=absent).
        type: list
        elements: str
        default: []
      members_mode:
        description:
          - V(exclusive) makes the supplementary members exactly O(groups[].members);
            members not listed are removed.
          - V(append) adds the listed members and keeps the others.
        type: str
        choices: [exclusive, append]
        default: exclusive
  create_missing_users:
    description:
      - Create members that do not exist as users, with
        C(useradd --create-home --shell /bin/bash --user-group NAME). Their names follow the rule of
        O(groups[].name) (V(alice.smith) is fine).
      - Existing users are never modified, and users are never removed.
      - When V(false), a member that does not exist makes the module fail before any
        change, in check mode too.
    type: bool
    default: false
notes:
  - Membership is the supplementary member list of C(/etc/group) (C(gr_mem)). A user whose
    primary group is the group is not listed there until it is added as a member.
  - Only local groups and users are managed, as C(groupadd) and C(gpasswd) only edit
    C(/etc/group) and C(/etc/gshadow).
  - Changes are applied in this order - removals, group creations, user creations,
    membership changes.
  - For a group created by this module, members are set with one
    C(gpasswd --members) call whatever O(groups[].members_mode) is.
requirements:
  - C(groupadd), C(groupdel), C(gpasswd) and, with O(create_missing_users=true),
    C(useradd) from the shadow utilities on the target.
seealso:
  - module: ansible.builtin.group
  - module: ansible.builtin.user
"""

EXAMPLES = r"""
- name: Data-science and admin groups with their members
  mlops.hosts.unix_groups:
    groups:
      - name: datascience
        gid: 2100
        members: [alice, bob]
      - name: mlops-admins
        members: [carol]

- name: Add the desktop users to vglusers, keeping the members it already has
  mlops.hosts.unix_groups:
    groups:
      - name: vglusers
        system: true
        members: "{{ desktop_users }}"
        members_mode: append

- name: Create missing member accounts and drop an old group
  mlops.hosts.unix_groups:
    create_missing_users: true
    groups:
      - name: datascience
        members: [alice, bob, dave]
      - name: legacy-hadoop
        state: absent
"""

RETURN = r"""
groups:
  description: State of each requested group after the run, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the group.
      type: str
      sample: datascience
    gid:
      description:
        - GID of the group after the run.
        - V(null) when the group is absent, or when it would be created in check mode
          without a requested O(groups[].gid).
      type: int
      sample: 2100
    members:
      description: Supplementary members after the run (empty for an absent group).
      type: list
      elements: str
      sample: [alice, bob]
    changed:
      description: Whether this group was (or in check mode would be) changed.
      type: bool
      sample: true
    created:
      description: Whether the group was (or would be) created.
      type: bool
      sample: false
    removed:
      description: Whether the group was (or would be) removed.
      type: bool
      sample: false
  sample:
    - name: datascience
      gid: 2100
      members: [alice, bob]
      changed: true
      created: true
      removed: false
created_users:
  description: Users that were (or in check mode would be) created because they were missing members.
  returned: always
  type: list
  elements: str
  sample: [dave]
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - One entry of kind V(group) per created, removed or changed group, and one of kind V(user) per created user.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What the resource is.
      type: str
    name:
      description: The group or user.
      type: str
    summary:
      description: A short description of the change. When absent, the diff describes it.
      type: str
      returned: when the module knows it without a diff
  sample: [{kind: group, name: datascience, summary: 'members: alice, bob'}]
"""

import grp
import pwd
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlops.hosts.plugins.module_utils._commands import C_LOCALE, use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource

# What Debian's useradd and groupadd accept without --badname: dots too (firstname.lastname), never first.
_NAME_RE = re.compile(r'^[a-z_][a-z0-9_.-]*[$]?$')
_NAME_MAX = 32
# Characters that cannot appear in a member name of /etc/group.
_MEMBER_FORBIDDEN = re.compile(r'[,:\s]')


def _valid_name(name):
    return bool(name) and len(name) <= _NAME_MAX and bool(_NAME_RE.match(name))


def _dedupe(items):
    seen = set()
    result = []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result


class UnixGroups:
    """Plan, validate and apply the changes for a list of local groups."""

    def __init__(self, module):
        self.module = module
        self.groups = module.params['groups']
        self.create_missing_users = module.params['create_missing_users']
        self._bins = {}
        self._ran_commands = False

    # Reads, kept small so unit tests can patch them.

    def _get_group(self, name):
        try:
            return grp.getgrnam(name)
        except KeyError:
            return None

    def _get_all_groups(self):
        return grp.getgrall()

    def _user_exists(self, name):
        try:
            pwd.getpwnam(name)
        except KeyError:
            return False
        return True

    def _get_all_users(self):
        return pwd.getpwall()

    # Planning and validation.

    def _plan(self):
        """Return (plans, users_to_create, errors) without changing anything."""
        errors = []
        plans = []
        seen = set()
        for item in self.groups:
            name = item['name']
            if not _valid_name(name):
                errors.append(
                    "invalid group name '%s': it must match %s and be at most %d characters"
                    % (name, _NAME_RE.pattern, _NAME_MAX))
                continue
            if name in seen:
                errors.append("group '%s' is listed more than once" % name)
                continue
            seen.add(name)
            plans.append(self._plan_group(item, errors))

        if errors:
            return plans, [], errors

        self._check_gids(plans, errors)
        self._check_removals(plans, errors)
        users_to_create = self._check_members(plans, seen, errors)
        return plans, users_to_create, errors

    def _plan_group(self, item, errors):
        name = item['name']
        current = self._get_group(name)
        plan = dict(
            name=name,
            exists=current is not None,
            gid_before=current.gr_gid if current else None,
            members_before=list(current.gr_mem) if current else [],
            create=False,
            remove=False,
            system=item['system'],
            gid=None,
            set_members=None,
            add_members=[],
        )

        if item['state'] == 'absent':
            plan['remove'] = plan['exists']
            plan['gid_after'] = None
            plan['members_after'] = []
            plan['wanted_members'] = []
            return plan

        members = _dedupe(item['members'])
        invalid = [m for m in members if not m or _MEMBER_FORBIDDEN.search(m)]
        for member in invalid:
            errors.append("invalid member name '%s' in group '%s'" % (member, name))
        plan['wanted_members'] = [m for m in members if m not in invalid]

        gid = item['gid']
        if gid is not None and gid < 0:
            errors.append("invalid gid %d for group '%s'" % (gid, name))

        if not plan['exists']:
            plan['create'] = True
            plan['gid'] = gid
            plan['gid_after'] = gid
            if members:
                plan['set_members'] = members
            plan['members_after'] = list(members)
            return plan

        if gid is not None and gid != plan['gid_before']:
            errors.append(
                "group '%s' exists with gid %d but gid %d was requested; unix_groups never renumbers groups"
                % (name, plan['gid_before'], gid))
        plan['gid_after'] = plan['gid_before']

        before = plan['members_before']
        if item['members_mode'] == 'exclusive':
            if set(before) != set(members):
                plan['set_members'] = members
                plan['members_after'] = list(members)
            else:
                plan['members_after'] = list(before)
        else:
            plan['add_members'] = [m for m in members if m not in before]
            plan['members_after'] = before + plan['add_members']
        return plan

    def _check_gids(self, plans, errors):
        wanted = [p for p in plans if p['create'] and p['gid'] is not None]
        if not wanted:
            return
        used = dict((g.gr_gid, g.gr_name) for g in self._get_all_groups())
        requested = {}
        for plan in wanted:
            gid = plan['gid']
            if gid in used:
                errors.append("gid %d requested for new group '%s' is already used by group '%s'"
                              % (gid, plan['name'], used[gid]))
            elif gid in requested:
                errors.append("gid %d is requested for both group '%s' and group '%s'"
                              % (gid, requested[gid], plan['name']))
            else:
                requested[gid] = plan['name']

    def _check_removals(self, plans, errors):
        removals = dict((p['gid_before'], p['name']) for p in plans if p['remove'])
        if not removals:
            return
        for user in self._get_all_users():
            if user.pw_gid in removals:
                errors.append("group '%s' cannot be removed: it is the primary group of user '%s'"
                              % (removals[user.pw_gid], user.pw_name))

    def _check_members(self, plans, declared_groups, errors):
        missing = {}
        for plan in plans:
            for member in plan['wanted_members']:
                if member in missing:
                    missing[member].append(plan['name'])
                elif not self._user_exists(member):
                    missing[member] = [plan['name']]

        if not missing:
            return []
        if not self.create_missing_users:
            for user, groups in missing.items():
                errors.append(
                    "user '%s' (member of group %s) does not exist; create it first or set create_missing_users=true"
                    % (user, ', '.join("'%s'" % g for g in groups)))
            return []

        for user in missing:
            if not _valid_name(user):
                errors.append("cannot create user '%s': the name must match %s and be at most %d characters"
                              % (user, _NAME_RE.pattern, _NAME_MAX))
            elif user in declared_groups or self._get_group(user) is not None:
                errors.append("cannot create user '%s' with its own group: a group with that name exists or is "
                              "declared in this task" % user)
        return list(missing)

    # Applying.

    def _bin(self, name):
        if name not in self._bins:
            self._bins[name] = self.module.get_bin_path(name, required=True)
        return self._bins[name]

    def _run(self, argv):
        rc, out, err = self.module.run_command(argv, check_rc=False, environ_update=C_LOCALE)
        if rc != 0:
            self.module.fail_json(
                msg="command failed: %s" % ' '.join(argv),
                cmd=argv, rc=rc, stdout=out, stderr=err, changed=self._ran_commands)
        self._ran_commands = True

    def _apply(self, plans, users_to_create):
        for plan in plans:
            if plan['remove']:
                self._run([self._bin('groupdel'), plan['name']])

        for plan in plans:
            if plan['create']:
                argv = [self._bin('groupadd')]
                if plan['gid'] is not None:
                    argv.extend(['--gid', str(plan['gid'])])
                if plan['system']:
                    argv.append('--system')
                argv.append(plan['name'])
                self._run(argv)

        for user in users_to_create:
            self._run([self._bin('useradd'), '--create-home', '--shell', '/bin/bash', '--user-group', user])

        for plan in plans:
            if plan['set_members'] is not None:
                self._run([self._bin('gpasswd'), '--members', ','.join(plan['set_members']), plan['name']])
            for user in plan['add_members']:
                self._run([self._bin('gpasswd'), '--add', user, plan['name']])

        for plan in plans:
            if plan['create'] and plan['gid_after'] is None:
                created = self._get_group(plan['name'])
                plan['gid_after'] = created.gr_gid if created else None

    # Reporting.

    @staticmethod
    def _group_changed(plan):
        return bool(plan['create'] or plan['remove'] or plan['set_members'] is not None or plan['add_members'])

    @staticmethod
    def _describe(exists, members):
        if not exists:
            return 'exists: no\n'
        return 'exists: yes\nmembers: %s\n' % ', '.join(members)

    def _diff(self, plan):
        exists_after = not plan['remove'] and (plan['exists'] or plan['create'])
        return dict(
            before_header='group %s' % plan['name'],
            after_header='group %s' % plan['name'],
            before=self._describe(plan['exists'], plan['members_before']),
            after=self._describe(exists_after, plan['members_after']),
        )

    def run(self):
        plans, users_to_create, errors = self._plan()
        if errors:
            self.module.fail_json(msg='; '.join(errors), errors=errors)

        changed_plans = [p for p in plans if self._group_changed(p)]
        changed = bool(changed_plans or users_to_create)

        if changed and not self.module.check_mode:
            self._apply(plans, users_to_create)

        result = dict(
            changed=changed,
            groups=[
                dict(
                    name=p['name'],
                    gid=p['gid_after'],
                    members=p['members_after'],
                    changed=self._group_changed(p),
                    created=p['create'],
                    removed=p['remove'],
                )
                for p in plans
            ],
            created_users=users_to_create,
        )
        result[RESULT_KEY] = ([resource('group', p['name'], 'created' if p['create'] else 'removed' if p['remove']
                                        else 'members: ' + ', '.join(p['members_after'] or []))
                               for p in changed_plans]
                              + [resource('user', user, 'created') for user in users_to_create])
        if self.module._diff:
            result['diff'] = [self._diff(p) for p in changed_plans]
        self.module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            groups=dict(
                type='list',
                elements='dict',
                required=True,
                options=dict(
                    name=dict(type='str', required=True),
                    state=dict(type='str', choices=['present', 'absent'], default='present'),
                    gid=dict(type='int'),
                    system=dict(type='bool', default=False),
                    members=dict(type='list', elements='str', default=[]),
                    members_mode=dict(type='str', choices=['exclusive', 'append'], default='exclusive'),
                ),
            ),
            create_missing_users=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    use_c_locale(module)
    UnixGroups(module).run()


if __name__ == '__main__':
    main()
