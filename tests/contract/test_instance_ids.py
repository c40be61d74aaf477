"""conformance.instance_ids: daprd's instance-ID characters as Go's tables give them, and the
spec's patterns derived from them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from conformance import instance_ids
from conformance.contract import spec
from daprhttp.ids import instance_id_problem

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("go") is None, reason="Go is not installed")
def test_the_table_is_what_go_prints() -> None:
    printed = subprocess.run(
        ["go", "run", str(REPO / "tools" / "instance_id_chars.go")],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        cwd=REPO / "tools",
    ).stdout
    assert printed == instance_ids.CHARS_PATH.read_text(encoding="utf-8"), (
        "run make instance-id-chars"
    )


def test_the_table_is_unicode_15_where_python_is_not() -> None:
    assert instance_ids.unicode_version() == "15.0.0"
    # New in Unicode 15.0: a Khojki letter, a Kawi digit. Python 3.11's tables do not know them.
    for char in ("\U0001123f", "\U00011f50"):
        assert instance_ids.allowed_char(char)
        if unicodedata.unidata_version == "14.0.0":
            assert unicodedata.category(char) == "Cn"
    for char in ("\ue000", "\u0378", " ", "$", ".", "\n", "\u00b2"):  # ² is No, not Nd
        assert not instance_ids.allowed_char(char)
    for char in "aZ09_-é实٣":
        assert instance_ids.allowed_char(char)


def test_the_mock_refuses_by_the_same_table() -> None:
    assert instance_id_problem("a-\U0001123f") is None
    assert instance_id_problem("a-\ue000") is not None
    assert instance_id_problem("é" * 32) is None
    problem = instance_id_problem("é" * 33)
    assert problem is not None and problem.code == "ERR_INSTANCE_ID_TOO_LONG"


def start_id_schema() -> dict[str, object]:
    parameters = spec()["paths"]["/workflows/{workflowComponentName}/{workflowName}/start"]["post"][
        "parameters"
    ]
    (parameter,) = [p for p in parameters if p.get("name") == "instanceID"]
    return dict(parameter["schema"])


def test_the_spec_states_the_patterns_of_the_table() -> None:
    schema = start_id_schema()
    assert [branch["pattern"] for branch in schema["anyOf"]] == (  # type: ignore[attr-defined]
        instance_ids.json_schema_patterns()
    ), "regenerate the spec's instanceID patterns from conformance.instance_ids"


def test_every_code_point_a_pattern_allows_is_allowed_and_none_other() -> None:
    single = [re.compile(p.replace("{0,", "{1,")) for p in instance_ids.json_schema_patterns()]
    widest = single[-1]
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        assert (widest.match(char) is not None) is instance_ids.allowed_char(char), hex(code)


@pytest.mark.parametrize(
    ("instance_id", "accepted", "matched"),
    [
        ("", True, True),
        ("x" * 64, True, True),
        ("x" * 65, False, False),
        ("é" * 32, True, True),
        ("é" * 33, False, False),
        ("实" * 21, True, True),
        ("实" * 22, False, False),
        ("\U0001123f" * 16, True, True),
        ("\U0001123f" * 17, False, False),
        ("a" * 20 + "实" * 14, True, False),  # 62 bytes: accepted, but no pattern can say so
        ("abc$", False, False),
    ],
)
def test_what_the_patterns_match_daprd_accepts(
    instance_id: str, accepted: bool, matched: bool
) -> None:
    assert (instance_ids.accepted(instance_id) or instance_id == "") is accepted
    assert instance_ids.schema_accepts(instance_id) is matched
