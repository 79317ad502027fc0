"""mlops.hosts.passwd_entry: a user's entry in the text of /etc/passwd."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mlops.hosts.plugins.filter.passwd import passwd_entry

PASSWD = '''root:x:0:0:root:/root:/bin/bash
kafka-old:x:997:997:Old:/var/lib/kafka-old:/bin/sh
kafka:x:998:998:Apache Kafka:/var/lib/kafka:/usr/sbin/nologin
broken:x:12:12:only six:/nowhere
'''


def test_the_entry_of_the_named_user_only():
    assert passwd_entry(PASSWD, 'kafka') == {
        'name': 'kafka', 'password': 'x', 'uid': 998, 'gid': 998, 'comment': 'Apache Kafka',
        'home': '/var/lib/kafka', 'shell': '/usr/sbin/nologin'}
    assert passwd_entry(PASSWD, 'kafka-old')['home'] == '/var/lib/kafka-old'


@pytest.mark.parametrize('text, name', [(PASSWD, 'airflow'), (None, 'kafka'), ('', 'kafka'), (PASSWD, 'broken'),
                                        ('kafka:x:a:998:Apache Kafka:/var/lib/kafka:/usr/sbin/nologin', 'kafka'),
                                        (PASSWD, 'kafk')])
def test_missing_or_malformed_entries_are_empty(text, name):
    assert passwd_entry(text, name) == {}


@pytest.mark.parametrize('name', ['', 'a:b', 'a\nb', None, 7])
def test_bad_names_fail(name):
    with pytest.raises(AnsibleFilterError, match='user name'):
        passwd_entry(PASSWD, name)


def test_text_that_is_not_a_string_fails():
    with pytest.raises(AnsibleFilterError, match='text of /etc/passwd'):
        passwd_entry(['kafka'], 'kafka')
