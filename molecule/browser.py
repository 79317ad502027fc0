"""Headless Chromium for the scenarios' browser tests: Debian's chromium (lab/host-deps.sh) driven by Playwright."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync']


def artifacts(scenario: str) -> Path:
    """Where a scenario keeps screenshots: .build/artifacts/<scenario>/, kept after its destroy (which removes the
    scenario's ephemeral directory)."""
    root = Path(os.environ.get('MOLECULE_PROJECT_DIRECTORY', tempfile.gettempdir()))
    path = root / '.build' / 'artifacts' / scenario
    path.mkdir(parents=True, exist_ok=True)
    return path


def hub_login(page, hub_url: str, user: str, password: str) -> None:
    """Log in on the hub's login page as a person does; returns once the hub has answered the form."""
    page.goto(f'{hub_url}/hub/login')
    page.fill('input[name=username]', user)
    page.fill('input[name=password]', password)
    with page.expect_navigation(timeout=120_000):
        page.click('input[type=submit], button[type=submit]')
