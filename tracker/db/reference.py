"""Reference tables the research views join: the knowledge base's licenses and the audit rules.

They are data the package ships (data/knowledge/licenses.yaml, auditors.rules), not history:
`sync_reference` replaces their rows with the installed package's, in one transaction, each time
the database is brought to head (`upgrade_to_head`, under the migrations' lock), so a newer
release's licenses and rules show up in the views without a migration.
"""

from __future__ import annotations

from sqlalchemy import delete, insert
from sqlalchemy.engine import Connection

from auditors.knowledge import load_knowledge_base
from auditors.rules import RULES
from tracker.db.models import LicenseRef, RuleRef

#: Rules a scrape never evaluates: POL001 needs a maintainer's policy file, and scrapes run
#: without one. Listing them would show every artifact passing a check nobody made.
NOT_EVALUATED_BY_SCRAPES = frozenset({"POL001"})


def sync_reference(conn: Connection) -> None:
    """Replace the reference rows, in the caller's transaction (which serialises concurrent
    upgrades: tracker.db.engine.migration_connection)."""
    kb = load_knowledge_base()
    licenses = [
        {
            "id": info.id,
            "name": info.name,
            "spdx": info.spdx,
            "family": info.family,
            "commercial_use": info.commercial_use,
            "use_restrictions": info.carries_use_restrictions,
        }
        for info in kb.licenses.values()
    ]
    rules = [
        {
            "id": r.id,
            "name": r.name,
            "title": r.title,
            "severity": r.severity.value,
            "applies_to": r.applies_to,
        }
        for r in RULES
        if r.id not in NOT_EVALUATED_BY_SCRAPES
    ]
    for model, rows in ((LicenseRef, licenses), (RuleRef, rules)):
        conn.execute(delete(model))
        conn.execute(insert(model), rows)
