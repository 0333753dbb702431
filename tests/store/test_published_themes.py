"""Publishing listening themes (services.theme_publishing, store.published_themes) on SQLite and PostgreSQL:
publishing pins one run, a later run stays off the results page until it is published too, withdrawing takes
the themes off, and the errors say what to do."""

from __future__ import annotations

import pytest

from voxpop.errors import Conflict, NotFound
from voxpop.places.io import read_places
from voxpop.places.layout import referendum_places_path
from voxpop.services import accounts, conversations, theme_places, theme_publishing
from voxpop.store.models import Conversation, PublishedThemes
from voxpop.store.places import replace_places
from voxpop.store.queries import add_artifact
from voxpop.web.api.listen import THEMES_KIND


def _section(label: str, n: int = 6) -> dict:
    """The parts of a themes section that themes by place reads: n people in Leeds speaking about `label`."""
    return {"schema": "voxpop.themes", "themes": [{"id": 0, "label": label}],
            "testimonies": [{"id": f"t{k}", "speaker": f"P{k}", "place": "Leeds", "claims": [f"t{k}:0"], "text": "."}
                            for k in range(n)],
            "claims": [{"id": f"t{k}:0", "testimony": f"t{k}", "theme": 0} for k in range(n)]}


def _run(db, cid: str, label: str) -> int:
    """One listening run's themes, stored as the worker stores them; its artifact id."""
    with db.write() as s:
        add_artifact(s, cid, THEMES_KIND, _section(label))
        s.flush()
        return theme_publishing.latest_artifact(s, cid)


def _top(s, cid: str, which: theme_places.Which = "published") -> str | None:
    tp = theme_places.theme_places(s, cid, which=which)
    if tp is None:
        return None
    return {r["name"]: r for r in tp.data["places"]}["Leeds"]["top"]["label"]


@pytest.fixture
def conv(db):
    import uuid

    with db.write() as s:
        org = accounts.create_organiser(s, f"pub-{uuid.uuid4().hex[:8]}", "a-long-test-password")
        c = conversations.create_conversation(s, topic="Publishing themes", owner_id=org.id)
        replace_places(s, c.id, read_places(referendum_places_path(), "eu-referendum-2016"))
        return c.id, org.id


def test_nothing_to_publish_before_the_first_run(db, conv):
    cid, org = conv
    with db.write() as s:
        assert theme_publishing.state(s, cid).to_dict() == {"status": "no_themes", "published": None, "latest": None,
                                                            "newer_not_published": False}
        with pytest.raises(Conflict, match="no listening themes to publish yet"):
            theme_publishing.publish(s, cid, organiser_id=org)
        assert theme_publishing.withdraw(s, cid).status == "no_themes"  # nothing to withdraw is not an error


def test_publishing_pins_one_run_and_a_newer_run_waits(db, conv):
    cid, org = conv
    first = _run(db, cid, "Bus services")
    with db.read() as s:
        st = theme_publishing.state(s, cid)
        assert st.status == "not_published" and st.newer_not_published and st.latest.artifact_id == first
        assert _top(s, cid) is None  # the public sees nothing yet
        assert _top(s, cid, "latest") == "Bus services"  # the organisers do
    with db.write() as s:
        st = theme_publishing.publish(s, cid, organiser_id=org)
    assert st.status == "published" and not st.newer_not_published
    d = st.to_dict()
    assert d["published"]["artifact"] == first and d["published"]["by"].startswith("pub-")
    assert d["published"]["published_ms"] >= d["published"]["run_ms"]
    with db.read() as s:
        assert _top(s, cid) == "Bus services"
    second = _run(db, cid, "Rent and housing")  # a later listening run
    with db.read() as s:
        st = theme_publishing.state(s, cid)
        assert st.status == "newer_not_published" and st.latest.artifact_id == second
        assert st.published.run.artifact_id == first
        assert _top(s, cid) == "Bus services" and _top(s, cid, "latest") == "Rent and housing"
    with db.write() as s:
        assert theme_publishing.publish(s, cid, organiser_id=org).status == "published"
    with db.read() as s:
        assert _top(s, cid) == "Rent and housing"
    # an earlier run can be put back by its id (what the organiser checked)
    with db.write() as s:
        st = theme_publishing.publish(s, cid, organiser_id=org, artifact_id=first)
    assert st.status == "newer_not_published" and st.published.run.artifact_id == first
    with db.read() as s:
        assert _top(s, cid) == "Bus services"


def test_withdrawing_takes_them_off_and_keeps_the_themes(db, conv):
    cid, org = conv
    art = _run(db, cid, "Bus services")
    with db.write() as s:
        theme_publishing.publish(s, cid, organiser_id=org)
    with db.write() as s:
        st = theme_publishing.withdraw(s, cid)
    assert st.status == "not_published" and st.published is None and st.latest.artifact_id == art
    with db.read() as s:
        assert _top(s, cid) is None and _top(s, cid, "latest") == "Bus services"


def test_only_this_conversations_runs_can_be_published(db, conv):
    cid, org = conv
    _run(db, cid, "Bus services")
    with db.write() as s:
        other = conversations.create_conversation(s, topic="Another").id
    theirs = _run(db, other, "Libraries")
    with db.write() as s:
        with pytest.raises(NotFound, match=f"no listening themes with id {theirs}"):
            theme_publishing.publish(s, cid, organiser_id=org, artifact_id=theirs)
        assert theme_publishing.state(s, cid).published is None


def test_publishing_twice_keeps_one_row_and_the_row_goes_with_its_conversation(db, conv):
    cid, org = conv
    _run(db, cid, "Bus services")
    with db.write() as s:
        theme_publishing.publish(s, cid, organiser_id=org)
    with db.write() as s:
        theme_publishing.publish(s, cid, organiser_id=None)  # again (another organiser, an admin): one row
    with db.read() as s:
        rows = s.query(PublishedThemes).filter_by(conversation_id=cid).all()
        assert len(rows) == 1 and rows[0].organiser_id is None
    with db.write() as s:
        s.delete(s.get(Conversation, cid))
    with db.read() as s:
        assert s.query(PublishedThemes).filter_by(conversation_id=cid).count() == 0


def test_a_moved_conversation_keeps_which_run_is_published(db, conv, tmp_path):
    """voxpop export / import (docs/archive.md): the copy's published run is the copy of the published run,
    even when its artifact ids had to move."""
    from voxpop.store.archive import export_conversation, import_archive

    cid, org = conv
    first = _run(db, cid, "Bus services")
    _run(db, cid, "Rent and housing")
    with db.write() as s:
        theme_publishing.publish(s, cid, organiser_id=org, artifact_id=first)
    export_conversation(db, cid, tmp_path / "archive")
    copy = import_archive(db, tmp_path / "archive", as_copy=True).conversation_id
    with db.read() as s:
        st = theme_publishing.state(s, copy)
        assert st.status == "newer_not_published" and st.published.run.artifact_id != first
        assert st.published.by == theme_publishing.state(s, cid).published.by
        assert _top(s, copy) == "Bus services" and _top(s, copy, "latest") == "Rent and housing"
