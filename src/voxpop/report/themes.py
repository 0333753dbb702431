"""The `themes` section (docs/listening.md, schema voxpop.themes) normalised for drawing.

Defensive like view.py: unknown or missing keys give empty values, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voxpop import i18n
from voxpop.report.view import as_dict, as_list, count, key, num


def _s(v: Any) -> str:
    return "" if v is None else (v if isinstance(v, str) else str(v))


@dataclass
class Quote:
    text: str
    testimony: str
    claim: str
    source: str
    speaker: str
    place: str
    start: int | None
    end: int | None
    typical: str = ""

    @property
    def attribution(self) -> str:
        """"Jen, Cornwall": the speaker when named (not just the row id), then the place; "" for neither
        (the template says "a participant" in the reader's language)."""
        who = self.speaker if self.speaker and self.speaker != self.testimony else ""
        return ", ".join(x for x in (who, self.place) if x)

    @property
    def where(self) -> str:
        """Where exactly the quote is, for a tooltip: testimony, file and character span (in the reader's
        language: read while the page is drawn)."""
        if self.start is None:
            if self.source:
                return i18n.gettext("testimony %(id)s in %(file)s", id=self.testimony, file=self.source)
            return i18n.gettext("testimony %(id)s", id=self.testimony)
        span = {"id": self.testimony, "start": self.start, "end": self.end}
        if self.source:
            return i18n.gettext("testimony %(id)s in %(file)s, characters %(start)s–%(end)s", file=self.source, **span)
        return i18n.gettext("testimony %(id)s, characters %(start)s–%(end)s", **span)


@dataclass
class Cell:
    label: str
    n_claims: int | None
    n_speakers: int | None
    share: float | None
    suppressed: bool


@dataclass
class Candidate:
    id: str
    text: str
    trimmed: bool
    testimony: str
    source: str
    claim: str
    quote: str = ""
    n_testimonies: int = 1
    tidied: bool = False
    speaker: str = ""
    place: str = ""


@dataclass
class Theme:
    id: str
    label: str
    keywords: list[tuple[str, float | None]]
    size: int
    share: float | None
    n_testimonies: int | None
    n_speakers: int | None
    quotes: list[Quote] = field(default_factory=list)
    subthemes: list[Theme] = field(default_factory=list)
    by_place: list[Cell] = field(default_factory=list)
    by_attribute: dict[str, list[Cell]] = field(default_factory=dict)
    candidates: list[Candidate] = field(default_factory=list)
    language: str = ""
    sure: str = ""
    coherence: float | None = None
    margin: float | None = None

    @property
    def anchor(self) -> str:
        return "theme-" + "".join(c if c.isalnum() else "-" for c in self.id)


@dataclass
class ThemesView:
    themes: list[Theme]
    counts: dict[str, int]
    model: str
    min_speakers: int
    generated_at: str
    model_name: str = ""
    runtime: str = ""
    precision: str = ""
    languages: list[dict] = field(default_factory=list)
    other: dict = field(default_factory=dict)
    precomputed: bool = False

    @property
    def model_words(self) -> str:
        """Which model ran, in words."""
        if self.model == "minilm":
            how = f", run with {self.runtime} in {self.precision}" if self.runtime and self.precision else ""
            when = "; computed when this demo was packaged" if self.precomputed else ""
            return f"MiniLM sentence embeddings ({self.model_name or 'all-MiniLM-L6-v2'}{how}{when})"
        if self.model == "tfidf":
            return "TF-IDF word counts (the fallback when MiniLM is not installed; themes are rougher)"
        return self.model or "unknown"


def _opt_int(v: Any) -> int | None:
    x = num(v)
    return int(x) if x is not None else None


def _cell(d: Any, label_key: str, share_key: str) -> Cell:
    d = as_dict(d)
    label = d.get(label_key)
    suppressed = bool(d.get("suppressed"))
    return Cell(label="(no place given)" if label is None and label_key == "place" else _s(label),
                n_claims=None if suppressed else _opt_int(d.get("n_claims")),
                n_speakers=None if suppressed else _opt_int(d.get("n_speakers")),
                share=None if suppressed else num(d.get(share_key)), suppressed=suppressed)


def _theme(d: Any, depth: int = 0) -> Theme:
    d = as_dict(d)
    kws = []
    for kw in as_list(d.get("keywords")):
        if isinstance(kw, dict):
            kws.append((_s(kw.get("term")), num(kw.get("score"))))
        elif isinstance(kw, str):
            kws.append((kw, None))
    t = Theme(id=key(d.get("id")), label=_s(d.get("label")) or " · ".join(k for k, _ in kws[:3]) or "Theme",
              keywords=[k for k in kws if k[0]], size=count(d.get("size")), share=num(d.get("share")),
              n_testimonies=_opt_int(d.get("n_testimonies")), n_speakers=_opt_int(d.get("n_speakers")),
              language=_s(d.get("language_name") or d.get("language")), sure=_s(d.get("sure")),
              coherence=num(d.get("coherence")), margin=num(d.get("margin")))
    for q in as_list(d.get("quotes")):
        q = as_dict(q)
        if not q.get("text"):
            continue
        t.quotes.append(Quote(text=_s(q.get("text")), testimony=_s(q.get("testimony")), claim=_s(q.get("claim")),
                              source=_s(q.get("source")), speaker=_s(q.get("speaker")), place=_s(q.get("place")),
                              start=_opt_int(q.get("start")), end=_opt_int(q.get("end")),
                              typical=_s(q.get("typical"))))
    t.by_place = [_cell(c, "place", "share_of_place") for c in as_list(d.get("by_place"))]
    for attr, cells in as_dict(d.get("by_attribute")).items():
        t.by_attribute[_s(attr)] = [_cell(c, "value", "share_of_value") for c in as_list(cells)]
    for c in as_list(d.get("candidates")):
        c = as_dict(c)
        if c.get("text"):
            t.candidates.append(Candidate(id=_s(c.get("id")), text=_s(c.get("text")),
                                          trimmed=bool(c.get("trimmed")), testimony=_s(c.get("testimony")),
                                          source=_s(c.get("source")), claim=_s(c.get("claim")),
                                          quote=_s(c.get("quote")), n_testimonies=count(c.get("n_testimonies")) or 1,
                                          tidied=bool(c.get("tidied")), speaker=_s(c.get("speaker")),
                                          place=_s(c.get("place"))))
    if depth < 2:
        t.subthemes = [_theme(s, depth + 1) for s in as_list(d.get("subthemes")) if isinstance(s, dict)]
    return t


def build_themes(section: Any) -> ThemesView | None:
    if not isinstance(section, dict):
        return None
    meta = as_dict(section.get("meta"))
    emb = as_dict(meta.get("embedding"))
    themes = [_theme(t) for t in as_list(section.get("themes")) if isinstance(t, dict)]
    counts = {k: count(v) for k, v in as_dict(meta.get("counts")).items()}
    counts.setdefault("themes", len(themes))
    langs = [{"name": _s(x.get("name")), "testimonies": count(x.get("testimonies")), "themes": count(x.get("themes"))}
             for x in (as_dict(v) for v in as_list(meta.get("languages"))) if x.get("name")]
    other = as_dict(section.get("other"))
    return ThemesView(themes=themes, counts=counts, model=_s(emb.get("model")),
                      min_speakers=count(meta.get("small_cell_min_speakers")) or 5,
                      generated_at=_s(meta.get("generated_at")), model_name=_s(emb.get("name")).split("/")[-1],
                      runtime=_s(emb.get("runtime")), precision=_s(emb.get("precision")), languages=langs,
                      precomputed=bool(emb.get("precomputed")),
                      other={"size": count(other.get("size")),
                             "examples": [_s(as_dict(e).get("text")) for e in as_list(other.get("examples"))][:5]})
