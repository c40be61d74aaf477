"""``make mutation`` (tools/mutation.py): its Cosmic Ray config, the copy it mutates, its score."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools import mutation

ANNOTATION_DIFF = """--- mutation diff ---
--- a/daprhttp/ids.py
+++ b/daprhttp/ids.py
@@ -14,7 +14,7 @@
-def instance_id_problem(instance_id: str) -> DaprError | None:
+def instance_id_problem(instance_id: str) -> DaprError ^ None:
     \"\"\"daprd's start-time check of an ID.\"\"\"
"""
CODE_DIFF = """--- a/daprhttp/ids.py
+++ b/daprhttp/ids.py
@@ -17,7 +17,7 @@
-    if instance_ids.byte_length(instance_id) > instance_ids.MAX_BYTES:
+    if instance_ids.byte_length(instance_id) >= instance_ids.MAX_BYTES:
"""
SIGNATURE_DIFF = """--- a/x.py
+++ b/x.py
-def f(a: int = 1) -> int:
+def f(a: int = 2) -> int:
"""


PARAMETER_DIFF = """--- a/daprhttp/refusals.py
+++ b/daprhttp/refusals.py
-    event_name: str | None,
+    event_name: str << None,
"""
DICT_ENTRY_DIFF = """--- a/x.py
+++ b/x.py
-    key: first | second + 1,
+    key: first | second - 1,
"""


def test_a_mutated_return_annotation_is_equivalent_and_a_mutated_condition_is_not() -> None:
    assert "return annotation" in mutation.equivalent_reason(ANNOTATION_DIFF)
    assert "parameter annotation" in mutation.equivalent_reason(PARAMETER_DIFF)
    assert mutation.equivalent_reason(DICT_ENTRY_DIFF) == ""
    assert mutation.equivalent_reason(CODE_DIFF) == ""
    assert mutation.equivalent_reason(SIGNATURE_DIFF) == ""  # a default value is code


def dump_line(path: str, outcome: str | None, diff: str = "") -> str:
    item = {"mutations": [{"module_path": path, "start_pos": [17, 4], "operator_name": "op"}]}
    result = None if outcome is None else {"test_outcome": outcome, "diff": diff}
    return json.dumps([item, result])


def test_the_score_counts_killed_mutants_of_those_that_change_behaviour() -> None:
    dump = "\n".join(
        [
            dump_line("a.py", "killed"),
            dump_line("a.py", "killed"),
            dump_line("a.py", "incompetent"),  # the mutant does not even import: killed
            dump_line("a.py", "survived", ANNOTATION_DIFF),
            dump_line("b.py", "survived", CODE_DIFF),
            dump_line("b.py", None),  # not run yet
        ]
    )
    score = mutation.tally(dump)
    assert (score.total, score.killed, len(score.survivors)) == (5, 3, 2)
    assert len(score.equivalent) == 1
    assert score.percent == pytest.approx(75.0)
    text = mutation.report(score, ("a.py", "b.py"))
    assert text.startswith("mutation score: 75.0% (3 of the 4 mutants that change behaviour")
    assert "EQUIVALENT (a return annotation" in text and "SURVIVED b.py:17 op" in text


def test_the_config_mutates_the_set_and_runs_the_quick_scenarios_against_the_mutated_mock() -> None:
    text = mutation.config(mutation.SETS["ci"], "/py")
    assert 'module-path = ["daprhttp/ids.py", "daprhttp/payloads.py"]' in text
    assert 'name = "local"' in text
    command = mutation.test_command("/py")
    assert command.startswith("/py -m conformance.cli --quick -x ")
    assert all(module in command for module in mutation.SCENARIO_MODULES)


def test_the_copy_to_mutate_is_fresh_each_time(tmp_path: Path) -> None:
    work = tmp_path / "work"
    mutation.prepare(work, ("daprhttp/ids.py",), fresh=False)
    copied = work / "daprhttp" / "ids.py"
    assert copied.read_text() == (mutation.ROOT / "daprhttp" / "ids.py").read_text()
    copied.write_text("broken = True\n")  # a mutant left behind by an interrupted run
    mutation.prepare(work, ("daprhttp/ids.py",), fresh=False)
    assert copied.read_text() == (mutation.ROOT / "daprhttp" / "ids.py").read_text()
    assert "daprhttp/ids.py" in (work / "cosmic-ray.toml").read_text()
    assert not (work / "conformance" / "openapi.yaml").is_symlink()
