"""Persistence: the only package that talks SQL (SQLModel/SQLAlchemy over SQLite or PostgreSQL)."""
