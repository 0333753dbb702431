"""Cached analyses: read the latest document, ask for a new one, compute and store one.

The vote path only marks a conversation dirty (voxpop.services.votes); the worker (voxpop.worker) claims
dirty conversations, runs `voxpop.analysis.run.analyze` on them and stores the document here.
"""

from __future__ import annotations

import logging
import time
from typing import Literal

import numpy as np
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from voxpop.analysis.document import validate_document
from voxpop.analysis.schema import AnalysisDocument
from voxpop.analysis.schema import Statement as DocStatement
from voxpop.services.conversations import get_conversation
from voxpop.store.db import Database, json_dumps, rowcount
from voxpop.store.load import load_conversation
from voxpop.store.models import Analysis, Conversation, Statement, now_ms

log = logging.getLogger("voxpop.analysis")


def get_analysis(s: Session, conversation_id: str, *, with_document: bool = True) -> dict:
    """The latest stored analysis, at once (never computes).

    Returns {"status": "ok" | "too_few_votes" | "pending" | "failed", "fresh": bool, "computed_ms": int | None,
    "duration_ms", "message": str | None, "document": dict | None, "job": {...}}. "pending" means no analysis
    was computed yet; "failed" that none could be computed (job.error says why; the organiser sees it);
    fresh is False while newer votes wait for the background recomputation. `job` is the background job's
    state (job_state). with_document=False skips reading the (large) document: status and freshness only.
    """
    conv = get_conversation(s, conversation_id)
    hidden = hidden_tids(s, conv)
    job = job_state(conv)
    cols = [Analysis.status, Analysis.vote_version, Analysis.computed_ms, Analysis.duration_ms]
    row = s.execute(select(*cols, Analysis.document if with_document else Analysis.status)
                    .where(Analysis.conversation_id == conv.id)).first()
    if row is None:
        if job["state"] == "failed":
            return {"status": "failed", "fresh": False, "computed_ms": None, "duration_ms": None, "document": None,
                    "hidden": hidden, "job": job, "message": job["message"]}
        return {"status": "pending", "fresh": False, "computed_ms": None, "duration_ms": None, "document": None,
                "hidden": hidden, "job": job,
                "message": "no analysis yet: it is computed in the background a moment after the first votes"}
    doc = redact_hidden_texts(row[4], hidden) if with_document else None
    meta = doc.get("meta", {}) if isinstance(doc, dict) else {}
    status, version = str(row[0]), int(row[1])  # type: ignore[call-overload]
    return {"status": meta.get("status", status), "fresh": version >= conv.vote_version,
            "computed_ms": row[2], "duration_ms": row[3],
            "message": meta.get("message") if with_document else _MESSAGES.get(status), "document": doc,
            "hidden": hidden, "job": job}


def job_state(conv: Conversation) -> dict:
    """The background analysis job: {"state": "idle" | "queued" | "running" | "retrying" | "failed",
    "failures": failed tries in a row, "error": the last error (organisers only), "next_try_ms", "message"}."""
    failures = conv.analysis_failures or 0
    if conv.analysis_claim is not None:
        state = "running"
    elif failures and conv.analysis_dirty_since is None:
        state = "failed"
    elif failures:
        state = "retrying"
    elif conv.analysis_dirty_since is not None:
        state = "queued"
    else:
        state = "idle"
    message = None
    if state == "failed":
        message = (f"the analysis failed {failures} time{'s' if failures != 1 else ''} in a row and is not retried "
                   "until the conversation changes (a vote, a statement, a moderation or a refresh)")
    elif state == "retrying":
        message = f"the analysis failed ({failures} time{'s' if failures != 1 else ''}); it is tried again shortly"
    return {"state": state, "failures": failures, "error": conv.analysis_error if failures else None,
            "next_try_ms": conv.analysis_retry_ms if failures else None, "message": message}


def record_failure(db: Database, conversation_id: str, error: BaseException | str, *, claim: str | None,
                   retries: int, backoff_s: float) -> bool:
    """A failed analysis job: count it, keep its message, release the claim and wait backoff_s * 2^(n-1)
    (at most an hour) before trying again; after `retries` retries stop until the conversation changes
    (request_analysis or a vote marks it dirty again; then it gets one more try). True when given up."""
    from voxpop.services.jobs import error_message, gives_up, retry_at_ms

    message = error_message(error)
    with db.write() as s:
        conv = s.get(Conversation, conversation_id)
        if conv is None or (claim is not None and conv.analysis_claim != claim):
            return False
        n = (conv.analysis_failures or 0) + 1
        give_up = gives_up(n, retries)
        conv.analysis_failures = n
        conv.analysis_error = message
        conv.analysis_retry_ms = retry_at_ms(n, backoff_s)
        conv.analysis_claim = conv.analysis_claim_ms = None
        if give_up:
            conv.analysis_dirty_since = None
    log.warning("analysis of %s failed (%d in a row%s): %s", conversation_id, n, "; giving up" if give_up else "",
                message)
    return give_up


