"""Theme names: short phrases from a theme's own sentences, ranked for coverage and distinctiveness.

Every sentence is cut into words (contractions such as "don't" stay whole, so no "don" fragment can
appear), each word lemmatised with simplemma in its testimony's language. Candidate phrases are
1-3-word runs that neither start nor end with a stop word. A phrase's score in a theme is
`coverage * log(1 + lift)`: coverage is the share of the theme's sentences that use it, lift how much
more often than in the sibling themes together. The names are then picked by maximal marginal
relevance (MMR) so that they are not near-synonyms: over MiniLM embeddings of the phrases when the
model ran (relevance also counts closeness to the theme's centroid), over shared lemmas otherwise.
The first pick, the name, is a phrase that reads as a noun where there is one (`_evidence`: no "Closed",
"Away", "Voted"), and `label_for` joins a second word only when people say the two together.
See docs/listening.md "Theme names".
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from scipy.sparse import csr_matrix

from voxpop.listen.embed import _CJK

WORD = re.compile(rf"[^\W\d_{_CJK}]+(?:['’][^\W\d_{_CJK}]+)*|[{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")

# scikit-learn's English list plus these; stop-words' own English list is too broad ("work", "home")
STOP_LANGUAGES = ("german", "french", "spanish", "italian", "dutch", "portuguese", "chinese")
KEEP = {"car"}  # French "car" (= because) is an English content word
# Welsh (the stop-words package has none): articles, prepositions, pronouns, the forms of "bod" (to be) and
# the particles that start most spoken sentences ("Mae'r", "Dw i'n", "does dim"). Not "pan" (when): an English
# content word, and the list is shared by every language.
WELSH = frozenset("""
a ac ag am ar at gan gyda gydag heb i o dros drwy trwy wrth yn y yr 'r 'n 'i 'w 'm 'th
mae maen oedd oes roedd roeddwn roedden bod fod bydd byddai fydd fyddai sy sydd sy'n yw ydy ydi ydw ydyn ydych
dw dwi rwy rydw rydyn rydych dyw dydy dydw does nid ni na nac dim ddim wedi heddiw
fi mi ti hi fe fo e ef ni chi nhw hwy hwn hon hyn hynny yma yna fy dy ei ein eich eu ond neu os felly hefyd
iawn mwy mor fel er achos oherwydd cael gael wneud gwneud gallu allu allwn gall
""".split())
# what is left of an English contraction when the apostrophe is lost or split off: never a keyword
FRAGMENTS = frozenset({
    "don", "doesn", "didn", "aren", "isn", "wasn", "weren", "couldn", "shouldn", "wouldn", "hasn", "haven",
    "hadn", "mustn", "needn", "mightn", "shan", "ain", "won", "ve", "ll", "re", "t", "s", "d", "m",
    "dont", "doesnt", "didnt", "arent", "isnt", "wasnt", "werent", "couldnt", "shouldnt", "wouldnt",
    "hasnt", "havent", "hadnt", "cant", "wont", "im", "ive", "youre", "theyre", "thats", "whats", "lets",
    "id", "youve", "weve", "theyve", "ill", "itll", "youll", "theyll", "hes", "shes", "theres", "heres"})
# words so common in what people say about anything that they never name a theme
GENERIC = frozenset({
    "think", "people", "like", "just", "need", "needs", "want", "make", "good", "way", "really", "thing",
    "things", "lot", "yes", "agree", "disagree", "believe", "feel", "know", "say", "said", "going", "get",
    "mehr", "sollte", "sollten", "soll", "muss", "müssen", "braucht", "brauchen", "gibt", "ganz", "immer",
    "werden", "wird", "sehr", "finde", "glaube", "menschen", "leute", "let", "lets", "let's",
    "time", "times", "day", "days", "year", "years", "zeit", "jahr", "jahre"})
# the only stop words allowed inside a three-word phrase ("freedom of speech", "cost of living")
INNER = frozenset({"of", "for", "and", "in", "on", "to", "the", "de", "der", "die", "das", "und", "von", "für",
                   "la", "le", "les", "des", "du", "el", "los", "et", "y"})
# cues for reading a word as a noun or not (`_evidence`): articles, possessives and quantifiers of the
# languages whose stop words we use, prepositions (not "to", which comes before verbs), and the words that come
# before a verb, adverb or predicate: pronouns, auxiliaries, modals, "to", "not"
DETERMINERS = frozenset("""
the a an my our your their his her its this these those no every each another some any many few much several
der die das den dem des ein eine einen einem einer eines kein keine keinen mein meine unser unsere
le la les un une des du ce cette ces mon ma mes notre nos leur leurs
el los las una unos unas este esta estos estas su sus nuestro nuestra
il lo gli uno de het een ons onze o os um uma
""".split())
PREPOSITIONS = frozenset("""
of in on at for from with without about into by near after before under over
im am vom zum zur mit ohne für über unter nach bei dans sur avec sans pour en con sin por para sobre
""".split())
NOUN_BEFORE = DETERMINERS | PREPOSITIONS
CAPITAL_NOUNS = frozenset({"de", "lb"})  # languages that write every noun with a capital
OF = frozenset({"of", "de", "di", "van"})
VERBAL = frozenset("""
i we you they he she it who to not never is are was were be been being am has have had do does did will would
should can could may might must shall ich wir sie er es du ihr zu nicht je nous vous ils elles yo
""".split())
LEMMA_LANGS = frozenset({"en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "nb", "fi", "cs", "ro",
                         "hu", "tr", "ru", "uk", "el", "ga", "cy", "gd", "ca", "sk", "sl", "hr", "lt", "lv",
                         "et", "bg"})
MAX_N = 3
MAX_N_CJK = 4  # Chinese words are often 2-4 characters
POOL = 30  # phrases per theme considered by MMR
MMR_LAMBDA = 0.7
# two keywords never said in one sentence are both named only when each is said in this share of the theme's
# sentences, and at least this often: a theme that holds two subjects ("Wage and universal basic income")
JOIN_STRONG, JOIN_MIN = 0.1, 3


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Stop words of the main Latin-script languages (testimony may mix them), lower case, plus fragments."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    from stop_words import get_stop_words

    words = set(ENGLISH_STOP_WORDS)
    for lang in STOP_LANGUAGES:
        words.update(w.lower().replace("’", "'") for w in get_stop_words(lang))
    words -= KEEP
    return frozenset(words | WELSH | FRAGMENTS)


def is_stop(word: str) -> bool:
    w = word.lower().replace("’", "'")
    if w in stop_words():
        return True
    if "'" in w:  # don't, they're, it's, people's -> judged by what comes before the apostrophe
        head = w.split("'", 1)[0]
        return head in stop_words() or w.endswith("n't")
    return len(w) < 2 and not _CJK_RUN.fullmatch(w)


@lru_cache(maxsize=200_000)
def lemma(word: str, lang: str) -> str:
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if lang in LEMMA_LANGS:
        try:
            return _lemmatizer().lemmatize(w, lang=lang).lower()
        except ValueError:
            return w
    return w


@lru_cache(maxsize=1)
def _lemmatizer():
    """simplemma's dictionary lookup only: its affix/morpheme guessing costs ~1 ms per unknown word."""
    from simplemma import Lemmatizer
    from simplemma.strategies import DictionaryLookupStrategy

    return Lemmatizer(lemmatization_strategy=DictionaryLookupStrategy())


