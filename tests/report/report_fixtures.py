"""Hand-built analysis documents (docs/analysis-schema.md, places.md, listening.md) for the report tests."""

from __future__ import annotations

import random

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "'; DROP TABLE x; -- & <b>bold</b>",
]


def make_document(n_participants: int = 60, k: int = 3, n_statements: int = 8, *, hostile: bool = False,
                  seed: int = 1) -> dict:
    rnd = random.Random(seed)
    sids = [f"s{i}" for i in range(n_statements)]
    texts = {sid: f"Statement number {i} about parks and buses." for i, sid in enumerate(sids)}
    if hostile:
        sids[0], sids[1] = HOSTILE[1], "<script>id()</script>"
        texts = {sid: texts.get(sid, "x") for sid in sids}
        texts[sids[0]] = HOSTILE[0]
        texts[sids[1]] = HOSTILE[1]
        texts[sids[2]] = HOSTILE[2]
    centers = [(-1.0, 0.2), (1.0, 0.5), (0.1, -1.0), (1.2, -1.1), (-1.1, -1.0)][:k]
    participants = []
    sizes = [0] * k
    for i in range(n_participants):
        g = i % k
        sizes[g] += 1
        cx, cy = centers[g]
        participants.append({"id": f"p{i}", "group": g, "x": cx + rnd.gauss(0, 0.3), "y": cy + rnd.gauss(0, 0.3),
                             "votes": 5, "in_conversation": True, "place": None})
    participants.append({"id": "late", "group": None, "x": 0.0, "y": 0.0, "votes": 1,
                         "in_conversation": False, "place": None})
    statements = []
    for i, sid in enumerate(sids):
        by_group = []
        tot = {"n_agree": 0, "n_disagree": 0, "n_pass": 0, "n_seen": 0}
        for g in range(k):
            seen = sizes[g]
            a = (seen * ((i + g * 3) % 7)) // 8
            d = (seen - a) * 2 // 3
            p = seen - a - d
            row = {"group": g, "n_agree": a, "n_disagree": d, "n_pass": p, "n_seen": seen}
            by_group.append(row)
            for key in tot:
                tot[key] += row[key]
        statements.append({
            "id": sid, "text": texts[sid], "moderated_out": i == n_statements - 1, "meta": False, **tot,
            "by_group": by_group,
            "consensus": {"direction": "agree", "p": 0.8, "p_test": 2.3} if i == 2 else None,
            "group_informed_consensus": round(0.9 - i * 0.1, 3), "bridging": round(0.5 - i * 0.05, 3),
            "bridging_factor": -0.1 * i, "divisiveness": 0.05 * i, "extremity": 1.0,
            "x": 0.1 * i, "y": -0.1 * i, "support": None,
        })
    groups = []
    for g in range(k):
        groups.append({"id": g, "size": sizes[g], "center": list(centers[g]), "representative": [
            {"statement": sids[(g + j) % n_statements], "direction": "agree" if j == 0 else "disagree",
             "n_agree": 8, "n_disagree": 1, "n_seen": 10, "p": 0.79, "p_test": 5.1, "r": 1.8, "r_test": 3.2,
             "repness": 1.42, "best_agree": j == 0} for j in range(2)]})
    return {
        "meta": {
            "schema": "voxpop.analysis", "schema_version": 1, "generated_at": "2026-11-25T16:00:00Z",
            "voxpop_version": "0.1.0",
            "conversation": {"id": "conv<1>" if hostile else "conv1",
                             "title": HOSTILE[0] if hostile else "Parks & buses", "source": "fixture"},
            "counts": {"participants": n_participants + 1, "statements": n_statements, "votes": n_participants * 5,
                       "participants_in_conversation": n_participants, "statements_moderated_out": 1,
                       "statements_meta": 0},
            "k": k, "k_range": [2, 5], "seed": 0, "status": "ok", "message": None, "options": {},
            "timings": {"load_s": 0.01, "matrix_s": 0.002, "pca_s": 0.003, "cluster_s": 0.01, "stats_s": 0.001,
                        "bridging_s": 0.02, "places_s": 0.0, "total_s": 0.05},
        },
        "participants": participants, "groups": groups, "statements": statements,
        "consensus": {"agree": [sids[2]], "disagree": [sids[3]]},
        "group_informed_consensus": sids[:3], "bridging": sids[1:4], "divisive": sids[::-1][:3],
        "places": None, "themes": None,
    }


