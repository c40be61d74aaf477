"""openapi.yaml: valid OpenAPI 3.1, and in agreement with the Python contract modules."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from conformance import instance_ids
from conformance.contract import API_VERSIONS, error, error_codes, lifecycle, spec
from conformance.lifecycle import RUNTIME_STATUSES, Operation, Status

OPERATION_IDS = {
    Operation.START: "startWorkflow",
    Operation.GET: "getWorkflow",
    Operation.TERMINATE: "terminateWorkflow",
    Operation.RAISE_EVENT: "raiseEventWorkflow",
    Operation.PAUSE: "pauseWorkflow",
    Operation.RESUME: "resumeWorkflow",
    Operation.PURGE: "purgeWorkflow",
}


def _operations() -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (method, path, operation object)."""
    found = {}
    for path, item in spec()["paths"].items():
        for method, operation in item.items():
            found[operation["operationId"]] = (method, path, operation)
    return found


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_the_spec_is_valid_openapi_3_1() -> None:
    assert spec()["openapi"] == "3.1.0"
    validate(spec())


def test_the_spec_has_exactly_the_seven_operations() -> None:
    assert set(_operations()) == set(OPERATION_IDS.values())


def test_every_operation_has_a_summary_and_a_description_naming_daprd() -> None:
    for operation_id, (_, _, operation) in _operations().items():
        assert operation.get("summary"), operation_id
        assert "daprd" in operation.get("description", ""), operation_id


def test_the_runtime_status_enum_matches_the_python_enum() -> None:
    enum = spec()["components"]["schemas"]["RuntimeStatus"]["enum"]
    assert set(enum) == {s.value for s in RUNTIME_STATUSES}
    assert "UNKNOWN" in enum and "ABSENT" not in enum


def test_the_lifecycle_table_covers_every_operation_and_status() -> None:
    cells = lifecycle().cells
    assert {op for op, _ in cells} == set(Operation)
    assert {status for _, status in cells} == set(Status)
    assert len(cells) == len(Operation) * len(Status)


def test_the_three_api_versions_are_server_variables() -> None:
    variable = spec()["servers"][0]["variables"]["apiVersion"]
    assert variable["enum"] == list(API_VERSIONS)
    assert variable["default"] == "v1.0"


@pytest.mark.parametrize("operation", list(Operation))
def test_every_status_code_the_lifecycle_gives_is_declared(operation: Operation) -> None:
    _, _, declared = _operations()[OPERATION_IDS[operation]]
    for cell in lifecycle().cells.values():
        if cell.operation is operation:
            for outcome in cell.accepted:
                assert str(outcome.http) in declared["responses"], (operation, cell.status)


def test_every_lifecycle_error_code_is_declared_on_its_response() -> None:
    for cell in lifecycle().cells.values():
        _, _, declared = _operations()[OPERATION_IDS[cell.operation]]
        for outcome in cell.accepted:
            if outcome.error:
                response = _resolve(declared["responses"][str(outcome.http)])
                assert outcome.error in response["x-error-codes"], (cell.operation, cell.status)


def test_declared_error_codes_exist_and_carry_the_response_status() -> None:
    for operation_id, (_, _, operation) in _operations().items():
        for status, raw in operation["responses"].items():
            response = _resolve(raw)
            for code in response.get("x-error-codes", []):
                assert error(code).status == int(status), (operation_id, status, code)


def test_every_non_2xx_response_is_an_error_response() -> None:
    for operation_id, (_, _, operation) in _operations().items():
        for status, raw in operation["responses"].items():
            if not status.startswith("2"):
                schema = _resolve(raw)["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, operation_id


def test_error_templates_use_only_go_verbs_the_mock_can_fill() -> None:
    for code in error_codes().values():
        assert set(re.findall(r"%.", code.template)) <= {"%s", "%d", "%v"}, code.code


def test_error_messages_fill_templates_in_order() -> None:
    assert error("ERR_PAUSE_WORKFLOW").body("abc", "boom") == {
        "errorCode": "ERR_PAUSE_WORKFLOW",
        "message": "error pausing workflow abc: boom",
    }
    assert error("ERR_MALFORMED_REQUEST").message("bad") == "failed deserializing HTTP body: bad"
    assert error("ERR_DIRECT_INVOKE").message().startswith("failed getting app id")


def test_an_unknown_error_code_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="ERR_START_WORKFLOW"):
        error("ERR_NOPE")


@pytest.mark.parametrize(
    "link",
    [
        "GetWorkflow",
        "TerminateWorkflow",
        "RaiseEventWorkflow",
        "PauseWorkflow",
        "ResumeWorkflow",
        "PurgeWorkflow",
    ],
)
def test_start_links_to_every_operation_through_the_returned_id(link: str) -> None:
    _, _, start = _operations()["startWorkflow"]
    parameters = start["responses"]["202"]["links"][link]["parameters"]
    assert parameters["instanceID"] == "$response.body#/instanceID"


@pytest.mark.parametrize(
    "operation_id",
    ["terminateWorkflow", "raiseEventWorkflow", "pauseWorkflow", "resumeWorkflow", "purgeWorkflow"],
)
def test_every_command_links_back_to_get(operation_id: str) -> None:
    _, _, operation = _operations()[operation_id]
    link = _resolve(operation["responses"]["202"])["links"]["GetWorkflow"]
    assert link["operationId"] == "getWorkflow"
    assert link["parameters"]["instanceID"] == "$request.path.instanceID"


def test_the_start_id_is_limited_by_its_characters_and_length_only() -> None:
    _, _, start = _operations()["startWorkflow"]
    (parameter,) = [p for p in start["parameters"] if p.get("name") == "instanceID"]
    schema = parameter["schema"]
    assert set(schema) == {"type", "maxLength", "anyOf"} and schema["type"] == "string"
    assert schema["maxLength"] == 64  # characters: a necessary bound of the 64 bytes
    assert all(set(branch) == {"pattern"} for branch in schema["anyOf"])
    assert parameter["x-instance-id-rule"]["max-bytes"] == 64
    assert parameter["x-instance-id-rule"]["unicode"] == instance_ids.unicode_version()


def test_the_start_and_event_bodies_are_raw_of_any_type() -> None:
    operations = _operations()
    for operation_id in ("startWorkflow", "raiseEventWorkflow"):
        assert list(operations[operation_id][2]["requestBody"]["content"]) == ["*/*"]


def test_the_error_response_is_exactly_code_and_message() -> None:
    schema = spec()["components"]["schemas"]["ErrorResponse"]
    assert schema["required"] == ["errorCode", "message"]
    assert schema["additionalProperties"] is False


def test_every_version_difference_names_behaviours_both_versions_and_its_recording() -> None:
    from pathlib import Path

    from conformance import contract

    root = Path(__file__).resolve().parents[2] / "tests" / "vectors"
    differences = contract.spec()["x-dapr-version-differences"]
    assert differences
    catalogue = contract.behaviours()
    for entry in differences:
        assert entry["behaviours"], entry
        assert set(entry["behaviours"]) <= set(catalogue), entry
        assert {"1.16.0", "1.18.2"} <= set(entry), entry
        for version in ("1.16.0", "1.18.2"):
            assert (root / f"daprd-{version}" / f"{entry['vectors']}.json").is_file(), entry