Evidence = dict[tuple[str, str], float]


@dataclass
class Phrases:
    """Claims x phrases (binary), with each phrase's most used surface form."""
    matrix: csr_matrix
    surface: list[str]
    lemmas: list[frozenset[str]]
    nameable: np.ndarray  # bool per phrase: it can name a theme (see `_evidence` and docs/listening.md)

    @cached_property
    def column(self) -> dict[str, int]:
        return {s: j for j, s in reversed(list(enumerate(self.surface)))}


def tokens(text: str) -> list[tuple[str, str, bool]]:
    """(surface, lemma key, stop?) per word; a CJK run becomes its characters."""
    return [(w, k, stop) for w, k, stop, _ in _spans(text)]


def _spans(text: str) -> list[tuple[str, str, bool, bool]]:
    """As `tokens`, plus whether punctuation (anything but spaces) stands between a word and the one before."""
    out: list[tuple[str, str, bool, bool]] = []
    end = 0
    for m in WORD.finditer(text):
        w = m.group()
        cut = bool(text[end:m.start()].strip())
        end = m.end()
        if _CJK_RUN.fullmatch(w):
            out.extend((ch, ch, ch in stop_words(), cut and i == 0) for i, ch in enumerate(w))
        else:
            out.append((w, "", is_stop(w), cut))
    return out


