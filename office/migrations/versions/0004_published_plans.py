"""Published plans in the database, and settings every server shares.

- ``plans``: one row per publication or removal of a plan, never updated: the raw file
  as uploaded (bytes), its sidecar (metadata and the review's corrections), the
  canonical Markdown and the reader's text copy, with who published it and when. The
  row id is the plan's version; the newest row of a document id says what is served
  (a removal row: nothing). Before: the files alone, written into the corpus folder
  of the one server that published them;
- ``settings``: values every server of one database must agree on (the session
  key, so a login on one server is a login on all).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade():
    op.create_table(
        "plans",
        sa.Column("id", Id, primary_key=True),
        sa.Column("doc_id", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("markdown", sa.Text, nullable=False, server_default=""),
        sa.Column("raw_name", sa.Text, nullable=False, server_default=""),
        sa.Column("raw", sa.LargeBinary, nullable=True),
        sa.Column("sidecar", sa.Text, nullable=False, server_default=""),
        sa.Column("text_name", sa.Text, nullable=False, server_default=""),
        sa.Column("text_copy", sa.Text, nullable=False, server_default=""),
        sa.Column("who", sa.Text, nullable=False, server_default=""),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("origin", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("plans_by_doc", "plans", ["doc_id", "id"])
    op.create_table(
        "settings",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
