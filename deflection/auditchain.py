"""Checks the audit trail's hash chain (SECURITY.md 26).

Each row holds `prev_hash` (the hash of the row before it, by id) and `row_hash` (a SHA-256 of its
own content and `prev_hash`), both written by the database trigger of migration 0005. A row changed
after it was written no longer matches its own hash; a row deleted or slipped in breaks the link
of the row after it. What this cannot see: rows removed from the very end of the table.
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