def phrases(texts: list[str], langs: list[str]) -> Phrases:
    index: dict[str, int] = {}
    forms: list[Counter] = []  # each phrase's forms as written, away from the start of a sentence
    initial: list[Counter] = []  # ... and at the start (lower case): used only when it is never elsewhere
    lemma_sets: list[frozenset[str]] = []
    heads: list[str] = []  # each phrase's last word (its lemma key): the word that says what it is
    noun: Evidence = defaultdict(float)  # per (lemma key, form in lower case): uses read as a noun ...
    verb: Evidence = defaultdict(float)  # ... and as a verb or predicate (see `_evidence`)
    rows, cols = [], []
    stops = stop_words()
    for i, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        toks = []  # (surface as written, lemma key, stop?, CJK?, punctuation before?)
        for s, k, stop, cut in _spans(text):
            key = k or lemma(s, lang)
            toks.append((s, key, stop or key in stops, bool(k), cut))
        _evidence(toks, lang, noun, verb)
        seen: set[int] = set()
        for a in range(len(toks)):
            if toks[a][2]:
                continue
            cjk = toks[a][3]
            for n in range(1, (MAX_N_CJK if cjk else MAX_N) + 1):
                b = a + n
                if b > len(toks) or (n > 1 and toks[b - 1][4]):  # a phrase never runs across punctuation
                    break
                if toks[b - 1][2]:
                    continue
                run = toks[a:b]
                if n == 3 and run[1][2] and run[1][0] not in INNER:
                    continue
                if any(t[3] != cjk for t in run):  # no mixed-script phrase
                    break
                if n == 1 and (cjk or run[0][1] in GENERIC):  # a lone CJK character is not a name
                    continue
                sep = "" if cjk else " "
                key = sep.join(t[1] for t in run)
                j = index.get(key)
                if j is None:
                    j = index[key] = len(forms)
                    forms.append(Counter())
                    initial.append(Counter())
                    lemma_sets.append(frozenset(t[1] for t in run if not t[2]))
                    heads.append("" if cjk else run[-1][1])
                if a == 0:  # a sentence's first word is capitalised whatever it is: its case says nothing
                    initial[j][sep.join(t[0] for t in run).lower()] += 1
                else:  # "London", "NHS" keep the capitals people write mid-sentence
                    forms[j][sep.join(t[0] for t in run)] += 1
                if j not in seen:
                    seen.add(j)
                    rows.append(i)
                    cols.append(j)
    m = csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(texts), len(forms)))
    keys = list(index)  # phrase keys in column order
    verbs_of: dict[str, float] = defaultdict(float)
    nouns_of: dict[str, float] = defaultdict(float)
    for (key, _), c in verb.items():
        verbs_of[key] += c
    for (key, _), c in noun.items():
        nouns_of[key] += c

    def verbish(key: str) -> bool:
        return verbs_of[key] > nouns_of[key]

    nouns: dict[str, set[str]] = {}  # lemma key -> the forms of it that read as a noun
    for (key, form), n_noun in noun.items():
        if n_noun > verb.get((key, form), 0.0):
            nouns.setdefault(key, set()).add(form)
    surface, nameable = [], []
    for j, (mid, start) in enumerate(zip(forms, initial, strict=True)):
        said = mid or start
        head = heads[j]
        if " " in (k := keys[j]):  # a phrase: its last word a noun ("young people"), its first not a verb
            first = k.split(" ", 1)[0]
            ok = head in nouns and not verbish(first) and first not in GENERIC
        else:
            ok = not head or (head not in GENERIC and head in nouns)
        if ok and head and " " not in keys[j]:  # one word: shown in a form that reads as a noun
            said = Counter({w: c for w, c in mid.items() if w.lower() in nouns[head]}) or \
                Counter({w: c for w, c in start.items() if w in nouns[head]}) or said
        surface.append(said.most_common(1)[0][0])
        nameable.append(ok)
    return Phrases(m, surface, lemma_sets, np.array(nameable, bool))


@lru_cache(maxsize=50_000)
def _has_plural(form: str, key: str) -> bool:
    """The form is an English plural ("banks"), or simplemma's dictionary knows a plural of it ("buses",
    "countries", "times"; not "nearest", "closed")."""
    if form != key and form.endswith("s") and lemma(form, "en") == key:
        return True
    plurals = (form + "s", form + "es", form[:-1] + "ies" if form.endswith("y") else "")
    return any(f and lemma(f, "en") in (form, key) for f in plurals)


