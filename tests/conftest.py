"""Test-wide settings. In CI (CI=true) Hypothesis runs derandomized, so a
green run on a clean clone is repeatable; locally it explores new examples."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
