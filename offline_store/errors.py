"""Errors the offline store raises, worded for a bus driver or a depot technician.

No ``sqlite3`` exception leaves the package: :func:`storage_failure` turns one
into a :class:`StoreUnavailable` that says what went wrong and what to do.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26

OUT_OF_SERVICE = "The validator is out of service; call the depot."
MAX_IMPORT_PROBLEMS = 20


class StoreUnavailable(Exception):
    """The store cannot read or write right now; no tap may be accepted.

    ``code`` is the primary SQLite result code when SQLite reported the fault.
    """

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class CardImportError(ValueError):
    """A card list was refused; ``problems`` names each bad line (at most 20)."""

    def __init__(self, problems: Sequence[str], more: bool = False) -> None:
        self.problems = list(problems)
        heading = f"The card list was refused ({len(self.problems)} problem(s)"
        heading += ", stopped after the first 20):" if more else "):"
        super().__init__("\n".join([heading, *self.problems]))


def _explain(code: int, path: Path) -> str:
    explanations = {
        SQLITE_FULL: "the disk is full. Free space on the SD card; the validator "
        "recovers by itself once there is room.",
        SQLITE_READONLY: f"the database {path} is read-only. Check that the validator "
        "service may write the data folder and every validator.db* file in it, and that "
        "the SD card is not mounted read-only.",
        SQLITE_CORRUPT: f"the database {path} is damaged. Do not delete it (it holds "
        "taps not yet sent); take the unit to the depot to recover it.",
        SQLITE_NOTADB: f"the file {path} is not a validator database (damaged or "
        "overwritten). Do not delete it; take the unit to the depot.",
        SQLITE_CANTOPEN: f"the database {path} cannot be opened. Check that the data "
        "folder exists and is writable by the validator service.",
        SQLITE_IOERR: "the SD card reported a read/write error (failing or loose card). "
        "Take the unit to the depot to replace the SD card.",
        SQLITE_BUSY: f"another program holds {path} locked. Stop any other validator "
        "process or tool using the database.",
    }
    explanations[SQLITE_LOCKED] = explanations[SQLITE_BUSY]
    return explanations.get(code, "")


def storage_failure(error: sqlite3.Error, path: Path) -> StoreUnavailable:
    """The driver-facing error for a SQLite failure on the database at ``path``."""
    full_code: int | None = getattr(error, "sqlite_errorcode", None)
    code = None if full_code is None else full_code & 0xFF
    detail = _explain(code, path) if code is not None else ""
    if not detail:
        detail = f"SQLite reported '{error}' on {path}."
    return StoreUnavailable(f"Storage failed: {detail} {OUT_OF_SERVICE}", code)


def os_failure(error: OSError, path: Path) -> StoreUnavailable:
    """The driver-facing error when the data folder itself cannot be used."""
    reason = error.strerror or str(error)
    return StoreUnavailable(
        f"Storage failed: cannot use the data folder {path} ({reason}). Check that it "
        f"exists, is writable and that the SD card has space. {OUT_OF_SERVICE}"
    )