def _evidence(toks: list[tuple[str, str, bool, bool, bool]], lang: str, noun: Evidence, verb: Evidence) -> None:
    """Count, per content word and form, the uses that read as a noun: right after an article, possessive,
    quantifier or preposition ("the banks", "in winter"), or one or two words after an article when it
    ends the phrase ("a GP appointment."; half a use: "our bank closed in March" reads so too), or before "of" ("cost of"), or written with a capital mid-sentence ("London",
    German nouns); in English only words that have a plural count ("an hour away", "the new jobs": no). And the
    uses that read as a verb or predicate: after a pronoun, an auxiliary, a modal or "to" ("we voted",
    "is closed", "to leave"). A form reads as a noun when its noun uses outnumber its verb uses."""
    low = [t[0].lower().replace("’", "'").removesuffix("'s") for t in toks]  # "the children's": "children"
    for a, (s, key, stop, cjk, cut) in enumerate(toks):
        if stop or cjk:
            continue
        before = low[a - 1] if a and not cut else ""
        if before in VERBAL or ("'" in before and toks[a - 1][2]):
            verb[key, low[a]] += 1
        elif a > 0 and s[:1].isupper():  # a name, an acronym, a German noun
            noun[key, low[a]] += 1
        elif lang in CAPITAL_NOUNS:  # German nouns are written with a capital: a lower-case word is not one
            continue
        elif lang != "en" or _has_plural(low[a], key):
            if before in NOUN_BEFORE or (a + 1 < len(toks) and low[a + 1] in OF and not toks[a + 1][4]):
                noun[key, low[a]] += 1
            elif _closes_after_article(toks, low, a):  # weaker: "our bank closed in March" reads so too
                noun[key, low[a]] += 0.5


def _closes_after_article(toks: list[tuple[str, str, bool, bool, bool]], low: list[str], a: int) -> bool:
    """One or two words after an article, ending the phrase: "a GP appointment.", "an online business from"
    (not before a verb's cue: "the bus used to run")."""
    for back in (2, 3):
        p = a - back
        if p < 0 or any(toks[q][2] or toks[q][4] for q in range(p + 1, a)) or toks[a][4]:
            return False
        if low[p] in DETERMINERS:
            return a + 1 == len(toks) or toks[a + 1][4] or (toks[a + 1][2] and low[a + 1] not in VERBAL)
    return False


def content_words(text: str) -> int:
    """Words that are not stop words (each CJK character counts as half a word)."""
    n = 0.0
    for s, _, stop in tokens(text):
        if not stop:
            n += 0.5 if _CJK_RUN.fullmatch(s) else 1.0
    return int(n)


