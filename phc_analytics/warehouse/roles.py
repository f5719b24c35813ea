"""The least-privilege roles the migrations create (sql/migrations/004_roles.sql), and the
variables their passwords come from."""

from __future__ import annotations

import os
from dataclasses import dataclass

from phc_analytics import settings


@dataclass(frozen=True)
class Role:
    name: str
    password_env: str
    purpose: str

    def password(self) -> str | None:
        return os.environ.get(self.password_env) or None


ROLES = {
    "etl": Role("phc_etl", settings.ENV_ETL_PASSWORD, "runs the pipeline"),
    "bi": Role("phc_bi", settings.ENV_BI_PASSWORD, "reads analytics only"),
}


def passwords_from_environment() -> dict[str, str]:
    """Role name -> password, for the roles whose variable is set."""
    return {role.name: role.password() for role in ROLES.values() if role.password()}
