"""audit: initial (tables; on PostgreSQL the append-only guard)

Revision ID: au0001
Revises:
Depends on: k0004 (kernel)
Create Date: 2026-11-26 06:51:11.423202

On PostgreSQL this revision also installs (see docs/plugins/audit.md, "PostgreSQL"):

* ``audit_guard()``, a trigger function on ``audit_events`` and ``audit_chain_heads``
  for every role, the owner included:
  - UPDATE of ``audit_events`` only seals a pending row (``seq``/``hash`` NULL before,
    set after, every other column unchanged); anything else is refused;
  - UPDATE of ``audit_chain_heads`` only moves a head forward;
  - DELETE and TRUNCATE are refused, except (a) inside the privileged functions
    below, which run as the owner and set ``learninghub.audit_privileged`` for
    their own statement, and (b) rows whose tenant no longer exists (the
    ``ON DELETE CASCADE`` of a deleted tenant);
* ``audit_apply_retention(tenant, checkpoint)``: ``SECURITY DEFINER``; deletes only
  the rows a sealed retention checkpoint of that tenant covers;
* ``audit_purge_tenant(tenant)``: ``SECURITY DEFINER``; deletes a tenant's trail
  only once the audit plugin was uninstalled for that tenant.

``EXECUTE`` on both functions is revoked from ``PUBLIC``: only the owner (the role
that ran the migrations) may call them unless an operator grants it.
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "au0001"
down_revision = None
branch_labels = ("audit",)
depends_on = "k0004"

GUARD = """
CREATE OR REPLACE FUNCTION audit_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  privileged boolean :=
    coalesce(current_setting('learninghub.audit_privileged', true), '') = 'on'
    AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
  sealing constant text[] := ARRAY['seq', 'prev_hash', 'hash'];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    IF privileged THEN
      RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit trail: TRUNCATE % refused (append-only)', TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN
    IF privileged OR NOT EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id) THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit trail: DELETE from % refused (append-only)', TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_TABLE_NAME = 'audit_events' THEN
    IF OLD.seq IS NULL AND OLD.hash IS NULL
       AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
       AND (to_jsonb(NEW) - sealing) = (to_jsonb(OLD) - sealing) THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit trail: UPDATE of audit row % refused (only sealing a pending row)',
      OLD.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.tenant_id = OLD.tenant_id AND (
       NEW.last_seq > OLD.last_seq
       OR (NEW.last_seq = OLD.last_seq AND NEW.last_hash = OLD.last_hash
           AND NEW.signature = OLD.signature)) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit trail: the chain head of tenant % may only move forward', OLD.tenant_id
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""

RETENTION = """
CREATE OR REPLACE FUNCTION audit_apply_retention(p_tenant uuid, p_checkpoint uuid)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
  v_through bigint;
  v_seq bigint;
  v_count bigint;
BEGIN
  SELECT through_seq, seq INTO v_through, v_seq FROM audit_events
   WHERE id = p_checkpoint AND tenant_id = p_tenant AND kind = 'checkpoint'
     AND seq IS NOT NULL AND hash IS NOT NULL AND signature IS NOT NULL;
  IF v_through IS NULL OR v_through >= v_seq THEN
    RAISE EXCEPTION 'audit trail: % is not a sealed retention checkpoint of tenant %',
      p_checkpoint, p_tenant USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM set_config('learninghub.audit_privileged', 'on', true);
  DELETE FROM audit_events
   WHERE tenant_id = p_tenant AND seq IS NOT NULL AND seq <= v_through;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  PERFORM set_config('learninghub.audit_privileged', 'off', true);
  RETURN v_count;
END
$$
"""

PURGE = """
CREATE OR REPLACE FUNCTION audit_purge_tenant(p_tenant uuid)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
  v_count bigint;
BEGIN
  IF EXISTS (SELECT 1 FROM tenant_plugins WHERE tenant_id = p_tenant AND plugin = 'audit') THEN
    RAISE EXCEPTION 'audit trail: uninstall the audit plugin for tenant % before purging',
      p_tenant USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM set_config('learninghub.audit_privileged', 'on', true);
  DELETE FROM audit_events WHERE tenant_id = p_tenant;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  DELETE FROM audit_chain_heads WHERE tenant_id = p_tenant;
  PERFORM set_config('learninghub.audit_privileged', 'off', true);
  RETURN v_count;
END
$$
"""

TRIGGERS = (
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_guard()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_guard()",
    "CREATE TRIGGER audit_chain_heads_forward_only BEFORE UPDATE OR DELETE ON audit_chain_heads "
    "FOR EACH ROW EXECUTE FUNCTION audit_guard()",
    "CREATE TRIGGER audit_chain_heads_no_truncate BEFORE TRUNCATE ON audit_chain_heads "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_guard()",
)
FUNCTIONS = ("audit_apply_retention(uuid, uuid)", "audit_purge_tenant(uuid)", "audit_guard()")


def upgrade() -> None:
    op.create_table(
        "audit_chain_heads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retention_checked_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_audit_chain_heads_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_heads")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_audit_chain_heads_tenant_id")),
    )
    with op.batch_alter_table("audit_chain_heads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_chain_heads_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("resource_type", sa.String(length=100), nullable=False),
        sa.Column("resource_id", sa.String(length=200), nullable=False),
        sa.Column("old_values", sa.JSON(), nullable=True),
        sa.Column("new_values", sa.JSON(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=500), nullable=False),
        sa.Column("request_id", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("through_seq", sa.BigInteger(), nullable=True),
        sa.Column("signature", sa.String(length=64), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("kind IN ('event', 'checkpoint')", name=op.f("ck_audit_events_kind")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_audit_events_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("tenant_id", "seq", name=op.f("uq_audit_events_tenant_id_seq")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_events_tenant_action", ["tenant_id", "action"], unique=False
        )
        batch_op.create_index(
            "ix_audit_events_tenant_actor", ["tenant_id", "actor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_events_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "ix_audit_events_tenant_occurred", ["tenant_id", "occurred_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_audit_events_tenant_resource",
            ["tenant_id", "resource_type", "resource_id"],
            unique=False,
        )

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        schema = bind.dialect.identifier_preparer.quote(
            bind.execute(sa.text("SELECT current_schema()")).scalar()
        )
        op.execute(GUARD)
        op.execute(RETENTION.format(schema=schema))
        op.execute(PURGE.format(schema=schema))
        for statement in TRIGGERS:
            op.execute(statement)
        for function in FUNCTIONS[:2]:
            op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_tenant_resource")
        batch_op.drop_index("ix_audit_events_tenant_occurred")
        batch_op.drop_index(batch_op.f("ix_audit_events_tenant_id"))
        batch_op.drop_index("ix_audit_events_tenant_actor")
        batch_op.drop_index("ix_audit_events_tenant_action")

    op.drop_table("audit_events")  # drops its triggers
    with op.batch_alter_table("audit_chain_heads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_chain_heads_tenant_id"))

    op.drop_table("audit_chain_heads")
    if op.get_bind().dialect.name == "postgresql":
        for function in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
