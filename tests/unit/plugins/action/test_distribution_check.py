# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for distribution_check's refusal text and its choice of a distribution vars file."""

from __future__ import annotations

from ansible_collections.mlops.hosts.plugins.action.distribution_check import supported_text, vars_file


def test_supported_text_names_each_distribution_and_its_versions():
    assert supported_text({'Debian': ['11', '12', 13], 'Ubuntu': ['24.04']}) == 'Debian 11, 12, 13; Ubuntu 24.04'


def test_vars_file_is_the_most_specific_present(tmp_path):
    assert vars_file(str(tmp_path), 'Debian', '12') == ''
    (tmp_path / 'default.yml').write_text('{}')
    assert vars_file(str(tmp_path), 'Debian', '12') == str(tmp_path / 'default.yml')
    (tmp_path / 'Debian.yml').write_text('{}')
    assert vars_file(str(tmp_path), 'Debian', '12') == str(tmp_path / 'Debian.yml')
    (tmp_path / 'Debian_12.yml').write_text('{}')
    assert vars_file(str(tmp_path), 'Debian', '12') == str(tmp_path / 'Debian_12.yml')
    assert vars_file(str(tmp_path), 'Debian', '13') == str(tmp_path / 'Debian.yml')
    (tmp_path / 'Debian_11.yml').mkdir()
    assert vars_file(str(tmp_path), 'Debian', '11') == str(tmp_path / 'Debian.yml')
