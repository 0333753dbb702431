"""voxpop serve / worker / db upgrade / create-organiser: running the deliberation service."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from voxpop.cli import app
from voxpop.settings import load_settings

db_app = typer.Typer(help="Database maintenance (migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")

DbUrl = Annotated[str | None, typer.Option("--database-url", envvar="VOXPOP_DATABASE_URL",
                                           help="The database: sqlite:///FILE (default sqlite:///voxpop.db) or "
                                                "postgresql+psycopg://...")]


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(2)


def _db_error(e: Exception, url: str | None) -> typer.Exit:
    from voxpop.store.db import resolve_url

    try:
        where = resolve_url(url).rsplit("@", 1)[-1]  # never print a password
    except ValueError:
        where = "?"
    reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
    return _fail(f"cannot use the database {where}: {reason}")


def _logging() -> None:
    logging.basicConfig(level=load_settings().log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command()
def serve(
    database_url: DbUrl = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    analysis: Annotated[str, typer.Option(envvar="VOXPOP_BACKGROUND",
                                          help="Background analyses: process (a child process), thread, or "
                                               "off (run `voxpop worker` separately).")] = "process",
    no_rate_limit_per_address: Annotated[bool, typer.Option(
        "--no-rate-limit-per-address", help="Disable the per-address write limit (load tests from one address).")] = False,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Server processes sharing the port "
                                         "(more than 1 needs PostgreSQL; see docs/deploy.md).")] = 1,
) -> None:
    """Run the web server (JSON API under /api/v1, pages, OpenAPI at /docs). Migrates the database first."""
    import uvicorn

    from voxpop.web.app import create_app, uvicorn_config

    if analysis not in ("process", "thread", "off"):
        raise _fail(f"--analysis (or $VOXPOP_BACKGROUND) must be process, thread or off, not {analysis!r}")
    _logging()
    if workers > 1:
        _serve_processes(database_url, host, port, analysis, not no_rate_limit_per_address, workers)
        return
    try:
        application = create_app(database_url, background=analysis,
                                 rate_limits=False if no_rate_limit_per_address else None)
    except ValueError as e:
        raise _fail(str(e)) from None
    except SQLAlchemyError as e:
        raise _db_error(e, database_url) from None
    # access_log off: request logs would store client IP addresses, which voxpop never keeps
    uvicorn.Server(uvicorn_config(application, host=host, port=port, access_log=False, log_level="warning",
                                  timeout_graceful_shutdown=5)).run()


def _serve_processes(database_url: str | None, host: str, port: int, analysis: str, rate_limits: bool,
                     workers: int) -> None:
    """`serve --workers N`: migrate once here, then N uvicorn processes, each building the app from the
    environment (voxpop.web.app.app_from_settings) and sharing one listening socket."""
    import os

    from uvicorn.supervisors import Multiprocess

    from voxpop.store.db import Database, resolve_url
    from voxpop.web.app import uvicorn_config

    try:
        url = resolve_url(database_url or load_settings().database_url)
    except ValueError as e:
        raise _fail(str(e)) from None
    if not url.startswith("postgresql"):
        raise _fail("--workers above 1 needs PostgreSQL (SQLite takes one writing process): set --database-url "
                    "postgresql+psycopg://... or run one process")
    try:
        db = Database(url)
        db.upgrade()  # once, before the processes start (they would race to migrate)
        db.engine.dispose()
    except ValueError as e:  # e.g. a database a newer voxpop has upgraded
        raise _fail(str(e)) from None
    except SQLAlchemyError as e:
        raise _db_error(e, database_url) from None
    os.environ.update({"VOXPOP_DATABASE_URL": url, "VOXPOP_BACKGROUND": analysis,
                       "VOXPOP_RATE_LIMITS": "true" if rate_limits else "false",
                       "VOXPOP_SERVER_PROCESSES": str(workers)})  # they share the per-address limits
    config = uvicorn_config("voxpop.web.app:app_from_settings", host=host, port=port, factory=True,
                            workers=workers, access_log=False, log_level="warning", timeout_graceful_shutdown=5)
    Multiprocess(config, sockets=[config.bind_socket()]).run()


@app.command()
def worker(
    database_url: DbUrl = None,
    once: Annotated[bool, typer.Option("--once", help="Analyse and theme what is due, then exit.")] = False,
) -> None:
    """Run background jobs: analyses and listening (any number of workers may share one PostgreSQL)."""
    from voxpop.worker import run_worker

    _logging()
    try:
        run_worker(database_url, once=once)
    except ValueError as e:
        raise _fail(str(e)) from None
    except SQLAlchemyError as e:
        raise _db_error(e, database_url) from None


@db_app.command("upgrade")
def db_upgrade(database_url: DbUrl = None) -> None:
    """Apply every pending migration."""
    from voxpop.store.db import Database, current_revision

    try:
        db = Database(database_url)
        db.upgrade()
    except ValueError as e:
        raise _fail(str(e)) from None
    except SQLAlchemyError as e:
        raise _db_error(e, database_url) from None
    typer.echo(f"database at revision {current_revision(db)}")


@app.command("create-organiser")
def create_organiser(
    username: Annotated[str, typer.Argument(help="Login name.")],
    database_url: DbUrl = None,
    admin: Annotated[bool, typer.Option("--admin", help="May manage every conversation.")] = False,
    token: Annotated[bool, typer.Option("--token", help="Also print a new API token.")] = False,
    password: Annotated[str | None, typer.Option(envvar="VOXPOP_PASSWORD", help="The password (asked for when absent).")] = None,
) -> None:
    """Create an organiser account (argon2-hashed password), optionally with an API token."""
    from voxpop.errors import ServiceError
    from voxpop.services import accounts
    from voxpop.store.db import get_database

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        db = get_database(database_url)
        with db.write() as s:
            org = accounts.create_organiser(s, username, password, is_admin=admin)
            raw = accounts.create_api_token(s, org.id, "cli")[0] if token else None
    except (ServiceError, ValueError) as e:
        raise _fail(getattr(e, "message", str(e))) from None
    except SQLAlchemyError as e:
        raise _db_error(e, database_url) from None
    typer.echo(f"organiser {username!r} created (id {org.id})")
    if raw:
        typer.echo(f"API token (shown once): {raw}")
