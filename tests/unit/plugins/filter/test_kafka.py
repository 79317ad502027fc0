"""mlops.hosts.kafka_uuid: what kafka-storage.sh accepts as a cluster or directory ID."""

from __future__ import annotations

import base64

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mlops.hosts.plugins.filter.kafka import kafka_uuid


def _bytes(value):
    return base64.urlsafe_b64decode(value + '==')


def test_random_ids_differ_and_have_kafkas_shape():
    ids = {kafka_uuid('') for attempt in range(200)}
    assert len(ids) == 200
    for value in ids:
        assert len(value) == 22 and value[0] not in '-_'
        assert len(_bytes(value)) == 16


def test_seeded_ids_are_stable_and_distinct():
    assert kafka_uuid('cluster node 1') == kafka_uuid('cluster node 1')
    assert kafka_uuid('cluster node 1') != kafka_uuid('cluster node 2')


def test_never_reserved_nor_option_like():
    for seed in (str(i) for i in range(2000)):
        value = kafka_uuid(seed)
        raw = _bytes(value)
        assert value[0] not in '-_' and raw not in (bytes(16), bytes(15) + b'\x01'), seed


def test_refuses_non_strings():
    with pytest.raises(AnsibleFilterError, match='string seed'):
        kafka_uuid(5)