def hidden_tids(s: Session, conv: Conversation) -> frozenset[str]:
    """Statement numbers (as strings) participants may not see now: rejected, or pending under strict
    moderation. A document computed before a statement was rejected must not show it either."""
    from voxpop.services.statements import visible_filter

    return frozenset(str(t) for t in s.scalars(select(Statement.tid).where(
        Statement.conversation_id == conv.id, ~visible_filter(conv))))


def redact_hidden_texts(doc, hidden: frozenset[str] = frozenset()):
    """The document without the words of moderated-out statements (those it marks moderated_out, and
    those in `hidden`): their text becomes "" and they are marked moderated_out. The stored document is
    what every reader gets (the JSON API, the results page, the report), so hidden words are never in
    it; organisers read them in the moderation queue and in comments.csv."""
    if isinstance(doc, dict):
        for st in doc.get("statements") or []:
            if not isinstance(st, dict):
                continue
            if str(st.get("id")) in hidden:
                st["moderated_out"] = True
            if st.get("moderated_out") and st.get("text"):
                st["text"] = ""
    return doc


_MESSAGES = {"too_few_votes": "not enough votes yet to find opinion groups"}


def request_analysis(s: Session, conversation_id: str) -> None:
    """Ask for a recomputation (the worker picks it up after the debounce), now even after failures."""
    t = now_ms()
    s.execute(update(Conversation).where(Conversation.id == conversation_id).values(
        last_change_ms=t, analysis_dirty_since=func.coalesce(Conversation.analysis_dirty_since, t),
        analysis_retry_ms=None))


def priorities_from_document(doc: AnalysisDocument) -> dict[str, float]:
    """Pol.is routing priorities (statement id -> weight) from an analysis document."""
    from voxpop.engine.routing import priorities

    stmts = doc["statements"]
    if not stmts:
        return {}

    def total(st: DocStatement, key: Literal["n_agree", "n_disagree", "n_seen"]) -> float:
        groups = st["by_group"]
        return float(sum(g[key] for g in groups)) if groups else float(st[key])

    counts = {k: np.array([total(st, k) for st in stmts]) for k in ("n_agree", "n_disagree", "n_seen")}
    extremity = np.array([st["extremity"] or 0.0 for st in stmts], dtype=float)
    meta = np.array([st["meta"] for st in stmts], dtype=bool)
    pr = priorities(counts, extremity, meta)
    return {st["id"]: float(p) for st, p in zip(stmts, pr, strict=True) if np.isfinite(p)}


def analysis_inputs(s: Session, conversation_id: str) -> dict:
    """Keyword arguments for analyze() from what the store holds besides votes (places and their settings)."""
    from voxpop.store.places import analysis_inputs as places_inputs  # numpy/scipy only when analysing

    return places_inputs(s, conversation_id) or {}


def analyze_conversation(conv, *, states: list | None = None, **kwargs) -> dict:
    """The analysis document for an in-memory Conversation (the engine, via voxpop.analysis.run); the
    engine state it leaves (what the next analysis can warm-start from) is appended to `states` if given."""
    from voxpop.analysis.run import analysis_of

    done = analysis_of(conv, **kwargs)
    if states is not None:
        from voxpop.services.snapshots import warm_state

        states.append(warm_state(done))
    return done.document


