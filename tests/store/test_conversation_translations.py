"""A conversation's title and description in other languages: migration 0011 on a database with data in it
(SQLite and PostgreSQL), the repository, the service's checks at the boundary, what a reader is shown, and
`voxpop export` / `voxpop import` carrying them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, inspect, select
from typer.testing import CliRunner

from voxpop import i18n
from voxpop.cli import _register, app
from voxpop.errors import Invalid
from voxpop.services import conversation_text as CT
from voxpop.services import conversations, statements, translations
from voxpop.store import conversation_translations as store
from voxpop.store.db import Database, current_revision, get_database, upgrade
from voxpop.store.models import Conversation, ConversationTranslation

_register()

TITLE_CY = "Beth ddylai ein tref ei wneud?"
DESC_CY = "Sgwrs brawf.\nAil linell."


def _conversation(db, topic="What should our town do?", description="A test conversation.") -> str:
    with db.write() as s:
        return conversations.create_conversation(s, topic=topic, description=description).id


# --- migration 0011 ----------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request, tmp_path) -> str:
    """An empty database of each kind (the shared test database is already at the head)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/old.db"
    from tests.support import pgtemp

    return pgtemp.create_database(request.getfixturevalue("pg_admin_url"), prefix="voxpop_mig0011")


def test_migration_0011_upgrades_a_0010_database_with_conversations_in_it(fresh_url):
    db = Database(fresh_url)
    try:
        upgrade(db, "0010_publish_themes")
        assert current_revision(db) == "0010_publish_themes"
        assert "conversation_translations" not in inspect(db.engine).get_table_names()
        with db.write() as s:  # a conversation as voxpop 0010 stored it, statements and a statement translation
            conv = conversations.create_conversation(s, topic="Before the upgrade", description="Kept as it is.")
            cid = conv.id
            statements.add_statements(s, cid, ["More buses to the villages.", "Keep the library open."])
            translations.set_languages(s, conv, ["en", "cy"])
            translations.set_translation(s, conv, 1, "cy", "Mwy o fysiau i’r pentrefi.")
        upgrade(db)
        assert current_revision(db) == "0011_conversation_translations"
        cols = {c["name"] for c in inspect(db.engine).get_columns("conversation_translations")}
        assert cols == {"conversation_id", "language", "topic", "description"}
        with db.write() as s:
            conv = s.get(Conversation, cid)
            assert (conv.topic, conv.description, conv.languages) == ("Before the upgrade", "Kept as it is.",
                                                                      ["en", "cy"])
            assert translations.translations_of(s, cid) == {1: {"cy": "Mwy o fysiau i’r pentrefi."}}
            assert CT.translations(s, conv) == {}  # nothing invented for existing conversations
            assert CT.for_reader(s, conv, "cy") == CT.ShownText("Before the upgrade", "en", "Kept as it is.", "en")
            CT.set_translation(s, conv, "cy", topic=TITLE_CY, description=DESC_CY)
        with db.read() as s:
            assert CT.for_reader(s, s.get(Conversation, cid), "cy").topic == TITLE_CY
        # deleting a conversation deletes its translations (the foreign key cascades on both backends)
        with db.write() as s:
            s.execute(delete(Conversation).where(Conversation.id == cid))
        with db.read() as s:
            assert s.scalars(select(ConversationTranslation)).all() == []
        # and back down: the table goes, nothing else does
        with db.write() as s:
            cid2 = conversations.create_conversation(s, topic="Still here").id
        from alembic import command

        from voxpop.store.db import alembic_config

        cfg = alembic_config(db)
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0010_publish_themes")
        assert "conversation_translations" not in inspect(db.engine).get_table_names()
        with db.read() as s:
            assert s.get(Conversation, cid2).topic == "Still here"
        upgrade(db)
        assert "conversation_translations" in inspect(db.engine).get_table_names()
    finally:
        db.dispose()


# --- the repository ----------------------------------------------------------------------------------------


def test_repository_puts_replaces_and_removes(db):
    cid = _conversation(db)
    with db.write() as s:
        store.put(s, cid, "cy", topic=TITLE_CY, description="")
        store.put(s, cid, "ar", topic="ماذا يجب أن تفعل مدينتنا؟", description="محادثة تجريبية.")
    with db.write() as s:
        assert store.translations_of(s, cid) == {
            "ar": {"topic": "ماذا يجب أن تفعل مدينتنا؟", "description": "محادثة تجريبية."},
            "cy": {"topic": TITLE_CY, "description": ""}}
        store.put(s, cid, "cy", topic=TITLE_CY, description=DESC_CY)  # replaced, not a second row
        store.put(s, cid, "ar", topic="", description="")  # both empty: removed
    with db.write() as s:
        assert store.translations_of(s, cid) == {"cy": {"topic": TITLE_CY, "description": DESC_CY}}
        assert store.translation_in(s, cid, "ar") is None
        assert store.remove_all(s, cid) == 1
        assert store.translations_of(s, cid) == {}


