"""API errors in the reader's language: the machine-readable `error` code stays the same in every language,
the `message` (and each detail's message) follows Accept-Language, and the English is unchanged."""

from __future__ import annotations

import pytest


def _both(api, method: str, path: str, **kw) -> dict:
    out, headers = {}, kw.pop("headers", {})
    for lang in ("en", "cy", "ar"):
        r = api.c.request(method, path, headers={**headers, **api.auth, "Accept-Language": lang}, **kw)
        out[lang] = (r.status_code, r.json(), r.headers.get("content-language"))
    return out


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_service_errors_keep_their_code_and_speak_the_readers_language(api):
    answers = _both(api, "POST", "/api/v1/conversations", json={"topic": "ok", "statement_max_len": 5})
    (en_status, en, en_lang), (cy_status, cy, cy_lang) = answers["en"], answers["cy"]
    assert en_status == cy_status == 422 and en["error"] == cy["error"] == "invalid"
    assert en_lang == "en" and cy_lang == "cy"
    assert en["message"] == ("the longest statement (statement_max_len) must be from 20 to 2000 characters; "
                             "change the number and save again")
    assert cy["message"] == ("rhaid i’r datganiad hiraf (statement_max_len) fod rhwng 20 a 2000 nod; newidiwch y "
                             "rhif a chadwch eto")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_file_errors_name_the_line_in_the_readers_language(api):
    cid = api.conversation(n_statements=0)
    csv = b"id,name,parent,population\nA,Alpha,,10\nB,Beta,A,5\nB,Beta again,A,5\n"
    answers = _both(api, "PUT", f"/api/v1/conversations/{cid}/places", content=csv,
                    headers={"Content-Type": "text/csv"})
    en, cy = answers["en"][1], answers["cy"][1]
    assert answers["en"][0] == answers["cy"][0] == 422 and en["error"] == cy["error"] == "invalid"
    assert "line 4: duplicate place id 'B' (first seen on line 3) — give every place a unique id" in en["message"]
    assert ("llinell 4: dynodwr lle dyblyg 'B' (gwelwyd gyntaf ar linell 3) — rhowch ddynodwr unigryw i bob lle"
            in cy["message"]), cy


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_request_validation_and_unknown_addresses(api):
    cid = api.conversation(n_statements=2)
    answers = _both(api, "POST", f"/api/v1/conversations/{cid}/votes", json={"vote": "agree"})
    en, cy = answers["en"][1], answers["cy"][1]
    assert answers["en"][0] == answers["cy"][0] == 422 and en["error"] == cy["error"] == "invalid"
    assert [d["field"] for d in en["details"]] == [d["field"] for d in cy["details"]]
    assert "Field required" in [d["message"] for d in en["details"]]
    assert "Mae angen y maes hwn" in [d["message"] for d in cy["details"]]
    answers = _both(api, "GET", "/api/v1/no-such-endpoint")
    assert {a[0] for a in answers.values()} == {404} and {a[1]["error"] for a in answers.values()} == {"not_found"}
    assert answers["en"][1]["message"] == "no such page or API endpoint; see /docs for the API"
    assert answers["ar"][1]["message"] == "لا توجد صفحة أو نقطة API كهذه؛ راجع /docs للاطلاع على الـ API"
    assert answers["cy"][1]["message"] == "dim tudalen na phwynt API o’r fath; gweler /docs am yr API"
