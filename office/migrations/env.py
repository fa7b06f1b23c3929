"""Alembic environment: always handed an open connection by office.migrations.upgrade.

Importing this module outside a migration (as the import-layers test does) runs nothing.
"""
from alembic import context


def run() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


if getattr(context, "config", None) is not None:
    run()
