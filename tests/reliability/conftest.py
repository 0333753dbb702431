"""Database fixtures (db_url, db, pg_url, pg_admin_url) live in tests/conftest.py."""
