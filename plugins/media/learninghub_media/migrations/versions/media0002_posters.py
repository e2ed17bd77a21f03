"""media: video posters (``media_assets.poster_key``)

Revision ID: media0002
Revises: media0001
Create Date: 2026-11-26 10:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "media0002"
down_revision = "media0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing rows have no poster yet: the empty key, like a new video's
    with op.batch_alter_table("media_assets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("poster_key", sa.String(length=300), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("media_assets", schema=None) as batch_op:
        batch_op.drop_column("poster_key")
