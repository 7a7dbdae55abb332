"""Environment models: read once at module scope, passed down as arguments (the core never reads env vars).

Field names are the exact keys ``aiminer.topology`` declares for each function, so an infrastructure test and
``tests/integration`` can check the model against the spec.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from aiminer import topology


class DeidentifyObjectSettings(BaseModel):
    """Settings of the de-identify function (``aiminer.topology.DEIDENTIFY_OBJECT.env``)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    LANDING_BUCKET: str
    QUARANTINE_BUCKET: str
    REPOSITORY_INBOUND_BUCKET: str
    CROSSWALK_TABLE: str
    IDEMPOTENCY_TABLE: str
    PROJECTS_TABLE: str
    SITES_TABLE: str
    PARTNER_ID: str
    PARTNER_SITES: str = Field(description="Comma-separated site names of this partner")
    SUBMISSIONS_TABLE: str

    @property
    def sites(self) -> frozenset[str]:
        """The partner's sites."""
        return frozenset(s.strip() for s in self.PARTNER_SITES.split(",") if s.strip())

    @classmethod
    def keys(cls) -> frozenset[str]:
        """The env var keys this model reads."""
        return frozenset(cls.model_fields)


assert DeidentifyObjectSettings.keys() == set(topology.DEIDENTIFY_OBJECT.env), "settings drifted from topology"
