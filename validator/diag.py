"""``validator diag``: one .tar.gz for support, made even on a broken unit.

Members: ``README.txt``, ``logs.txt`` (journalctl), ``config.toml`` (secrets
masked), ``keys.txt`` (which key files exist and their modes; never their
contents), ``versions.txt``, ``store.txt`` (health) and ``journal.jsonl`` (the
last 200 rows). Each part that cannot be collected says why instead. Before
anything is written every member is scanned for a clear card number
(:func:`validator.pan.scan_for_pans`); a bundle holding one is refused.
"""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from offline_store import JournalRow, OfflineStore, StoreUnavailable
from validator.app import open_store
from validator.config import Config, ConfigError, load_config, render_config
from validator.pan import scan_for_pans
from validator.unit_files import UnitFiles, secret_mode_problem

__all__ = ["JOURNAL_ROWS", "Bundle", "Member", "collect", "members_with_pans", "write_bundle"]

JOURNAL_ROWS = 200
LOG_LINES = 5000
JOURNALCTL_TIMEOUT = 30.0
MB = 1024 * 1024
_NUMBERS = ("seq", "mono_ns", "fare", "riders", "balance_after")  # never a card number


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    text: str
    scanned: str  # the text searched for a clear card number

    @classmethod
    def plain(cls, name: str, text: str) -> Member:
        return cls(name, text, text)


@dataclass(frozen=True, slots=True)
class Bundle:
    device_id: str | None  # None when the configuration did not load
    members: list[Member]


def collect(config_file: Path | None, data: Path | None, now: datetime) -> Bundle:
    """Every member of the bundle; a part that fails says so in its own member."""
    config, config_text = _config(config_file)
    members = [
        Member.plain("README.txt", _readme(config, config_file, now)),
        Member.plain("logs.txt", journal_logs()),
        Member.plain("config.toml", config_text),
        Member.plain("keys.txt", _keys(config)),
        Member.plain("versions.txt", versions()),
    ]
    device_id = config.device.id if config else None
    return Bundle(device_id, members + _store_members(config, data))


def members_with_pans(members: Sequence[Member]) -> list[str]:
    """Names of the members in which a clear card number was found."""
    return [member.name for member in members if scan_for_pans(member.scanned)]


def write_bundle(members: Sequence[Member], output: Path) -> None:
    """Write the .tar.gz atomically, readable by its owner only."""
    temporary = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as file, tarfile.open(fileobj=file, mode="w:gz") as bundle:
            for member in members:
                _add(bundle, member)
        os.replace(temporary, output)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _add(bundle: tarfile.TarFile, member: Member) -> None:
    data = member.text.encode("utf-8")
    info = tarfile.TarInfo(member.name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
    bundle.addfile(info, io.BytesIO(data))


# --- the parts ----------------------------------------------------------------


def _config(config_file: Path | None) -> tuple[Config | None, str]:
    try:
        config = load_config(config_file)
    except ConfigError as error:
        return None, f"# The configuration could not be loaded:\n# {error}\n"
    return config, render_config(config)


def _readme(config: Config | None, config_file: Path | None, now: datetime) -> str:
    device = config.device.id if config else "unknown (configuration did not load)"
    return (
        f"Validator diagnostic bundle\ndevice: {device}\nmade: {now.isoformat()}\n"
        f"config: {config_file or 'built-in defaults only'}\n"
        "No key material and no clear card numbers are in this bundle; the config has its "
        "secrets masked.\n"
    )


def journal_logs() -> str:
    """The service's log from the systemd journal, or a note saying why not."""
    command = ["journalctl", "-u", "validator", "--no-pager", "-o", "short-iso"]
    try:
        done = subprocess.run(
            [*command, "-n", str(LOG_LINES)],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=JOURNALCTL_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        return "journalctl is not installed here: no systemd journal was collected.\n"
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"journalctl could not be run: {error}\n"
    note = f"$ {' '.join(command)} (exit {done.returncode})\n"
    return note + done.stdout + (f"\n--- stderr ---\n{done.stderr}" if done.stderr else "")


def _keys(config: Config | None) -> str:
    if config is None or config.source is None:
        return "No unit configuration: key files unknown.\n"
    files = UnitFiles.beside(config.source)
    lines = []
    for path in (files.device_key, files.fleet_key, files.master_key):
        lines.append(f"{path}: {secret_mode_problem(path) or 'present, 0600'}")
    for path in (files.device_public_key, files.ledger_keys):
        lines.append(f"{path}: {'present' if path.is_file() else 'missing'}")
    if files.device_public_key.is_file():
        public = files.device_public_key.read_text(encoding="ascii", errors="replace").strip()
        lines.append(f"device public key: {public}")
    return "\n".join(lines) + "\n"


def versions() -> str:
    lines = [
        f"python {sys.version.split()[0]} ({platform.python_implementation()})",
        f"sqlite {sqlite3.sqlite_version}",
        f"platform {platform.platform()}",
        f"machine {platform.machine()}",
        "",
        "packages:",
    ]
    names = {
        (dist.metadata["Name"] or "?", dist.version) for dist in importlib.metadata.distributions()
    }
    lines += [f"  {name} {version}" for name, version in sorted(names, key=lambda n: n[0].lower())]
    return "\n".join(lines) + "\n"


def _store_members(config: Config | None, data: Path | None) -> list[Member]:
    if config is None:
        return [Member.plain("store.txt", "Store not opened: the configuration did not load.\n")]
    try:
        store = open_store(config, data)
    except StoreUnavailable as error:
        return [Member.plain("store.txt", f"The store could not be opened: {error}\n")]
    try:
        return [
            Member.plain("store.txt", _health_text(store)),
            _journal(store.journal(JOURNAL_ROWS)),
        ]
    except StoreUnavailable as error:
        return [Member.plain("store.txt", f"The store failed while being read: {error}\n")]
    finally:
        store.close()


def _health_text(store: OfflineStore) -> str:
    health = store.health()
    check = store.verify_journal()
    problems = "".join(f"  {problem}\n" for problem in check.problems[:20])
    return (
        f"database: {store.path}\ndevice: {store.device_id}\n"
        f"cards in the list: {store.card_count()}\n"
        f"schema version: {health.schema_version}\nsqlite: {health.sqlite_version} "
        f"(WAL-reset bug: {'yes' if health.wal_bug else 'no'})\n"
        f"journal_mode: {health.journal_mode}\nsynchronous: {health.synchronous}\n"
        f"free space: {health.free_bytes // MB} MB\njournal rows: {health.journal_rows}\n"
        f"list version: {store.list_version}\nwatermark: {store.watermark}\n"
        f"hash chain: {'verifies' if check.ok else 'BROKEN'}\n{problems}"
    )


def _journal(rows: list[JournalRow]) -> Member:
    lines = [json.dumps(row.as_dict(), ensure_ascii=False) for row in rows]
    texts = [
        json.dumps({k: v for k, v in row.as_dict().items() if k not in _NUMBERS}) for row in rows
    ]
    return Member("journal.jsonl", "\n".join(lines) + "\n", "\n".join(texts))
