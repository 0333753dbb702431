"""GET /api/v1/schema/analysis: the JSON Schema of the analysis document, and the demo conversation's
analysis as served by the API (with its places section) valid against it."""

from __future__ import annotations

import jsonschema_rs
import pytest

from voxpop.analysis import schema
from voxpop.cli.demo import build_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from fastapi.testclient import TestClient

    from voxpop.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path_factory.mktemp('schema')}/demo.db", background="off")
    with TestClient(app) as client:
        cid = build_demo(app.state.voxpop.db, participants=300, echo=lambda *a: None)
        yield client, cid


def test_the_schema_is_published_cacheable_and_in_the_openapi_description(demo):
    client, _ = demo
    r = client.get("/api/v1/schema/analysis")
    assert r.status_code == 200 and r.headers["content-type"] == "application/schema+json"
    assert r.json() == schema.json_schema()
    assert r.json()["properties"]["meta"] == {"$ref": "#/$defs/Meta", "description": "about the analysis"}
    again = client.get("/api/v1/schema/analysis", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    op = client.get("/openapi.json").json()["paths"]["/api/v1/schema/analysis"]["get"]
    assert {"200", "304"} <= set(op["responses"]) and "application/schema+json" in op["responses"]["200"]["content"]


def test_the_demo_analysis_served_by_the_api_follows_the_published_schema(demo):
    client, cid = demo
    r = client.get(f"/api/v1/conversations/{cid}/analysis")
    assert r.status_code == 200
    assert r.headers["link"] == '</api/v1/schema/analysis>; rel="describedby"'
    doc = r.json()
    assert doc["meta"]["status"] == "ok" and doc["places"] is not None  # the demo has places: checked too
    validator = jsonschema_rs.Draft202012Validator(client.get("/api/v1/schema/analysis").json())
    assert [e.message for e in validator.iter_errors(doc)] == []
    schema.validate(doc)
    doc["statements"][0]["support"]["weighted"]["n"] = "many"
    assert not validator.is_valid(doc)
