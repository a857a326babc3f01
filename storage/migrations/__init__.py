"""Alembic migrations of the warehouse (a package so that it ships with an installed gongkai)."""
