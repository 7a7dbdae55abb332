"""Settings of the delivery function: exactly the env var keys ``aiminer.topology.ISSUE_DELIVERY_LINKS.env``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from aiminer import topology
from aiminer.governance.delivery import DEFAULT_MAX_EXPIRY_SECONDS, SIGV4_MAX_EXPIRY_SECONDS


class IssueDeliveryLinksSettings(BaseModel):
    """Read once at module scope (``model_validate(os.environ)``) and passed down."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    RELEASED_BUCKET: str
    CATALOGUE_TABLE: str
    DUAS_TABLE: str
    PROJECTS_TABLE: str = Field(
        description="Read for each project's IRB status: a suspended or expired project's data is not delivered"
    )
    USAGE_TABLE: str
    IDEMPOTENCY_TABLE: str = Field(
        description="Declared for the repository zone; links are deliberately not "
        "idempotent (each issuance is a fresh, audited decision)"
    )
    LINK_EXPIRY_SECONDS: int = Field(DEFAULT_MAX_EXPIRY_SECONDS, ge=1, le=SIGV4_MAX_EXPIRY_SECONDS)
    AUDIT_TABLE: str

    @classmethod
    def keys(cls) -> frozenset[str]:
        """The env var keys this model reads."""
        return frozenset(cls.model_fields)


assert IssueDeliveryLinksSettings.keys() == set(topology.ISSUE_DELIVERY_LINKS.env), "settings drifted from topology"