def make_themes(*, hostile: bool = False) -> dict:
    text = HOSTILE[0] if hostile else "Parks should get more funding."
    return {
        "schema": "voxpop.themes", "schema_version": 1,
        "meta": {"embedding": {"model": "tfidf"}, "counts": {"testimonies": 3, "claims": 6, "speakers": 3, "themes": 2},
                 "small_cell_min_speakers": 5},
        "themes": [
            {"id": 0, "label": "parks · green · funding", "keywords": [{"term": "parks", "score": 0.4}],
             "size": 4, "share": 0.66, "n_testimonies": 2, "n_speakers": 2,
             "quotes": [{"claim": "t1:0", "testimony": HOSTILE[1] if hostile else "t1", "source": "a.csv",
                         "start": 0, "end": len(text), "text": text, "speaker": "Ana", "place": "Leeds"}],
             "subthemes": [],
             "by_place": [{"place": "Leeds", "n_claims": None, "n_testimonies": None, "n_speakers": None,
                           "share_of_place": None, "suppressed": True},
                          {"place": None, "n_claims": 2, "n_speakers": 6, "share_of_place": 0.5, "suppressed": False}],
             "candidates": [{"id": "c0.1", "text": text, "trimmed": False, "testimony": "t1", "claim": "t1:0"}]},
            {"id": 1, "label": "buses", "keywords": ["buses"], "size": 2, "share": 0.33, "quotes": [],
             "candidates": [], "by_attribute": {"age": [{"value": "18-24", "suppressed": True}]}},
        ],
    }


def add_places(doc: dict, *, hostile: bool = False) -> dict:
    """A `places` section and statements[*].support shaped as docs/places.md describes."""
    north = HOSTILE[0] if hostile else "North"
    for i, s in enumerate(doc["statements"]):
        s["support"] = {
            "policy": "population",
            "unweighted": {"n": 60, "agree": 0.6, "agree_ci": [0.5, 0.7], "disagree": 0.3, "pass": 0.1,
                           "suppressed": False},
            "weighted": {"policy": "population", "n": 58, "n_effective": 40.2, "agree": 0.6 - 0.05 * i,
                         "disagree": 0.3, "pass": 0.1 + 0.05 * i, "suppressed": False},
        }
    doc["statements"][1]["support"]["weighted"] = {"n": 3, "agree": None, "disagree": None, "pass": None,
                                                    "suppressed": True}
    doc["places"] = {
        "policy": "population", "policy_label": "population-proportional", "min_cell": 5,
        "levels": ["region", "area"], "kinds": ["city", "rural"],
        "places": [{"id": "R1", "name": north, "level": "region", "parent": None},
                   {"id": "R2", "name": "South", "level": "region", "parent": None},
                   {"id": "A1", "name": "Isles", "level": "area", "parent": "R2"}],
        "weights": {"n": 58, "n_without_place": 3, "ess": 40.2, "design_effect": 1.44},
        "groups": [{"id": g["id"], "size": g["size"], "share": 0.33, "weighted_share": 0.3}
                   for g in doc["groups"]],
        "consensus": {"agree": [doc["statements"][1]["id"]], "disagree": []},
        "group_informed_consensus": [{"statement": doc["statements"][0]["id"], "score": 0.31}],
        "coverage": {
            "population": 100000, "participants": 61, "voices_per_100k": 61.0,
            "next": [{"place": "A1", "name": "Isles", "level": "area", "population": 1799, "participants_band": "0",
                      "participants": 0, "status": "not heard", "voices_needed": 1},
                     {"place": "A2", "name": "Dale", "level": "area", "population": 5000, "participants_band": "<5",
                      "participants": None, "status": "too few", "voices_needed": 3}],
            "by_level": {"region": [{"cell": "R1", "name": north, "participants": 50, "participants_band": "5+",
                                     "voices_per_100k": 80.0, "coverage_ratio": 1.4},
                                    {"cell": "R2", "name": "South", "participants": None, "participants_band": "<5",
                                     "voices_per_100k": None, "coverage_ratio": None}],
                         "area": [{"cell": "A1", "name": "Isles", "participants": 0, "participants_band": "0"}]},
            "by_kind": [{"cell": "city", "name": "city", "participants": 40, "coverage_ratio": 1.1},
                        {"cell": "rural", "name": "rural", "participants": 21, "coverage_ratio": 0.7}],
        },
        "common_ground": {
            "everywhere": [{"statement": doc["statements"][2]["id"], "direction": "agree", "worst": 0.61}],
            "divergent": [{"statement": doc["statements"][3]["id"], "spread": 0.31,
                           "highest": {"dimension": "place", "level": "region", "cell": "R1", "agree": 0.64},
                           "lowest": {"dimension": "place", "level": "region", "cell": "R2", "agree": 0.33}}],
        },
        "breakdowns": {"columns": [], "rows": [], "suppressed": 3},
    }
    return doc
