"""Engine and sessions: SQLite (WAL, one file) by default, PostgreSQL when VOXPOP_DATABASE_URL says so.

Durability: SQLite runs in WAL mode with synchronous=NORMAL. A committed transaction is in the WAL file
before commit returns, so it survives the process being killed (SIGKILL, crash); a power loss or kernel
crash may lose the last transactions before the next checkpoint. Set VOXPOP_SQLITE_SYNCHRONOUS=FULL to be
durable against power loss too (slower). Writes use BEGIN IMMEDIATE so two writers never deadlock on a
lock upgrade; busy_timeout makes them wait for each other instead of failing.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import orjson
from sqlalchemy import CursorResult, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from voxpop.settings import load_settings

DEFAULT_URL = "sqlite:///voxpop.db"
ENV_URL = "VOXPOP_DATABASE_URL"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATE_LOCK = 7_274_001  # advisory lock id serialising migrations across processes


def resolve_url(url: str | None = None) -> str:
    """The database URL: the argument, else $VOXPOP_DATABASE_URL, else ./voxpop.db (SQLite)."""
    url = url or load_settings().database_url or DEFAULT_URL
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise ValueError(f"unsupported database URL {url!r}: use sqlite:///FILE or postgresql+psycopg://...")
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_begin)
    sync = load_settings().sqlite_synchronous
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA synchronous={sync}")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA cache_size=-32000")
    cur.close()


def finite_json(value):
    """NaN and infinities become null (JSON has no such numbers; PostgreSQL rejects them)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    return value


def json_dumps(value) -> str:
    """Strict JSON for JSON columns. orjson (NaN and infinities become null, numpy arrays and scalars as
    numbers; a 1M-participant analysis document of ~100 MB in well under a second, ~10x the standard
    library); the standard library for anything orjson refuses (e.g. integers beyond 64 bits), with a
    cleaning pass only if a NaN slipped in."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()
    except (TypeError, orjson.JSONEncodeError):
        pass
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return json.dumps(finite_json(value), allow_nan=False, separators=(",", ":"))


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))


class Database:
    """One database: an engine, a read Session factory and a write Session factory."""

    def __init__(self, url: str | None = None, *, pool_size: int = 10) -> None:
        self.url = resolve_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            path = self.sqlite_path
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                self.url, connect_args={"check_same_thread": False, "timeout": 30},
                pool_size=pool_size, max_overflow=20, json_serializer=json_dumps,
            )
            event.listen(self.engine, "connect", self._on_sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
            write_engine = self.engine.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        else:
            self.engine = create_engine(self.url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True,
                                        json_serializer=json_dumps)
            write_engine = self.engine  # type: ignore[assignment]  # same interface as OptionEngine
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(write_engine, expire_on_commit=False)

    wal_autocheckpoint = 1000  # pages; 0 while a server checkpoints from its own thread (set_manual_checkpoints)

    def _on_sqlite_connect(self, dbapi_conn, record) -> None:
        _sqlite_pragmas(dbapi_conn, record)
        dbapi_conn.execute(f"PRAGMA wal_autocheckpoint={int(self.wal_autocheckpoint)}")

    def set_manual_checkpoints(self, manual: bool) -> None:
        """SQLite: when True, commits never run a checkpoint themselves (a server thread calls
        checkpoint() instead), so a vote's commit never waits for the database file to be synced."""
        if self.is_sqlite:
            self.wal_autocheckpoint = 0 if manual else 1000
            self.engine.dispose()  # new connections get the setting

    @property
    def sqlite_path(self) -> Path | None:
        return sqlite_file(self.url)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (and for short writes that need no BEGIN IMMEDIATE)."""
        with self._read() as s:
            yield s

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session for one write transaction: committed on success, rolled back on error."""
        with self._write() as s, s.begin():
            yield s

    def session(self) -> Session:
        """A plain write-capable Session (caller commits); BEGIN IMMEDIATE on SQLite."""
        return self._write()

    def upgrade(self) -> None:
        """Apply every pending migration (safe when several processes start at once)."""
        upgrade(self)

    def dispose(self) -> None:
        self.engine.dispose()

    def checkpoint(self) -> None:
        """SQLite: copy the WAL into the database without blocking anyone (PASSIVE). A server calls
        this from a background thread so that vote commits rarely pay for the automatic checkpoint."""
        if self.is_sqlite and self.sqlite_path is not None:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def alembic_config(db: Database):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


@functools.cache
def known_revisions() -> tuple[str, tuple[str, ...]]:
    """This voxpop's newest schema revision and every revision it knows, oldest first (from the migrations
    shipped with it; no database needed; read once per process, as the migrations do not change under it)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    assert head is not None, "voxpop ships its migrations"
    return head, tuple(r.revision for r in reversed(list(script.walk_revisions())))


class SchemaMismatch(ValueError):
    """The database's schema revision is not this voxpop's newest: older (a command that only reads does not
    upgrade it) or unknown (a newer voxpop upgraded it; this one can neither read nor upgrade it)."""

    def __init__(self, url: str, revision: str | None, head: str, newer: bool) -> None:
        from voxpop import __version__

        self.url, self.revision, self.head, self.newer = url, revision, head, newer
        if newer:
            message = (f"the database {where_is(url)} is at schema revision {revision}, which this voxpop "
                       f"({__version__}, newest revision {head}) does not know: a newer voxpop has upgraded it; "
                       "use that voxpop (or a newer one) with this database, or restore a backup taken before "
                       "the upgrade")
        else:
            message = (f"the database {where_is(url)} is at schema revision {revision or '(none)'}, older than "
                       f"this voxpop's {head}")
        super().__init__(message)


def where_is(url: str) -> str:
    """A database as a person named it: the SQLite file, or the server and database (never a password)."""
    path = sqlite_file(url)
    return f"{path} ({url})" if path is not None else url.rsplit("@", 1)[-1]


def check_revision(url: str, revision: str | None) -> None:
    """Raise SchemaMismatch unless `revision` is this voxpop's newest."""
    head, known = known_revisions()
    if revision == head:
        return
    raise SchemaMismatch(url, revision, head, newer=revision is not None and revision not in known)


