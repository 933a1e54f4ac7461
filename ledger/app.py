"""The reference central ledger as a FastAPI application.

``create_app(data_dir)`` opens (or makes) the ledger's database, signing key
and admin token in ``data_dir`` and returns the app; :mod:`ledger.serve` runs
it. The OpenAPI description is at ``/openapi.json``; the prose guide is
``docs/ledger-api.md``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from ledger import auth, cards, catalog, emv, history, lists, positions, tickets, uploads
from ledger.batches import UploadBody
from ledger.catalog import seed_catalog
from ledger.context import Ledger, Settings, iso, utc_now
from ledger.db import DB_FILE, Database
from ledger.errors import install_error_handlers
from ledger.signing import admin_token, load_signing_key

DESCRIPTION = (
    "Reference central ledger for the on-bus fare validator: device enrollment, "
    "signed requests, cards, tap uploads, signed balance/deny lists, fare tables, "
    "routes, SMS and messenger tickets, trip history and statistics. "
    "See docs/ledger-api.md for the wire formats."
)


def create_app(data_dir: Path, settings: Settings | None = None) -> FastAPI:
    """The ledger app over the database, key and admin token in ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(
        db=Database(data_dir / DB_FILE),
        key=load_signing_key(data_dir),
        admin_token=admin_token(data_dir),
        settings=settings or Settings(),
    )
    seed_catalog(ledger)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        ledger.db.close()

    app = FastAPI(title="Reference ledger", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.ledger = ledger
    install_error_handlers(app)
    for module in (auth, cards, uploads, lists, catalog, tickets, history, emv, positions):
        app.include_router(module.router)
    app.add_api_route("/v1/time", server_time, methods=["GET"], tags=["devices"])
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def server_time() -> dict[str, Any]:
    """The ledger's clock, for devices to measure their offset (public)."""
    now = utc_now()
    return {"server_time": iso(now), "unix_ms": int(now.timestamp() * 1000)}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated description plus the upload body schema (read by hand, maybe gzip'd)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        upload = TypeAdapter[Any](UploadBody).json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(upload.pop("$defs", {}))
        components["UploadBody"] = upload
        app.openapi_schema = schema
    return app.openapi_schema
