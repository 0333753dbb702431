"""Theme names without stop-word fragments, languages kept apart, chatter as "other", stand-alone candidates."""

from __future__ import annotations

import re

import numpy as np
import pytest

from voxpop.listen.candidates import refusal, tidy, word_count
from voxpop.listen.keywords import FRAGMENTS, is_stop, label_for, label_of, name_groups, phrases, stop_words
from voxpop.listen.language import detect
from voxpop.listen.run import listen

_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def _is_fragment_or_stop(term: str) -> bool:
    words = _WORDS.findall(term.lower())
    return not words or words[0] in FRAGMENTS or words[-1] in FRAGMENTS or is_stop(words[0]) or is_stop(words[-1])


def _names(section):
    for t in section["themes"]:
        for block in [t, *t["subthemes"]]:
            yield block["label"], [k["term"] for k in block["keywords"]]


def test_contractions_never_become_fragments():
    texts = ["I don't think buses aren't late", "Buses don't come and trains aren't better",
             "We don't have buses", "Trains aren't running, buses don't either", "Rents are high"]
    ph = phrases(texts, ["en"] * len(texts))
    assert not any(_is_fragment_or_stop(s) for s in ph.surface), [s for s in ph.surface if _is_fragment_or_stop(s)]
    assert {"don", "aren", "t", "dont"} <= stop_words()
    names = name_groups(ph, [np.array([0, 1, 2, 3]), np.array([4])])
    assert names[0] and names[0][0][0] in ("buses", "trains")
    assert label_of([("buses", 1.0), ("trains", 0.9)]) == "Buses and trains"
    assert label_of([("minimum wage", 1.0), ("tax", 0.9)]) == "Minimum wage"
    assert label_of([]) == "(no distinctive words)"


def test_lemmas_merge_forms_and_the_name_is_a_phrase_people_use():
    texts = ["The minimum wage should rise.", "Minimum wages hurt small shops.", "A higher minimum wage helps.",
             "Raise the minimum wage now.", "Parks need trees.", "Our parks are dirty.", "More trees in parks."]
    ph = phrases(texts, ["en"] * len(texts))
    names = name_groups(ph, [np.arange(4), np.arange(4, 7)])
    assert names[0][0][0] == "minimum wage"
    assert names[1][0][0] in ("parks", "park")


def test_language_is_detected_per_testimony_and_rare_guesses_fold_into_the_corpus_languages():
    en = ["The buses are always late in the morning.", "Rents keep going up and wages do not.",
          "good idea", "We need more trees in the park.", "The council never answers letters.",
          "Schools need more teachers.", "ok"]
    de = ["Die Busse kommen jeden Morgen zu spät.", "Die Mieten steigen und die Löhne nicht.",
          "Wir brauchen mehr Bäume im Park.", "Die Gemeinde beantwortet keine Briefe.",
          "Die Schulen brauchen mehr Lehrer."]
    langs, order = detect(en + de + ["12345"])
    assert set(order) == {"en", "de"} and langs[-1] == "und"
    assert langs[:2] == ["en", "en"] and langs[7:12] == ["de"] * 5


def test_written_varieties_of_one_language_are_one_language():
    """Cantonese written in Chinese characters is themed with Chinese: py3langid tells them apart only by a few
    particles, so one conversation's comments were once split into a "Chinese" and a "Cantonese" theme."""
    zh = ["乘客的安全最重要。", "政府應該先訂好規則再開放。", "計程車司機的收入會減少。", "保險制度需要修改。",
          "平台應該負起責任。", "我們需要更多的公共運輸。"]
    yue = ["我哋支持呢個政策。", "佢話唔想再等。", "Uber 應該要合法化，佢哋服務好好。"]
    en = ["The buses are always late in the morning.", "Rents keep going up and wages do not."] * 3
    langs, order = detect(zh + yue + en)
    assert langs[:9] == ["zh"] * 9 and set(order) == {"zh", "en"}


