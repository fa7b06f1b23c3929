"""Actual values by year in the office database, their history, and task status.

- ``actuals``: the current value of one measure (indicator row or target) in one year,
  with who entered it and when (before: a stdlib-sqlite3 file of its own,
  ``actuals.sqlite3``, imported once by office.tracking.actuals);
- ``actuals_history``: every value that was overwritten or deleted, kept as it was,
  with who replaced it and when, so an evaluation can show how a number changed;
- ``items.status``: 未启动 / 推进中 / 已完成 / 滞后 / 已调整 ('' = not set);
- ``progress``: dated progress entries of a list item (what was done, by whom).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade():
    op.create_table(
        "actuals",
        sa.Column("measure_id", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("who", sa.Text, nullable=False, server_default=""),
        sa.Column("entered_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("measure_id", "year"),
    )
    op.create_table(
        "actuals_history",
        sa.Column("id", Id, primary_key=True),
        sa.Column("measure_id", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("who", sa.Text, nullable=False, server_default=""),
        sa.Column("entered_at", sa.Text, nullable=False),
        sa.Column("replaced_at", sa.Text, nullable=False),
        sa.Column("replaced_by", sa.Text, nullable=False, server_default=""),
        sa.Column("change", sa.Text, nullable=False, server_default="overwrite"),
    )
    op.create_index("actuals_history_by_measure", "actuals_history", ["measure_id", "year", "id"])
    op.add_column("items", sa.Column("status", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "progress",
        sa.Column("id", Id, primary_key=True),
        sa.Column("item_id", Id, nullable=False),
        sa.Column("list_id", Id, nullable=False),
        sa.Column("on_date", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("who", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_index("progress_by_item", "progress", ["item_id", "id"])
