"""Alembic revisions (a package so a wheel installs them)."""