def _refuse_unknown_revision(db: Database, conn) -> None:
    """Before migrating: a database a newer voxpop has upgraded is refused with a clear message (Alembic would
    stop on a revision it cannot locate, with a traceback)."""
    from alembic.runtime.migration import MigrationContext

    revision = MigrationContext.configure(conn).get_current_revision()
    conn.rollback()
    head, known = known_revisions()
    if revision is not None and revision not in known:
        raise SchemaMismatch(db.url, revision, head, newer=True)


def upgrade(db: Database, revision: str = "head") -> None:
    """Migrate to `revision`; a database at a revision this voxpop does not know raises SchemaMismatch."""
    from alembic import command

    cfg = alembic_config(db)
    if db.is_sqlite:
        path = db.sqlite_path
        lock_path = Path(str(path) + ".migrate-lock") if path else None
        with contextlib.ExitStack() as stack:
            if lock_path is not None:
                fh = stack.enter_context(open(lock_path, "a+"))
                fcntl.flock(fh, fcntl.LOCK_EX)
            with db.engine.connect() as conn:
                _refuse_unknown_revision(db, conn)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                conn.commit()
        return
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATE_LOCK})
        conn.commit()
        try:
            _refuse_unknown_revision(db, conn)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATE_LOCK})
            conn.commit()


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


_DATABASES: dict[str, Database] = {}


class NoDatabase(LookupError):
    """A command that only reads was pointed at a database that is not there (or is not voxpop's)."""

    def __init__(self, url: str, path: Path | None, reason: str) -> None:
        super().__init__(reason)
        self.url, self.path, self.reason = url, path, reason


def sqlite_file(url: str) -> Path | None:
    """The file a sqlite:/// URL names (None for other databases and for :memory:)."""
    if not url.startswith("sqlite"):
        return None
    raw = url.split("///", 1)[1] if "///" in url else ""
    return None if raw in ("", ":memory:") else Path(raw.split("?", 1)[0])


_NO_TABLES = object()  # _sqlite_revision of a file without voxpop's migrations table


def _sqlite_revision(path: Path) -> object:
    """The schema revision an existing SQLite file is at (None: voxpop's table, but no revision in it), or
    _NO_TABLES when it has no voxpop migrations table or is not a SQLite file; read without writing to it
    (the engine's connect would switch even an empty file to WAL)."""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
                            ).fetchone() is None:
                return _NO_TABLES
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            return row[0] if row else None
    except sqlite3.DatabaseError:  # not a SQLite file
        return _NO_TABLES


def _existing_revision(db: Database) -> object:
    """The schema revision of a server database (PostgreSQL), or _NO_TABLES; only reads."""
    from sqlalchemy import inspect

    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return _NO_TABLES
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


def get_database(url: str | None = None, *, migrate: bool = True, create: bool = True) -> Database:
    """A process-wide Database per URL, migrated on first use. create=False (commands that only read): the
    database is never created nor migrated: a SQLite file that does not exist raises NoDatabase instead of
    being created, and so does a database without voxpop's tables (nothing is written into someone else's
    file); one whose schema revision is not this voxpop's newest raises SchemaMismatch (older: it would
    need upgrading; unknown: a newer voxpop upgraded it) and is left as it was."""
    key = resolve_url(url)
    db = _DATABASES.get(key)
    if db is None and not create:
        return _open_existing(key)
    if db is None:
        db = Database(key)
        if migrate:
            db.upgrade()
        _DATABASES[key] = db
    return db


def _open_existing(key: str) -> Database:
    path = sqlite_file(key)
    if path is not None and not path.is_file():
        raise NoDatabase(key, path, f"there is no database file {path}")
    # a SQLite file is read with the sqlite3 module first: an unusable one is never opened by the engine
    revision = _sqlite_revision(path) if path is not None else None
    if revision is _NO_TABLES:
        raise NoDatabase(key, path, f"{path} is not a voxpop database (it has no voxpop tables)")
    db = Database(key)
    if path is None:
        try:
            revision = _existing_revision(db)
        except BaseException:
            db.dispose()
            raise
        if revision is _NO_TABLES:
            db.dispose()
            raise NoDatabase(key, None, f"the database {where_is(key)} is not a voxpop database (it has no voxpop "
                             "tables)")
    try:
        check_revision(key, cast(str | None, revision))
    except SchemaMismatch:
        db.dispose()
        raise
    _DATABASES[key] = db
    return db


def rowcount(result: Any) -> int:
    """The number of rows an UPDATE / DELETE / INSERT matched (SQLAlchemy types execute() as a plain Result)."""
    return int(cast(CursorResult, result).rowcount)