def store_analysis(db: Database, conversation_id: str, doc: AnalysisDocument, *, vote_version: int, claim: str | None,
                   duration_ms: int) -> bool:
    """Store the document; mark the conversation clean if no change arrived meanwhile. True if clean."""
    try:
        prio = priorities_from_document(doc)
    except Exception:  # routing falls back to uniform weights
        log.exception("could not compute routing priorities for %s", conversation_id)
        prio = None
    status = doc["meta"]["status"]
    # serialise before taking the write lock: a big document takes a while to encode
    doc_json, prio_json = json_dumps(doc), (json_dumps(prio) if prio is not None else None)
    as_json = "CAST(:doc AS JSON)" if not db.is_sqlite else ":doc"
    as_json_p = "CAST(:prio AS JSON)" if not db.is_sqlite else ":prio"
    values = {"cid": conversation_id, "doc": doc_json, "prio": prio_json, "v": vote_version, "status": status,
              "t": now_ms(), "d": duration_ms}
    with db.write() as s:
        updated = rowcount(s.execute(text(
            f"UPDATE analyses SET document = {as_json}, priorities = {as_json_p}, vote_version = :v, status = :status, "
            "computed_ms = :t, duration_ms = :d WHERE conversation_id = :cid AND vote_version <= :v"), values))
        if not updated:
            s.execute(text(
                "INSERT INTO analyses (conversation_id, document, priorities, vote_version, status, computed_ms, "
                f"duration_ms) VALUES (:cid, {as_json}, {as_json_p}, :v, :status, :t, :d) "
                "ON CONFLICT (conversation_id) DO NOTHING"), values)
        cond = [Conversation.id == conversation_id]
        if claim is not None:
            cond.append(Conversation.analysis_claim == claim)
        cleaned = rowcount(s.execute(update(Conversation).where(*cond, Conversation.vote_version == vote_version)
                            .values(analysis_dirty_since=None, analysis_claim=None,
                                    analysis_claim_ms=None)))
        s.execute(update(Conversation).where(Conversation.id == conversation_id)
                  .values(analysis_failures=0, analysis_error=None, analysis_retry_ms=None))
        if not cleaned and claim is not None:
            s.execute(update(Conversation).where(*cond).values(analysis_claim=None, analysis_claim_ms=None))
    return bool(cleaned)


def run_analysis(db: Database, conversation_id: str, *, claim: str | None = None,
                 incremental: bool = False) -> AnalysisDocument:
    """Load, analyse, check (voxpop.analysis.schema: a document that breaks it is never stored; the job
    fails with the problems named) and store one conversation; returns the document.

    incremental=True (the worker): start from this process's kept snapshot of the conversation, reading only
    the votes cast since, and keep the new one (voxpop.services.snapshots); a full load when there is none."""
    t0 = time.perf_counter()
    if incremental:
        return _run_incremental(db, conversation_id, claim=claim, t0=t0)
    with db.read() as s:
        version = s.execute(select(Conversation.vote_version).where(Conversation.id == conversation_id)).scalar_one()
        conv = load_conversation(s, conversation_id)
        extra = analysis_inputs(s, conversation_id)
    load_s = time.perf_counter() - t0
    doc = analyze_conversation(conv, load_s=load_s, **extra)
    return _finish(db, conversation_id, doc, conv.n_votes, version=version, claim=claim, t0=t0)


def _finish(db: Database, conversation_id: str, doc: dict, n_votes: int, *, version: int, claim: str | None,
            t0: float) -> AnalysisDocument:
    # strict JSON is not checked here: store_analysis encodes it strictly (NaN -> null)
    checked = validate_document(redact_hidden_texts(doc), strict_json=False)
    checked["meta"]["conversation"]["id"] = conversation_id
    duration = int((time.perf_counter() - t0) * 1000)
    store_analysis(db, conversation_id, checked, vote_version=version, claim=claim, duration_ms=duration)
    log.info("analysed %s (%d votes) in %d ms", conversation_id, n_votes, duration)
    return checked


def _run_incremental(db: Database, conversation_id: str, *, claim: str | None, t0: float) -> AnalysisDocument:
    from voxpop.services import snapshots

    kept = snapshots.cache()
    key = (db.url, conversation_id)
    prep = snapshots.prepare(db, conversation_id, kept.take(key))
    with db.read() as s:
        extra = analysis_inputs(s, conversation_id)
    load_s = time.perf_counter() - t0
    states: list = []
    doc = analyze_conversation(prep.conv, load_s=load_s, states=states, **extra, **prep.analyze_kwargs())
    if states and (snap := prep.kept(states[0])) is not None:
        kept.put(key, snap)
    meta = doc.setdefault("meta", {})
    meta.setdefault("options", {})["snapshot"] = {
        "loaded": "everything" if prep.full else "the votes cast since the previous analysis",
        "votes_read": prep.delta_votes, "refreshes": prep.snapshot.refreshes}
    return _finish(db, conversation_id, doc, prep.conv.n_votes, version=prep.version, claim=claim, t0=t0)
