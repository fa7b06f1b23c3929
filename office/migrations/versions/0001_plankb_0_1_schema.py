"""The schema plankb 0.1 created by hand: lists and their items.

Created only where absent: a database made by that release already has both tables
(and its data), so it passes through this revision untouched.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade():
    have = sa.inspect(op.get_bind())
    if not have.has_table("lists"):
        op.create_table(
            "lists",
            sa.Column("id", Id, primary_key=True),
            sa.Column("name", sa.Text, nullable=False, unique=True),
            sa.Column("title", sa.Text, nullable=False, server_default=""),
            sa.Column("created_at", sa.Text, nullable=False),
            sa.Column("updated_at", sa.Text, nullable=False),
            sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
        )
    if not have.has_table("items"):
        op.create_table(
            "items",
            sa.Column("id", Id, primary_key=True),
            sa.Column("list_id", Id, sa.ForeignKey("lists.id", ondelete="CASCADE"), nullable=False),
            sa.Column("clause_id", sa.Text, nullable=False),
            sa.Column("position", sa.BigInteger, nullable=False),
            *(sa.Column(f, sa.Text, nullable=False, server_default="")
              for f in ("lead_unit", "support_units", "deadline", "note")),
            *(sa.Column(f"{f}_v", sa.BigInteger, nullable=False, server_default="0")
              for f in ("lead_unit", "support_units", "deadline", "note")),
            sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
            sa.Column("created_at", sa.Text, nullable=False),
            sa.Column("updated_at", sa.Text, nullable=False),
            sa.UniqueConstraint("list_id", "clause_id"),
        )
        op.create_index("items_by_position", "items", ["list_id", "position"])
