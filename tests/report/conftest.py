"""Fixtures for the report tests; the document builders live in report_fixtures.py."""

from __future__ import annotations

import copy

import pytest
from report_fixtures import make_document, make_themes


@pytest.fixture
def document() -> dict:
    return make_document()


@pytest.fixture
def hostile_document() -> dict:
    doc = make_document(hostile=True)
    doc["themes"] = make_themes(hostile=True)
    return copy.deepcopy(doc)
