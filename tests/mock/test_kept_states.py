"""GET's kept bodies (daprhttp.kept_states): a full cache drops only what no GET can answer."""

from __future__ import annotations

from daprhttp.kept_states import KeptStates


def test_more_live_instances_than_the_limit_all_stay_kept() -> None:
    revisions = {f"i{n}": 1 for n in range(10)}
    kept = KeptStates(limit=4)
    for instance_id, revision in revisions.items():
        kept.keep(instance_id, revision, instance_id.encode(), revisions.get)
    assert len(kept) == 10
    assert all(kept.kept(i, r) == i.encode() for i, r in revisions.items())


def test_a_full_cache_drops_the_bodies_of_gone_or_changed_instances() -> None:
    revisions = {"a": 1, "b": 1, "c": 1}
    kept = KeptStates(limit=3)
    for instance_id in revisions:
        kept.keep(instance_id, 1, instance_id.encode(), revisions.get)
    del revisions["a"]  # purged
    revisions["b"] = 2  # changed since its body was kept
    revisions["d"] = 1
    kept.keep("d", 1, b"d", revisions.get)
    assert len(kept) == 2
    assert kept.kept("c", 1) == b"c"
    assert kept.kept("d", 1) == b"d"
    assert kept.kept("a", 1) is None


def test_a_body_is_answered_only_at_its_revision() -> None:
    kept = KeptStates()
    kept.keep("a", 1, b"old", {"a": 1}.get)
    assert kept.kept("a", 2) is None
    assert kept.kept("a", None) is None
    assert kept.keep("a", None, b"x", {"a": None}.get) == b"x"
    assert kept.kept("a", 1) == b"old"
