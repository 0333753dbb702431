"""Schemathesis over the OpenAPI description (issue #10, "Fuzzing in CI"): every /api/v1 operation, as
an anonymous caller and as the organiser who owns the conversation, against the real app on SQLite.
Passes when no response is a 5xx and every response status is one the operation documents. Bounded:
a few valid and a few invalid examples per operation (FUZZ_EXAMPLES each, default 6), so the whole run
takes a few minutes. Path parameters named cid are the real conversation, so requests get past the 404."""

from __future__ import annotations

import os

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance
from tests.api.conftest import make_organiser

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory):
    from voxpop.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/voxpop.db"
    app = create_app(url, background="off")
    _, token = make_organiser(url)
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:  # runs the lifespan: the vote writer is up for the whole module
        r = client.post("/api/v1/conversations", json={"topic": "Fuzzing"}, headers=auth)
        cid = r.json()["id"]
        client.post(f"/api/v1/conversations/{cid}/statements", json={"texts": ["One", "Two", "Three"]},
                    headers=auth)
        yield app, auth, cid


def _fuzz(app, cid: str, headers: dict) -> list[str]:
    """Every operation, valid and invalid inputs: the failures, one line each (all of them, not the first)."""
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    ops = [r.ok() for r in api.get_all_operations()]
    assert len(ops) > 30, "the OpenAPI description lost its operations"
    for op in ops:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            params = {"cid": cid} if any(p.name == "cid" for p in op.path_parameters) else None
            _run(op, mode, params, headers, failures)
    return failures


def _run(op, mode, params, headers: dict, failures: list[str]) -> None:
    seen: set[str] = set()

    @given(case=op.as_strategy(generation_mode=mode, path_parameters=params))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        try:
            response = case.call(headers=headers)
        except Exception as e:  # the app raised: a 500 to a real client
            line = f"{op.label} ({mode.value}): raised {type(e).__name__}: {str(e)[:200]}"
            if line not in seen:
                seen.add(line)
                failures.append(line)
            return
        try:
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
        except BaseExceptionGroup as e:  # a check failed: keep going, report every operation
            what = "; ".join(str(x).splitlines()[0] for x in e.exceptions)
            line = f"{op.label} ({mode.value}): {response.status_code} {what[:200]}"
            if line not in seen:
                seen.add(line)
                failures.append(line + f" | {response.text[:200]}")

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (an operation without parameters or body)
        pass


@pytest.mark.timeout(900)  # about a minute on a quiet 2-core machine; more when it is shared
def test_anonymous_no_5xx_and_every_status_documented(fuzz_env):
    app, _, cid = fuzz_env
    failures = _fuzz(app, cid, {})
    assert not failures, "\n".join(failures)


@pytest.mark.timeout(900)
def test_organiser_no_5xx_and_every_status_documented(fuzz_env):
    app, auth, cid = fuzz_env
    failures = _fuzz(app, cid, auth)
    assert not failures, "\n".join(failures)