# --- the service: checks at the boundary -------------------------------------------------------------------


@pytest.mark.parametrize(("language", "entry", "says"), [
    ("fr", {"topic": "Que doit faire notre ville ?"}, "not a language voxpop's pages are offered in"),
    ("xx-nonsense", {"topic": "x"}, "English (en), Cymraeg (cy), العربية (ar)"),
    ("en", {"topic": "What should our town do?"}, "English is the language the conversation was written in"),
    ("cy", {"topic": "x" * 301}, "title in Welsh is 301 characters long; the limit is 300"),
    ("cy", {"description": "x" * 5001}, "description in Welsh is 5001 characters long; the limit is 5000"),
    ("cy", {"topic": "Dwy\nlinell"}, "title in Welsh must be a single line"),
    ("cy", {"topic": "Beth \u202eddylai\u202c ein tref ei wneud?"}, "bidirectional override characters"),
    ("ar", {"description": "\u2067نص\u2069"}, "description in Arabic contains bidirectional override"),
    ("cy", {"topic": "Beth\x00?"}, "control characters"),
    ("cy", {"topic": 7}, "title in Welsh must be text"),
    ("cy", {"title": TITLE_CY}, "unknown field(s) title"),
    ("cy", "just a string", "an object with a topic and a description"),
])
def test_invalid_translations_are_refused_with_what_to_fix_and_change_nothing(db, language, entry, says):
    cid = _conversation(db)
    with db.write() as s:
        CT.set_translation(s, s.get(Conversation, cid), "ar", topic="ماذا يجب أن تفعل مدينتنا؟")
    with pytest.raises(Invalid) as e, db.write() as s:
        # a valid language alongside: all are checked before any is stored
        CT.set_translations(s, s.get(Conversation, cid), {"cy": {"topic": TITLE_CY}, language: entry}
                            if language != "cy" else {"ar": {"topic": "x"}, "cy": entry})
    assert says in e.value.message
    with db.read() as s:
        assert CT.translations(s, s.get(Conversation, cid)) == {
            "ar": {"topic": "ماذا يجب أن تفعل مدينتنا؟", "description": ""}}


def test_messages_are_in_the_organisers_language(db):
    cid = _conversation(db)
    with i18n.use_locale("cy"):  # the message is put into words when it is read, in the reader's language
        with pytest.raises(Invalid) as e, db.write() as s:
            CT.set_translation(s, s.get(Conversation, cid), "ar", topic="x" * 301)
        message = e.value.message
        with pytest.raises(Invalid) as e, db.write() as s:
            CT.set_translation(s, s.get(Conversation, cid), "de", topic="x")
        other = e.value.message
    assert message == "mae’r teitl (Arabeg) yn 301 nod o hyd; y terfyn yw 300", message
    assert other.startswith("nid yw 'de' yn un o ieithoedd tudalennau voxpop"), other


def test_text_is_cleaned_like_the_original_title(db):
    cid = _conversation(db)
    with db.write() as s:
        conv = s.get(Conversation, cid)
        stored = CT.set_translation(s, conv, " CY ", topic="  Beth ddylai ein tref ei wneud?  ",
                                    description="Sgwrs\r\nbrawf.\u2029Diwedd.")
    assert stored == {"topic": TITLE_CY, "description": "Sgwrs\nbrawf.\nDiwedd."}


def test_languages_other_than_english_can_be_the_original(db):
    """A conversation written in Welsh (its default language) takes English and Arabic, not Welsh."""
    cid = _conversation(db, topic=TITLE_CY, description="Sgwrs brawf.")
    with db.write() as s:
        conv = s.get(Conversation, cid)
        translations.set_languages(s, conv, ["cy", "en"])
        assert CT.languages_to_give(conv) == ["en", "ar"]
        CT.set_translation(s, conv, "en", topic="What should our town do?")
        with pytest.raises(Invalid, match="Welsh is the language the conversation was written in"):
            CT.set_translation(s, conv, "cy", topic="Arall")
        assert CT.for_reader(s, conv, "cy") == CT.ShownText(TITLE_CY, "cy", "Sgwrs brawf.", "cy")
        assert CT.for_reader(s, conv, "en") == CT.ShownText("What should our town do?", "en", "Sgwrs brawf.", "cy")


# --- what readers are shown ----------------------------------------------------------------------------------


