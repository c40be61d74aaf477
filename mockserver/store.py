"""Durable state in SQLite: a row per instance and per scheduled thing, a transaction per batch.

Rules:
- All of the mock's SQL lives here. The engine hands over a :class:`~mockserver.journal.Batch`
  after every run of due work that changed something; :meth:`SqliteStore.commit` writes it in one
  transaction (upserts of the changed instances, deletes of the gone ones, inserts of new
  scheduled work, deletes of work that ran) and returns only once SQLite has committed it, so an
  answer the mock sends describes committed state.
- WAL journal. ``synchronous=NORMAL`` (the default): in WAL mode a commit has reached the
  operating system when COMMIT returns, so it survives the process being killed (``kill -9``);
  only an OS crash or power loss can drop the latest commits, and never corrupts the file.
  ``synchronous=FULL`` also fsyncs every commit (milliseconds each) for power-loss durability.
- The file is locked for one mock at a time (``locking_mode=EXCLUSIVE``); the operating system
  releases the lock when the process dies.
- Records are JSON (ASCII) of the engine's plain data. Scheduled work is recognised by the
  identity of its ``Due`` object: the engine hands back the same object when the work has run.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import deque
from collections.abc import Callable
from dataclasses import fields
from typing import Any, Literal

from conformance.lifecycle import Operation, Status
from mockserver import history
from mockserver.instance import Failure, Instance, Waiting
from mockserver.journal import Batch, Snapshot
from mockserver.orchestrator import TaskResult
from mockserver.scheduler import Due

Synchronous = Literal["normal", "full"]
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (id TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dues (
    seq INTEGER PRIMARY KEY, due_us INTEGER NOT NULL, record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
"""


class StoreError(RuntimeError):
    """The store file cannot be used (locked by another mock, not a store, a newer format)."""


class SqliteStore:
    """The engine's state in one SQLite file."""

    def __init__(
        self, path: str | os.PathLike[str], *, synchronous: Synchronous = "normal"
    ) -> None:
        self.path = os.fspath(path)
        if synchronous not in ("normal", "full"):
            raise ValueError(f"synchronous must be 'normal' or 'full', not {synchronous!r}")
        self._db: sqlite3.Connection | None = None
        self._rows: dict[int, tuple[int, Due]] = {}
        """Stored scheduled work by ``id(due)``: its row, and the object (kept alive)."""
        try:
            # One event loop uses the connection, but not always the thread that opened it.
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=0
            )
            self._open(self._db, synchronous)
        except sqlite3.Error as error:
            self.close()
            raise StoreError(f"cannot use {self.path!r} as the mock's store: {error}") from None
        except StoreError:
            self.close()
            raise

    @staticmethod
    def _open(db: sqlite3.Connection, synchronous: Synchronous) -> None:
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"SQLite refused WAL mode (journal_mode is {mode})")
        db.execute(f"PRAGMA synchronous={synchronous.upper()}")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"the store has format {version}; this mock knows {SCHEMA_VERSION}")
        # The first write takes the exclusive lock (and fails at once if another mock has it).
        db.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}PRAGMA user_version={SCHEMA_VERSION};COMMIT;")

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError(f"the store {self.path!r} is closed")
        return self._db

    def load(self) -> Snapshot:
        """Everything committed: instances, scheduled work (in order), counters, clock."""
        db = self._conn
        instances = [
            decode_instance(record) for (record,) in db.execute("SELECT record FROM instances")
        ]
        dues: list[tuple[int, Due]] = []
        self._rows.clear()
        for seq, due_us, record in db.execute("SELECT seq, due_us, record FROM dues ORDER BY seq"):
            due = decode_due(record)
            self._rows[id(due)] = (seq, due)
            dues.append((due_us, due))
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        return Snapshot(
            instances=instances,
            dues=dues,
            last_execution=int(meta.get("last_execution", 0)),
            now_us=meta.get("now_us"),
        )

    def commit(self, batch: Batch) -> None:
        """Write ``batch`` in one transaction; on failure nothing of it is kept."""
        db = self._conn
        inserted: list[tuple[int, Due]] = []
        db.execute("BEGIN IMMEDIATE")
        try:
            if batch.reset:
                db.execute("DELETE FROM instances")
                db.execute("DELETE FROM dues")
            gone = [(key,) for key, instance in batch.instances.items() if instance is None]
            if gone:
                db.executemany("DELETE FROM instances WHERE id = ?", gone)
            db.executemany(
                "INSERT OR REPLACE INTO instances (id, record) VALUES (?, ?)",
                [
                    (key, encode_instance(instance))
                    for key, instance in batch.instances.items()
                    if instance is not None
                ],
            )
            ran = [(self._rows[id(due)][0],) for due in batch.fired if id(due) in self._rows]
            if ran:
                db.executemany("DELETE FROM dues WHERE seq = ?", ran)
            for due_us, due in batch.scheduled:
                cursor = db.execute(
                    "INSERT INTO dues (due_us, record) VALUES (?, ?)", (due_us, encode_due(due))
                )
                assert cursor.lastrowid is not None
                inserted.append((cursor.lastrowid, due))
            db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [("last_execution", batch.last_execution), ("now_us", batch.now_us)],
            )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        if batch.reset:
            self._rows.clear()
        for due in batch.fired:
            self._rows.pop(id(due), None)
        for seq, due in inserted:
            self._rows[id(due)] = (seq, due)

    def close(self) -> None:
        """Close the file (SQLite checkpoints the WAL into it); closing twice is fine."""
        if self._db is not None:
            db, self._db = self._db, None
            db.close()
        self._rows.clear()


