"""The OpenAPI description documents every status an operation can answer (issue #10, item 12);
tests/fuzz checks real answers against it."""

from __future__ import annotations

from tests.api.conftest import open_api


def test_every_operation_documents_its_error_statuses(tmp_path):
    with open_api(f"sqlite:///{tmp_path}/voxpop.db") as api:
        doc = api.c.get("/openapi.json").json()
        cid = api.conversation(n_statements=0)
        r = api.c.post(f"/api/v1/conversations/{cid}/statements/csv", content=b"--x\r\nbroken",
                       headers=api.auth | {"content-type": "multipart/form-data; boundary=x"})
        assert r.status_code == 422 and r.json()["error"] == "invalid"  # was a 400 "Invalid multipart data."
    assert doc["components"]["schemas"]["Error"]["required"] == ["error", "message"]
    ops = [(p, m, op) for p, ops in doc["paths"].items() if p.startswith("/api/v1") for m, op in ops.items()]
    assert len(ops) > 30
    for path, method, op in ops:
        codes = set(op["responses"])
        want = {"401", "403", "404", "409", "422", "429", "503"} | ({"413"} if "requestBody" in op else set())
        assert want <= codes, (method, path, sorted(codes))
        assert any(c.startswith("2") for c in codes), (method, path)
        err = op["responses"]["422"]["content"]["application/json"]["schema"]
        assert err == {"$ref": "#/components/schemas/Error"}, (method, path)