def test_a_corpus_in_two_languages_is_themed_within_each_never_by_language(tmp_path):
    rows = ["id,text"]
    topics_en = ["The buses are late every single morning on my route.", "Rents in this town are far too high for us."]
    topics_de = ["Die Busse sind jeden Morgen auf meiner Strecke zu spät.", "Die Mieten in dieser Stadt sind viel zu hoch."]
    for i in range(12):
        for j, t in enumerate(topics_en + topics_de):
            rows.append(f"t{i}-{j},\"{t} Number {i} says so.\"")
    rows += ["x1,test", "x2,I agree", "x3,Hello!"]
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    sec = listen([path], model="tfidf")
    langs = {m["code"]: m for m in sec["meta"]["languages"]}
    assert set(langs) == {"en", "de"}
    assert all(t["language"] in ("en", "de") for t in sec["themes"])
    for th in sec["themes"]:  # a theme holds one language only
        assert {tt["language"] for tt in sec["testimonies"] if tt["id"] in th["testimonies"]} == {th["language"]}
    other = set(sec["other"]["claims"])
    assert {"x1:0", "x2:0", "x3:0"} <= other
    assert all(c["theme"] is None for c in sec["claims"] if c["id"] in other)


@pytest.mark.parametrize("text", [
    "Then they wonder why kids hang about on corners.",
    "They should fix the roads before they build anything else.",
    "It is the most important thing the council could do now.",
    "And the buses never come on time in the mornings here.",
    "But nobody listens to what the older people on the estate say.",
    "This is why we need a proper bus service in the valley.",
    "buses are late every single morning on my route to work",
    "Why are the buses late every single morning on my route?",
    "Buses are late; trains are cancelled and nobody tells us anything.",
    "Buses are late.",
    "The buses are late every single morning on my route, and",
    " ".join(["word"] * 30).capitalize() + ".",
    "Klimaschädliche Produkte müssen aus den Supermarkt-Regalen verschwinden,  bzw.",
])
def test_sentences_that_do_not_stand_alone_are_refused(text):
    assert refusal(text, "en") is not None


@pytest.mark.parametrize("text", [
    "The buses are late every single morning on my route to work.",
    "Landlords should have to fix damp within a month of being told",
    "A Universal Basic Income will be necessary to protect people from insecure work.",
])
def test_stand_alone_sentences_pass_and_get_a_full_stop(text):
    assert refusal(text, "en") is None
    out, edits = tidy(text)
    assert out.endswith(".") and (edits == [] if text.endswith(".") else edits == ["added a full stop"])


def test_every_candidate_stands_alone_and_no_name_is_a_fragment(pooled_tfidf):
    _, _, sec = pooled_tfidf
    langs = {t["id"]: t["language"] for t in sec["testimonies"]}
    n = 0
    for t in sec["themes"]:
        for block in [t, *t["subthemes"]]:
            for c in block["candidates"]:
                assert refusal(c["text"], langs[c["testimony"]]) is None, c["text"]
                assert (8 <= word_count(c["text"]) <= 25) or re.search(r"[\u4e00-\u9fff]", c["text"])
                n += 1
    assert n > 20
    texts = [c["text"].lower() for t in sec["themes"] for c in t["candidates"]]
    assert len(texts) == len(set(texts))
    for label, keywords in _names(sec):
        assert label == "(no distinctive words)" and not keywords or not _is_fragment_or_stop(label), label
        for k in keywords:
            assert not _is_fragment_or_stop(k), (label, k)


def test_quality_in_numbers_and_words(pooled_tfidf):
    _, _, sec = pooled_tfidf
    for t in sec["themes"]:
        assert 0 < t["coherence"] <= 1
        assert t["sure"].split(":")[0] in ("clear", "fairly clear", "loose", "mixed")
        for q in t["quotes"]:
            assert 0 < q["typicality"] <= 1 and "typical" in q["typical"]


def test_a_theme_far_less_coherent_than_its_siblings_is_called_mixed():
    """A bag of small topics that could not be cut apart must not read as "clear" because its centre
    happens to sit far from the others'; the rule is per language and needs three themes to compare."""
    from voxpop.listen.blocks import SURE_CLEAR, SURE_MIXED, mark_mixed

    blocks = [{"language": "en", "coherence": c, "sure": SURE_CLEAR} for c in (0.62, 0.58, 0.66, 0.30)]
    blocks += [{"language": "de", "coherence": c, "sure": SURE_CLEAR} for c in (0.60, 0.30)]
    mark_mixed(blocks, 0.75)
    assert [b["sure"] == SURE_MIXED for b in blocks] == [False, False, False, True, False, False]


WELSH = ["Mae'r bws i'r ysbyty ond yn rhedeg ddwywaith y dydd, felly dw i'n colli apwyntiadau.",
         "Mae'r stryd fawr wedi colli'r banc, swyddfa'r post a nawr y llyfrgell.",
         "Mae pobl ifanc yn gadael y cwm achos does dim swyddi sy'n talu digon i rentu.",
         "Dw i eisiau i'm plant gael eu dysgu yn Gymraeg a Saesneg yn gyfartal.",
         "Mae taliadau'r fferm yn hwyr eto ac allwn ni ddim cynllunio ar gyfer y flwyddyn nesaf.",
         "Mae'r feddygfa heb apwyntiadau am dair wythnos."]