# --- records: the engine's plain data as JSON --------------------------------------------------


def _dumps(value: Any) -> str:
    # ASCII, so IDs and payloads with any code point (lone surrogates included) round-trip.
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


_INSTANCE_CODECS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "status": (lambda status: status.value, Status),
    "failure": (
        lambda failure: [failure.error_type, failure.message, failure.stack_trace],
        lambda raw: Failure(*raw),
    ),
    "history": (
        lambda history: [_encode_result(result) for result in history],
        lambda raw: [_decode_result(result) for result in raw],
    ),
    "waiting": (lambda waiting: _encode_waiting(waiting), lambda raw: _decode_waiting(raw)),
    "events": (
        lambda events: [[name, list(queue)] for name, queue in events.items()],
        lambda raw: {name: deque(queue) for name, queue in raw},
    ),
    "parent": (list, tuple),
    "log": (history.encode, history.decode),
    "children": (
        lambda children: [list(child) for child in children],
        lambda raw: [(child_id, execution) for child_id, execution in raw],
    ),
}
"""How each instance field that is not plain JSON is written and read (None stays None).
Every other field is stored as it is, so a new plain field is kept without a change here."""

_INSTANCE_FIELDS = frozenset(item.name for item in fields(Instance))


def encode_instance(instance: Instance) -> str:
    record: dict[str, Any] = {}
    for name in sorted(_INSTANCE_FIELDS):
        value = getattr(instance, name)
        codec = _INSTANCE_CODECS.get(name)
        record[name] = value if codec is None or value is None else codec[0](value)
    return _dumps(record)


def decode_instance(text: str) -> Instance:
    values: dict[str, Any] = {}
    for name, value in json.loads(text).items():
        if name in _INSTANCE_FIELDS:  # a field this mock no longer has is left out
            codec = _INSTANCE_CODECS.get(name)
            values[name] = value if codec is None or value is None else codec[1](value)
    return Instance(**values)


def encode_due(due: Due) -> str:
    return _dumps(
        {
            "kind": due.kind,
            "id": due.instance_id,
            "execution": due.execution,
            "index": due.index,
            "operation": None if due.operation is None else due.operation.value,
            "event": due.event_name,
            "payload": due.payload,
        }
    )


def decode_due(text: str) -> Due:
    raw = json.loads(text)
    return Due(
        kind=raw["kind"],
        instance_id=raw["id"],
        execution=raw["execution"],
        index=raw["index"],
        operation=None if raw["operation"] is None else Operation(raw["operation"]),
        event_name=raw["event"],
        payload=raw["payload"],
    )


def _encode_result(result: TaskResult) -> list[Any]:
    encoded = [result.kind, result.at_us, result.payload, result.failure]
    return [*encoded, True] if result.timed_out else encoded


def _decode_result(raw: list[Any]) -> TaskResult:
    kind, at_us, payload, failure, *timed_out = raw
    return TaskResult(kind, at_us=at_us, payload=payload, failure=failure, timed_out=any(timed_out))


def _encode_waiting(waiting: Waiting) -> dict[str, Any]:
    return {
        "kind": waiting.kind,
        "index": waiting.index,
        "name": waiting.name,
        "due": waiting.due_us,
        "child": waiting.child_id,
        "childExecution": waiting.child_execution,
        "result": None if waiting.result is None else _encode_result(waiting.result),
        "outcome": None if waiting.outcome is None else _encode_result(waiting.outcome),
    }


def _decode_waiting(raw: dict[str, Any]) -> Waiting:
    return Waiting(
        raw["kind"],
        raw["index"],
        name=raw["name"],
        due_us=raw["due"],
        child_id=raw["child"],
        child_execution=raw["childExecution"],
        result=None if raw["result"] is None else _decode_result(raw["result"]),
        outcome=None if raw.get("outcome") is None else _decode_result(raw["outcome"]),
    )