def scores(ph: Phrases, groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(groups x phrases score = coverage * log(1 + lift), lift against all the groups together; counts)."""
    n = sum(len(g) for g in groups)
    rows = np.concatenate([np.full(len(g), i) for i, g in enumerate(groups)]) if groups else np.zeros(0, int)
    cols = np.concatenate(groups) if groups else np.zeros(0, int)
    M = csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(groups), ph.matrix.shape[0]))
    df = np.asarray((M @ ph.matrix).todense(), dtype=np.float64)
    size = np.array([max(len(g), 1) for g in groups], dtype=np.float64)[:, None]
    cov = df / size
    if len(groups) == 1:  # nothing to stand apart from: the most used phrases name it
        out = cov.copy()
    else:
        p_all = df.sum(axis=0, keepdims=True) / max(n, 1)
        lift = cov / np.maximum(p_all, 1e-12)
        out = cov * np.log1p(np.where(lift > 1, lift - 1, 0.0))
    out[df < np.minimum(2, size)] *= 0.01  # said once: a name only when nothing is said twice
    longer = np.array([1.0 + 0.15 * (len(s.split()) - 1) for s in ph.surface])
    return out * longer[None, :], df


def _inside(small: str, big: str) -> bool:
    if small == big:
        return False
    if _CJK_RUN.fullmatch(small.replace(" ", "")):
        return small in big
    return f" {small.lower()} " in f" {big.lower()} "


def _closed(cands: list[int], df: np.ndarray, surface: list[str]) -> list[int]:
    """Drop a phrase when a longer one containing it is used nearly as often ("bank" inside "land bank")."""
    return [j for j in cands
            if not any(len(surface[b]) > len(surface[j]) and df[b] >= 0.7 * df[j] and _inside(surface[j], surface[b])
                       for b in cands)]


def _mmr(cands: list[int], rel: np.ndarray, sim: np.ndarray, top: int, first: np.ndarray) -> list[int]:
    """MMR; the first pick (the name) is one of the `first` phrases when there is any."""
    picked: list[int] = []
    left = list(range(len(cands)))
    while left and len(picked) < top:
        if picked:
            red = sim[np.ix_(left, picked)].max(axis=1)
            val = MMR_LAMBDA * rel[left] - (1 - MMR_LAMBDA) * red
        else:
            val = np.where(first[left], rel[left], rel[left] - 2.0) if first[left].any() else rel[left]
        best = left[int(np.argmax(val))]
        picked.append(best)
        left.remove(best)
    return [cands[i] for i in picked]


def name_groups(ph: Phrases, groups: list[np.ndarray], vectors: np.ndarray | None = None,
                embed_phrases: Callable[[list[str]], np.ndarray] | None = None,
                top: int = 8) -> list[list[tuple[str, float]]]:
    """For each group, up to `top` (phrase, score) best first, diverse by MMR; [] when nothing stands out."""
    S, df = scores(ph, groups)
    pools = []
    for g in range(len(groups)):
        order = [int(j) for j in np.argsort(-S[g], kind="stable")[:3 * POOL] if S[g, j] > 0]
        pools.append(_closed(order, df[g], ph.surface)[:POOL])
    vecs: dict[int, np.ndarray] = {}
    if embed_phrases is not None and vectors is not None:
        wanted = sorted({j for p in pools for j in p})
        if wanted:
            E = embed_phrases([ph.surface[j] for j in wanted])
            vecs = dict(zip(wanted, E, strict=True))
    out: list[list[tuple[str, float]]] = []
    for g, pool in enumerate(pools):
        if not pool:
            out.append([])
            continue
        rel = S[g, pool] / S[g, pool].max()
        if vecs and vectors is not None:
            P = np.array([vecs[j] for j in pool])
            c = vectors[groups[g]].mean(axis=0)  # type: ignore[index]  # vecs implies vectors
            c /= np.linalg.norm(c) or 1.0
            rel = 0.5 * rel + 0.5 * np.clip(P @ c, 0, None) / max(float(np.clip(P @ c, 0, None).max()), 1e-9)
            sim = P @ P.T
        else:
            sets = [ph.lemmas[j] for j in pool]
            sim = np.array([[len(a & b) / max(len(a | b), 1) for b in sets] for a in sets])
        chosen = _mmr(pool, rel, sim, top, ph.nameable[pool])
        out.append([(ph.surface[j], round(float(S[g, j]), 5)) for j in chosen])
    return out


def _and(language: str, second: str) -> str:
    """The word for "and" before `second`, and `second` as it then reads (Welsh "a" mutates c/p/t)."""
    if language == "cy":
        if second[:1].lower() in "aeiouwyâêîôûŵŷ":
            return f"ac {second}"
        head = second[:1]
        mutated = {"c": "ch", "p": "ph", "t": "th"}.get(head)
        return f"a {mutated + second[1:] if mutated else second}"
    return f"{AND.get(language, 'and')} {second}"


AND = {"en": "and", "de": "und", "fr": "et", "es": "y", "it": "e", "nl": "en", "pt": "e", "pl": "i", "sv": "och",
       "da": "og", "nb": "og", "ga": "agus", "gd": "agus"}


def label_of(keywords: list[tuple[str, float]], language: str = "en") -> str:
    """A short name: the best phrase; a single word is joined by the next one ("Uber and taxis"), with the
    theme's language's "and" ("Bysiau a threnau")."""
    if not keywords:
        return "(no distinctive words)"
    first = keywords[0][0]
    if " " not in first and len(keywords) > 1 and not _CJK_RUN.match(first) \
            and keywords[1][1] >= 0.5 * keywords[0][1]:
        first = f"{first} {_and(language, keywords[1][0])}"
    elif _CJK_RUN.match(first) and len(keywords) > 1:
        first = f"{first}、{keywords[1][0]}"
    return first[:1].upper() + first[1:]


def label_for(ph: Phrases, rows: np.ndarray, keywords: list[tuple[str, float]], language: str = "en") -> str:
    """The theme's name: its first keyword (`name_groups` puts a phrase that can name first when there is
    one). A single word is joined by the next keyword that can also name, is nearly as strong and is said
    with it in one of the theme's sentences ("Buses and trains") or is as strong as two subjects of one theme
    ("Wage and universal basic income"), never by a word said by two sentences ("Banks and warehouses") nor
    by a verb ("Pier and closed")."""
    if not keywords:
        return label_of(keywords, language)
    first, score = keywords[0]
    j = ph.column.get(first)
    if j is None or not ph.nameable[j] or _CJK_RUN.match(first):
        return label_of(keywords, language)
    name = first
    if " " not in first:
        sub = ph.matrix[rows]
        said = sub[:, j].toarray().ravel() > 0
        for other, s in keywords[1:]:
            k = ph.column.get(other)
            if k is None or not ph.nameable[k] or s < 0.5 * score:
                continue
            also = sub[:, k].toarray().ravel() > 0
            if (said & also).any() or min(said.sum(), also.sum()) >= max(JOIN_STRONG * len(rows), JOIN_MIN):
                name = f"{first} {_and(language, other)}"
                break
    return name[:1].upper() + name[1:]
