"""assessment: assignments, submissions, grade overrides

Revision ID: as0003
Revises: as0002
Create Date: 2026-11-26 12:50:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import learninghub.db  # noqa: F401  (custom column types)
import learninghub_assessment.models.types  # noqa: F401

revision = "as0003"
down_revision = "as0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