def test_each_reader_sees_their_language_else_the_original_field_by_field(db):
    cid = _conversation(db)
    with db.write() as s:
        conv = s.get(Conversation, cid)
        CT.set_translations(s, conv, {"cy": {"topic": TITLE_CY, "description": DESC_CY},
                                      "ar": {"topic": "ماذا يجب أن تفعل مدينتنا؟"}})  # no Arabic description
    with db.read() as s:
        conv = s.get(Conversation, cid)
        assert CT.for_reader(s, conv, "en") == CT.ShownText("What should our town do?", "en",
                                                            "A test conversation.", "en")
        assert CT.for_reader(s, conv, "cy") == CT.ShownText(TITLE_CY, "cy", DESC_CY, "cy")
        assert CT.for_reader(s, conv, "ar") == CT.ShownText("ماذا يجب أن تفعل مدينتنا؟", "ar",
                                                            "A test conversation.", "en")
        with i18n.use_locale("cy"):  # the request's language by default
            assert CT.for_reader(s, conv).topic == TITLE_CY
            doc = CT.as_json(s, conv)
        assert doc == {"language": "en", "translations": {
            "ar": {"topic": "ماذا يجب أن تفعل مدينتنا؟", "description": ""},
            "cy": {"topic": TITLE_CY, "description": DESC_CY}},
            "shown": {"topic": TITLE_CY, "topic_language": "cy", "description": DESC_CY,
                      "description_language": "cy"}}
    with db.write() as s:  # removing the Welsh: Welsh readers see the original again
        CT.set_translation(s, s.get(Conversation, cid), "cy")
    with db.read() as s:
        conv = s.get(Conversation, cid)
        assert CT.for_reader(s, conv, "cy") == CT.original(conv)
        assert set(CT.translations(s, conv)) == {"ar"}


# --- voxpop export / voxpop import ------------------------------------------------------------------------------


@pytest.fixture
def other_url(db_url, pg_url, tmp_path):
    """The other kind of database: SQLite -> PostgreSQL and PostgreSQL -> SQLite."""
    return pg_url if db_url.startswith("sqlite") else f"sqlite:///{tmp_path}/other.db"


def test_export_and_import_carry_the_translations_across_backends(db, db_url, other_url, tmp_path):
    cid = _conversation(db)
    with db.write() as s:
        CT.set_translations(s, s.get(Conversation, cid), {"cy": {"topic": TITLE_CY, "description": DESC_CY},
                                                          "ar": {"topic": "ماذا يجب أن تفعل مدينتنا؟"}})
    runner = CliRunner()
    r = runner.invoke(app, ["export", cid, str(tmp_path / "a"), "--database-url", db_url])
    assert r.exit_code == 0, r.output
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["tables"]["conversation_translations"]["rows"] == 2
    rows = [json.loads(line) for line in (tmp_path / "a" / "conversation_translations.jsonl").read_text().splitlines()]
    assert {r["language"]: r["topic"] for r in rows} == {"ar": "ماذا يجب أن تفعل مدينتنا؟", "cy": TITLE_CY}
    r = runner.invoke(app, ["import", str(tmp_path / "a"), "--database-url", other_url])
    assert r.exit_code == 0, r.output
    target = get_database(other_url)
    with target.read() as s:
        conv = s.get(Conversation, cid)
        assert CT.translations(s, conv) == {"ar": {"topic": "ماذا يجب أن تفعل مدينتنا؟", "description": ""},
                                            "cy": {"topic": TITLE_CY, "description": DESC_CY}}
        assert CT.for_reader(s, conv, "cy").description == DESC_CY
    # a copy into the same database keeps them under its new id, the original's untouched
    r = runner.invoke(app, ["import", str(tmp_path / "a"), "--as-copy", "--database-url", db_url])
    assert r.exit_code == 0, r.output
    with db.read() as s:
        copies = s.scalars(select(Conversation).where(Conversation.topic == "What should our town do? (copy)")).all()
        copy = next(c for c in copies if c.id != cid and store.translations_of(s, c.id))
        assert CT.for_reader(s, copy, "cy").topic == TITLE_CY
        assert store.translation_in(s, cid, "cy") == {"topic": TITLE_CY, "description": DESC_CY}


def test_an_archive_from_before_0011_imports_without_translations(db, tmp_path):
    cid = _conversation(db)
    from voxpop.store.archive import export_conversation, import_archive

    export_conversation(db, cid, tmp_path / "a")
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    del manifest["tables"]["conversation_translations"]  # as an older voxpop wrote it
    (tmp_path / "a" / "conversation_translations.jsonl").unlink()
    (tmp_path / "a" / "manifest.json").write_text(json.dumps(manifest))
    target = get_database(f"sqlite:///{tmp_path}/new.db")
    report = import_archive(target, tmp_path / "a")
    with target.read() as s:
        conv = s.get(Conversation, report.conversation_id)
        assert conv.topic == "What should our town do?" and CT.translations(s, conv) == {}
