"""The OpenAPI document: the source's paths and parameter names, and every operation
documented with a summary, a description, its response model and its errors with examples."""

from typing import Any

import httpx
import pytest

EXPECTED_OPERATIONS = {
    ("get", "/api/inventory/"): "list_points",
    ("put", "/api/inventory/"): "create_point",
    ("get", "/api/inventory/{inv_pt_id}"): "get_point",
    ("patch", "/api/inventory/{inv_pt_id}"): "update_point",
    ("delete", "/api/inventory/{inv_pt_id}"): "delete_point",
    ("get", "/api/items/"): "list_items",
    ("put", "/api/items/"): "create_item",
    ("get", "/api/items/{item_id}"): "get_item",
    ("patch", "/api/items/{item_id}"): "update_item",
    ("delete", "/api/items/{item_id}"): "delete_item",
    ("post", "/api/inventory/{ipt_id}/import"): "import_stock_count",
    ("post", "/api/items/import"): "import_catalog",
    ("get", "/api/inventory/{inv_pt_id}/history"): "point_history",
    ("get", "/api/inventory/{inv_pt_id}/imports"): "list_imports",
    ("get", "/api/imports/{import_id}"): "get_import",
    ("post", "/api/imports/{import_id}/revert"): "revert_import",
    ("get", "/api/inventory/{inv_pt_id}/export"): "export_point",
    ("get", "/api/import-template"): "import_template",
    ("get", "/health/live"): "live",
    ("get", "/health/ready"): "ready",
    ("get", "/metrics"): "metrics",
    ("post", "/api/tokens"): "create_token",
    ("get", "/api/tokens"): "list_tokens",
    ("delete", "/api/tokens/{token_id}"): "revoke_token",
}


@pytest.fixture
async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _operations(openapi: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, methods in openapi["paths"].items()
        for method, operation in methods.items()
    }


async def test_paths_methods_and_operation_ids_are_the_contracts(openapi: dict[str, Any]) -> None:
    operations = _operations(openapi)
    assert {key: op["operationId"] for key, op in operations.items()} == EXPECTED_OPERATIONS


async def test_every_operation_has_a_summary_description_and_success_schema(
    openapi: dict[str, Any],
) -> None:
    for key, operation in _operations(openapi).items():
        assert operation.get("summary"), key
        assert len(operation.get("description", "")) > 20, key
        success = [code for code in operation["responses"] if code.startswith("2")]
        assert len(success) == 1, key
        if success != ["204"]:
            content = operation["responses"][success[0]]["content"]
            assert content, key
            assert all("schema" in media for media in content.values()), key


async def test_every_error_response_has_a_detail_schema_and_an_example(
    openapi: dict[str, Any],
) -> None:
    for key, operation in _operations(openapi).items():
        errors = {code: r for code, r in operation["responses"].items() if code[0] == "4"}
        if key[1].endswith("}"):
            assert {"404", "422"} <= set(errors), key
        if key[1].startswith("/api"):
            assert {"401", "403"} <= set(errors), key
            assert operation["security"] == [{"HTTPBearer": []}], key
        if key[0] in {"put", "patch"}:
            assert {"409", "415", "422"} <= set(errors), key
        if key[1].endswith("/import"):
            assert {"413", "415", "422"} <= set(errors), key
        for code, response in errors.items():
            content = response["content"]["application/json"]
            assert content["example"]["detail"], (key, code)
            schema = content["schema"]
            for ref in [option["$ref"] for option in schema.get("anyOf", [schema])]:
                body = openapi["components"]["schemas"][ref.rsplit("/", 1)[-1]]
                assert "detail" in body["properties"], (key, code)


async def test_item_delete_documents_the_conflict_while_stocked(openapi: dict[str, Any]) -> None:
    conflict = openapi["paths"]["/api/items/{item_id}"]["delete"]["responses"]["409"]
    assert conflict["content"]["application/json"]["example"]["points"] == [3]


async def test_path_parameters_keep_the_sources_names(openapi: dict[str, Any]) -> None:
    parameters = openapi["paths"]["/api/inventory/{inv_pt_id}"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == ["inv_pt_id"]
    imports = openapi["paths"]["/api/inventory/{ipt_id}/import"]["post"]["parameters"]
    assert [p["name"] for p in imports if p["in"] == "path"] == ["ipt_id"]
    assert {p["name"] for p in imports} >= {"dry_run", "mode", "if-match", "idempotency-key"}


@pytest.mark.parametrize("path", ["/api/inventory/{ipt_id}/import", "/api/items/import"])
async def test_imports_document_a_multipart_file_upload(openapi: dict[str, Any], path: str) -> None:
    body = openapi["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert body["schema"]["required"] == ["file"]
    assert body["schema"]["properties"]["file"]["format"] == "binary"


async def test_every_public_schema_field_is_described(openapi: dict[str, Any]) -> None:
    for name, schema in openapi["components"]["schemas"].items():
        for field, spec in schema["properties"].items():
            assert spec.get("description"), (name, field)