def test_welsh_stop_words_never_name_a_theme():
    ph = phrases(WELSH, ["cy"] * len(WELSH))
    assert {"dim", "yn", "dw", "mae", "mae'r", "sy'n", "wedi", "ddim"} & set(ph.surface) == set()
    assert all(is_stop(w) for w in ("dim", "yn", "dw", "mae'r", "ddim", "wedi", "gyda"))
    assert not any(is_stop(w) for w in ("apwyntiadau", "ysbyty", "fferm", "swyddi", "pan"))


def test_a_welsh_name_is_joined_in_welsh():
    assert label_of([("apwyntiadau", 1.0), ("ysbyty", 0.9)], "cy") == "Apwyntiadau ac ysbyty"
    assert label_of([("bysiau", 1.0), ("trenau", 0.9)], "cy") == "Bysiau a threnau"  # a + aspirate mutation
    assert label_of([("buses", 1.0), ("trains", 0.9)], "en") == "Buses and trains"


def test_a_name_keeps_the_capitals_people_write_mid_sentence():
    texts = ["Everything goes to London and nothing to us.", "London gets the money.", "The money stays in London.",
             "Rents keep rising.", "Our rents are too high.", "The NHS needs nurses.", "Waiting for the NHS."]
    ph = phrases(texts, ["en"] * len(texts))
    assert "London" in ph.surface and "london" not in ph.surface
    assert "NHS" in ph.surface
    assert "rents" in ph.surface and "Rents" not in ph.surface  # capital only because it starts a sentence


TESTIMONY = {  # what people said in four themes; the words said most in each are verbs and adverbs
    "closures": ["The library closed last spring.", "They closed the swimming pool too.", "Our bank closed in March.",
                 "The post office closed and nobody asked us.", "Half the shops have closed since the bank went."],
    "health": ["The hospital is miles away.", "I waited six weeks for a GP appointment.",
               "The nearest dentist is an hour away.", "We waited months for a hospital appointment.",
               "My appointment was moved again, forty miles away."],
    "vote": ["I voted to leave.", "We voted to remain.", "My whole family voted the same way.",
             "People voted for change.", "The vote split the town in two."],
    "housing": ["Rents have doubled in five years.", "I share a flat with three nurses.",
                "The rents here eat half my wage.", "Our flat is damp every winter."],
}


def _labels(texts_by_theme):
    texts = [t for ts in texts_by_theme.values() for t in ts]
    groups, at = [], 0
    for ts in texts_by_theme.values():
        groups.append(np.arange(at, at + len(ts)))
        at += len(ts)
    ph = phrases(texts, ["en"] * len(texts))
    names = name_groups(ph, groups)
    return dict(zip(texts_by_theme, (label_for(ph, g, kw) for g, kw in zip(groups, names, strict=True)),
                    strict=True)), ph


def test_a_theme_is_named_by_what_it_is_about_not_by_a_verb_or_an_adverb():
    """'Closed', 'Away and appointment', 'Voted' once named themes like these (the demo's read 'Closed', 'Away and
    appointments', 'Voted'): the words said most, but not what the theme is about."""
    labels, ph = _labels(TESTIMONY)
    words = {k: set(v.lower().split()) for k, v in labels.items()}
    assert not words["closures"] & {"closed", "close"}, labels
    assert words["closures"] & {"library", "bank", "swimming", "pool", "post", "office", "shops"}, labels
    assert not words["health"] & {"away", "waited"}, labels
    assert words["health"] & {"appointment", "hospital"}, labels
    assert labels["vote"] == "Vote", labels  # the noun form people also wrote, not "Voted"
    assert " and " not in labels["housing"], labels  # "rents" and "flat" are never said together
    nameable = dict(zip(ph.surface, ph.nameable, strict=True))
    assert not any(nameable.get(w) for w in ("away", "closed", "waited", "voted")), nameable


def test_two_words_are_joined_only_when_people_say_them_together():
    texts = ["The buses and trains are late.", "The buses never come.", "The trains are full.", "Our buses are old.",
             "Parks need trees.", "Our parks are dirty.", "More trees in the parks."]
    ph = phrases(texts, ["en"] * len(texts))
    groups = [np.arange(4), np.arange(4, 7)]
    names = name_groups(ph, groups)
    assert label_for(ph, groups[0], names[0]) == "Buses and trains"
