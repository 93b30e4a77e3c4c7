"""stock imports and the movement ledger: every change of a quantity, appended

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite reuses the id of the last row deleted; the ledger needs ids that stay unique.
    for table in ("inventory_item", "inventory_point"):
        if op.get_bind().dialect.name == "sqlite":
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
            ):
                pass
    op.create_table(
        "stock_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("reverted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_import")),
    )
    with op.batch_alter_table("stock_import", schema=None) as batch_op:
        batch_op.create_index("ix_stock_import_point_id_id", ["point_id", "id"], unique=False)
        batch_op.create_index(
            "uq_stock_import_point_id_idempotency_key", ["point_id", "idempotency_key"], unique=True
        )

    op.create_table(
        "stock_movement",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity_before", sa.BigInteger(), nullable=True),
        sa.Column("quantity_after", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movement")),
    )
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.create_index("ix_stock_movement_import_id_id", ["import_id", "id"], unique=False)
        batch_op.create_index("ix_stock_movement_point_id_id", ["point_id", "id"], unique=False)
        batch_op.create_index(
            "ix_stock_movement_point_id_item_id_id", ["point_id", "item_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_movement_point_id_item_id_id")
        batch_op.drop_index("ix_stock_movement_point_id_id")
        batch_op.drop_index("ix_stock_movement_import_id_id")

    op.drop_table("stock_movement")
    with op.batch_alter_table("stock_import", schema=None) as batch_op:
        batch_op.drop_index("uq_stock_import_point_id_idempotency_key")
        batch_op.drop_index("ix_stock_import_point_id_id")

    op.drop_table("stock_import")
    for table in ("inventory_item", "inventory_point"):
        if op.get_bind().dialect.name == "sqlite":
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": False}
            ):
                pass
