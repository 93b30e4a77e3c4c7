"""initial schema: items, inventory points and the stock between them

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inventory_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("part_number", sa.String(length=100), nullable=True),
        sa.Column("part_number_key", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_item")),
        sa.UniqueConstraint("name_key", name=op.f("uq_inventory_item_name_key")),
        sa.UniqueConstraint("part_number_key", name=op.f("uq_inventory_item_part_number_key")),
    )
    op.create_table(
        "inventory_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_point")),
        sa.UniqueConstraint("name_key", name=op.f("uq_inventory_point_name_key")),
    )
    op.create_table(
        "stock",
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_stock_quantity_not_negative")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["inventory_item.id"],
            name=op.f("fk_stock_item_id_inventory_item"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["inventory_point.id"],
            name=op.f("fk_stock_point_id_inventory_point"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("point_id", "item_id", name=op.f("pk_stock")),
    )
    op.create_index(op.f("ix_stock_item_id"), "stock", ["item_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_stock_item_id"), table_name="stock")
    op.drop_table("stock")
    op.drop_table("inventory_point")
    op.drop_table("inventory_item")
