"""Field work fixtures: the page tests' app, client and seeded conversation (tests/pages/conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pages"))

from tests.pages.conftest import app, client, seeded  # noqa: E402,F401
