# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pick the PyTorch wheel build (cpu, cu118, cu124, ...) that matches a host's NVIDIA driver."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

_TAG = re.compile(r'^cu([0-9]+)([0-9])$')
_CUDA = re.compile(r'^([0-9]+)\.([0-9]+)$')


def _tag_version(tag):
    """cu118 -> (11, 8), cu121 -> (12, 1), cu130 -> (13, 0): the last digit is the minor version."""
    match = _TAG.match(tag)
    return (int(match.group(1)), int(match.group(2))) if match else None


def pytorch_wheel_tag(requested, cuda_version=None, tags=()):
    """The wheel tag to install PyTorch from.

    requested: 'auto', 'cpu' or a tag such as 'cu121' (returned as given).
    cuda_version: the highest CUDA version the driver supports ('12.4', from nvidia-smi), or None/'' without
    a working NVIDIA driver.
    tags: the CUDA tags PyTorch publishes wheels for. 'auto' picks the newest one not newer than the driver's
    CUDA version (a driver runs programs built for its CUDA version and older ones), 'cpu' when none fits.
    """
    if not isinstance(requested, str) or not (requested in ('auto', 'cpu') or _TAG.match(requested)):
        raise AnsibleFilterError(f'pytorch_wheel_tag: the build must be auto, cpu or a CUDA tag such as cu121, got {requested!r}')
    if requested != 'auto':
        return requested
    if cuda_version in (None, ''):
        return 'cpu'
    match = _CUDA.match(str(cuda_version))
    if not match:
        raise AnsibleFilterError(f'pytorch_wheel_tag: the CUDA version must be major.minor such as 12.4, got {cuda_version!r}')
    driver = (int(match.group(1)), int(match.group(2)))
    if not isinstance(tags, (list, tuple)) or any(not isinstance(tag, str) or _tag_version(tag) is None for tag in tags):
        raise AnsibleFilterError(f'pytorch_wheel_tag: the tags must be CUDA tags such as cu121, got {tags!r}')
    usable = [(_tag_version(tag), tag) for tag in tags if _tag_version(tag) <= driver]
    return max(usable)[1] if usable else 'cpu'


class FilterModule:
    def filters(self):
        return {'pytorch_wheel_tag': pytorch_wheel_tag}
