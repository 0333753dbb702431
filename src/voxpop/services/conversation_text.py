"""A conversation's title (topic) and description in the reader's language.

The organiser writes the title and description once, in the conversation's default language (the
original; voxpop.services.translations.languages_of), and may give them again in any other language the
interface offers (voxpop.i18n.LANGUAGES). Every page and JSON answer that shows them shows the reader's
language when it was given, else the original, and says which language each text is in, so that pages can
mark text in another language than the page's with a `lang` attribute (WCAG 3.1.2). Title and description
fall back each on its own: a Welsh title with no Welsh description shows the original description.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Invalid
from voxpop.services.conversations import DESCRIPTION_MAX
from voxpop.services.text import clean_text
from voxpop.services.translations import languages_of
from voxpop.store import conversation_translations as store
from voxpop.store.models import TOPIC_MAX, Conversation

FIELDS = ("topic", "description")


@dataclass(frozen=True)
class ShownText:
    """What a reader is shown of a conversation, each text with the language it is in."""

    topic: str
    topic_language: str
    description: str
    description_language: str

    def as_dict(self) -> dict:
        return asdict(self)


def original_language(conv: Conversation) -> str:
    """The language the title and description were written in: the conversation's default language."""
    return languages_of(conv)[0]


def original(conv: Conversation) -> ShownText:
    lang = original_language(conv)
    return ShownText(conv.topic, lang, conv.description or "", lang)


def shown(conv: Conversation, given: dict[str, str] | None, reader: str) -> ShownText:
    """The title and description for a reader, from that reader's language's translation (or None)."""
    base = original(conv)
    if not given or reader == base.topic_language:
        return base
    topic, description = given.get("topic") or "", given.get("description") or ""
    return ShownText(topic or base.topic, reader if topic else base.topic_language,
                     description or base.description, reader if description else base.description_language)


def for_reader(s: Session, conv: Conversation, reader: str | None = None) -> ShownText:
    """The title and description in the reader's language (default: the current request's) when the
    organiser gave them, else the original (one small query, none when the reader reads the original)."""
    reader = reader or i18n.current()
    if reader == original_language(conv):
        return original(conv)
    return shown(conv, store.translation_in(s, conv.id, reader), reader)


def translations(s: Session, conv: Conversation) -> dict[str, dict[str, str]]:
    """{language: {"topic": ..., "description": ...}} as the organiser gave them ("" where not given)."""
    return store.translations_of(s, conv.id)


def languages_to_give(conv: Conversation) -> list[str]:
    """The interface languages a translation may be given in: every one but the original's."""
    own = original_language(conv)
    return [code for code in i18n.LANGUAGES if code != own]


def _language(conv: Conversation, value: object) -> str:
    code = value.strip().lower().replace("_", "-") if isinstance(value, str) else ""
    offered = ", ".join(f"{i18n.LANGUAGES[c].name} ({c})" for c in i18n.LANGUAGES)
    if code not in i18n.LANGUAGES:
        raise Invalid(i18n.lazy_gettext(
            "%(code)s is not a language voxpop's pages are offered in; give the title and description in one of "
            "these: %(offered)s", code=repr(value), offered=offered))
    if code == original_language(conv):
        raise Invalid(i18n.lazy_gettext(
            "%(language)s is the language the conversation was written in: change the title and description "
            "themselves instead", language=i18n.language_name(code)))
    return code


def clean(conv: Conversation, language: object, entry: object) -> tuple[str, dict[str, str]]:
    """A translation checked at the boundary: (language code, {"topic", "description"}), or Invalid saying
    what to fix (a language the interface offers, other than the original; the title one line of at most
    TOPIC_MAX characters and the description at most DESCRIPTION_MAX, like the originals; no control or
    bidirectional override characters)."""
    code = _language(conv, language)
    if not isinstance(entry, dict):
        raise Invalid(i18n.lazy_gettext("give each language's translation as an object with a topic and a "
                                        "description (either may be empty)"))
    unknown = sorted(set(entry) - set(FIELDS))
    if unknown:
        raise Invalid(i18n.lazy_gettext("unknown field(s) %(fields)s; a translation has a topic and a description",
                                        fields=", ".join(map(str, unknown))))
    name = i18n.language_name(code)
    topic = entry.get("topic")
    description = entry.get("description")
    return code, {
        "topic": clean_text("" if topic is None else topic, field=i18n._("title in %(language)s", language=name),
                            max_len=TOPIC_MAX, min_len=0, multiline=False),
        "description": clean_text("" if description is None else description,
                                  field=i18n._("description in %(language)s", language=name),
                                  max_len=DESCRIPTION_MAX, min_len=0),
    }


def set_translation(s: Session, conv: Conversation, language: str, *, topic: str = "",
                    description: str = "") -> dict[str, str]:
    """Give (or, with both empty, remove) the title and description in one language; returns what is stored."""
    stored = set_translations(s, conv, {language: {"topic": topic, "description": description}})
    return stored.get(_language(conv, language), {"topic": "", "description": ""})


def set_translations(s: Session, conv: Conversation, given: object) -> dict[str, dict[str, str]]:
    """Set several languages at once, {language: {"topic": ..., "description": ...}}: all are checked before
    any is stored (nothing changes when one is invalid). A language left out keeps what it has; a language
    given with both empty is removed. Returns every translation now stored."""
    if not isinstance(given, dict):
        raise Invalid(i18n.lazy_gettext("give translations as an object by language code, such as "
                                        "{\"cy\": {\"topic\": \"...\", \"description\": \"...\"}}"))
    checked = dict(clean(conv, language, entry) for language, entry in given.items())
    for code, entry in checked.items():
        store.put(s, conv.id, code, topic=entry["topic"], description=entry["description"])
    s.flush()
    return translations(s, conv)


def as_json(s: Session, conv: Conversation, reader: str | None = None) -> dict:
    """For the JSON twins: the original's language, every translation, and what this reader is shown."""
    given = translations(s, conv)
    reader = reader or i18n.current()
    return {"language": original_language(conv), "translations": given,
            "shown": shown(conv, given.get(reader), reader).as_dict()}
