"""The schema, as SQLAlchemy 2 typed models.

Every fact table names the source it rests on (`source_id NOT NULL`). Enumerations are text with
named CHECK constraints so that the schema reads the same on SQLite and PostgreSQL. Dates of
roles and outcomes are calendar dates; reported counts and history carry timestamps (UTC).

`base` (conventions, sources, history), `people` (people, organizations, roles, decisions on who
is who), `letters` (letters, demands, signatures, counts); all of it is importable from here.
"""

from tracker.db.models.base import (
    ALIAS_KINDS,
    COUNT_QUALIFIERS,
    DEMAND_KINDS,
    DEMAND_OUTCOMES,
    IDENTIFIER_LENGTH,
    IDENTITY_DECISIONS,
    NAME_LENGTH,
    NAMING_CONVENTION,
    SIGNATURE_STATUSES,
    Base,
    HistoryEntry,
    Source,
)
from tracker.db.models.letters import (
    Demand,
    DemandCandidate,
    DemandOutcome,
    DemandTarget,
    Letter,
    ReportedCount,
    Signature,
    SignatureEvent,
)
from tracker.db.models.people import (
    Alias,
    IdentityDecision,
    Organization,
    OrganizationAlias,
    Person,
    Role,
)

__all__ = [
    "ALIAS_KINDS",
    "COUNT_QUALIFIERS",
    "DEMAND_KINDS",
    "DEMAND_OUTCOMES",
    "IDENTIFIER_LENGTH",
    "IDENTITY_DECISIONS",
    "NAME_LENGTH",
    "NAMING_CONVENTION",
    "SIGNATURE_STATUSES",
    "Alias",
    "Base",
    "Demand",
    "DemandCandidate",
    "DemandOutcome",
    "DemandTarget",
    "HistoryEntry",
    "IdentityDecision",
    "Letter",
    "Organization",
    "OrganizationAlias",
    "Person",
    "ReportedCount",
    "Role",
    "Signature",
    "SignatureEvent",
    "Source",
]
