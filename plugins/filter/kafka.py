# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Kafka UUIDs (cluster and directory IDs) as kafka-storage.sh prints them."""

from __future__ import annotations

import base64
import hashlib
import uuid

from ansible.errors import AnsibleFilterError


def kafka_uuid(seed=''):
    """A Kafka UUID: 16 bytes in URL-safe Base64 without padding, 22 characters.

    An empty seed gives a random one (uuid4); any other string always the same one (the first 16 bytes of its
    SHA-256). As Kafka's Uuid.randomUuid(), the result never starts with '-' (tools would read it as an option)
    and is never the reserved zero or one UUID: the first byte is masked below 0x80 and one bit of the last set.
    """
    if not isinstance(seed, str):
        raise AnsibleFilterError('kafka_uuid expects a string seed, got %s' % type(seed).__name__)
    raw = bytearray(uuid.uuid4().bytes if seed == '' else hashlib.sha256(seed.encode('utf-8')).digest()[:16])
    raw[0] &= 0x7F   # its Base64 then starts with A-Z or a-f, never '-' or '_'
    raw[15] |= 0x02  # never all zeros, and never the one UUID (0...01)
    return base64.urlsafe_b64encode(bytes(raw)).decode('ascii').rstrip('=')


class FilterModule:
    def filters(self):
        return {'kafka_uuid': kafka_uuid}
