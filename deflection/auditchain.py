"""Checks the audit trail's hash chain (SECURITY.md 26).

Each row holds `prev_hash` (the hash of the row before it, by id) and `row_hash` (a SHA-256 of its
own content and `prev_hash`), both written by the database trigger of migration 0005. A row changed
after it was written no longer matches its own hash; a row deleted or slipped in breaks the link
of the row after it. Rows removed from the very end of the table leave no broken link, so the chain's
head (the last row's id and hash) is also written down outside the database: `audit_verify` prints it,
and the coordinators' weekly audit email carries it. `audit_verify --head ID:HASH` with a head noted
earlier then reports a truncated or rewritten tail (that row missing, or no longer the same).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    kind: str  # "altered" or "broken link"
    explanation: str

    def __str__(self) -> str:
        return f"audit event {self.event_id}: {self.kind}: {self.explanation}"


def audit_chain_problems(*, batch: int = 5000) -> tuple[int, list[ChainProblem]]:
    """(rows checked, problems) for the whole table, in id order, streamed in batches."""
    problems: list[ChainProblem] = []
    checked = 0
    previous_id, previous_hash = None, GENESIS
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            "SELECT e.id, e.prev_hash, e.row_hash, deflection_audit_row_hash(e, e.prev_hash) "
            "FROM deflection_auditevent e ORDER BY e.id"
        )
        while rows := cursor.fetchmany(batch):
            for event_id, prev_hash, row_hash, recomputed in rows:
                checked += 1
                if row_hash != recomputed:
                    problems.append(ChainProblem(event_id, "altered", "its content no longer matches its hash"))
                if prev_hash != previous_hash:
                    where = f"after event {previous_id}" if previous_id else "at the start"
                    problems.append(
                        ChainProblem(
                            event_id,
                            "broken link",
                            f"the row {where} is not the one it was chained to: a row was deleted or inserted here",
                        )
                    )
                previous_id, previous_hash = event_id, row_hash
    return checked, problems


@dataclass(frozen=True)
class Head:
    event_id: int
    row_hash: str

    def __str__(self) -> str:
        return f"{self.event_id}:{self.row_hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        event_id, _, row_hash = text.strip().partition(":")
        if not event_id.isascii() or not event_id.isdigit() or len(row_hash) != 64:
            raise ValueError("a chain head is written ID:HASH, e.g. 1234:9f86d08...(64 hex digits)")
        return cls(int(event_id), row_hash.lower())


def audit_chain_head() -> Head | None:
    """The last row of the chain: note it somewhere the database's owner cannot reach."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, row_hash FROM deflection_auditevent ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    return Head(row[0], row[1]) if row else None


def head_problems(head: Head) -> list[ChainProblem]:
    """Whether a head noted earlier is still in the chain, unchanged (the chain after it is checked by the walk)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_hash FROM deflection_auditevent WHERE id = %s", [head.event_id])
        row = cursor.fetchone()
    if row is None:
        return [ChainProblem(head.event_id, "missing", "the chain head noted earlier is gone: the tail was cut off")]
    if row[0] != head.row_hash:
        return [ChainProblem(head.event_id, "altered", "the chain head noted earlier has another hash now")]
    return []
