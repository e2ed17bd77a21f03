"""assessment: quizzes, attempts, answers, score changes

Revision ID: as0002
Revises: as0001
Create Date: 2026-11-26 12:50:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import learninghub.db  # noqa: F401  (custom column types)
import learninghub_assessment.models.types  # noqa: F401

revision = "as0002"
down_revision = "as0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
