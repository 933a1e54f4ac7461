"""A unit's own ``unit.toml``: written by ``validator provision`` from checked
settings, and its ``[security]`` key file names kept in step with the key
files beside it (``name_key_files``, the hook for ``validator enroll``).

Only the keys this unit needs are written; the shipped defaults fill in the
rest. A section the installed software does not know yet is left out, so
that the file always loads.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import tomllib
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from validator.config import Config, load_config
from validator.unit_files import PUBLIC_MODE, UnitFiles, write_file

__all__ = [
    "UnitSettings",
    "check_loads",
    "config_knows",
    "configured_device_id",
    "key_file_entries",
    "name_key_files",
    "render_unit_toml",
]


@dataclass(frozen=True, slots=True)
class UnitSettings:
    """The checked values ``unit.toml`` is written from."""

    device_id: str
    bus_number: str
    ledger_url: str  # "" when none
    nfc_path: str
    printer: str
    feedback: str
    data_dir: Path | None


def render_unit_toml(settings: UnitSettings, key_files: Mapping[str, str]) -> str:
    """The unit's own config file; the shipped defaults fill in the rest.
    ``key_files`` maps ``[security]`` keys to file names beside it."""
    lines = [
        "# This unit's configuration, written by `validator provision`. The shipped",
        "# defaults fill in every key not set here; see the effective configuration",
        "# with `validator config show --config <this file>`.",
        *_section("device", id=settings.device_id, bus_number=settings.bus_number),
        *_section("nfc", backend="nfcpy", path=settings.nfc_path),
        *_section("feedback", backend=settings.feedback),
    ]
    if settings.data_dir is not None:
        lines += _section("store", data_dir=str(settings.data_dir))
    lines += _section("ledger", url=settings.ledger_url)
    if key_files:
        lines += _section("security", **key_files)
    lines += _section("printer", **printer_keys(settings.printer))
    return "\n".join(lines) + "\n"


def printer_keys(spec: str) -> dict[str, object]:
    """``[printer]`` keys for a checked --printer spec: none, usb:VID:PID,
    serial:/dev/…, network:HOST:PORT."""
    kind, _, rest = spec.partition(":")
    if kind == "usb":
        vendor, _, product = rest.partition(":")
        return {"kind": "usb", "usb_vendor": int(vendor, 16), "usb_product": int(product, 16)}
    if kind == "serial":
        return {"kind": "serial", "serial_port": rest}
    if kind == "network":
        host, _, port = rest.rpartition(":")
        return {"kind": "network", "host": host, "port": int(port)}
    return {"kind": "none"}


def _section(name: str, **values: object) -> list[str]:
    return ["", f"[{name}]", *(f"{key} = {_toml(value)}" for key, value in values.items())]


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else json.dumps(str(value))


def name_key_files(config_file: Path) -> bool:
    """The hook for whatever installs a key file after provisioning (``validator
    enroll`` writing the ledger's app-token keys to ``UnitFiles.ledger_keys``):
    name every key file beside ``unit.toml`` under ``[security]``. True when
    the file changed. Running ``validator provision`` again keeps them named."""
    files = UnitFiles.beside(config_file)
    text = config_file.read_text(encoding="utf-8")
    table = tomllib.loads(text).get("security", {})
    wanted = key_file_entries(files, ())
    if all(table.get(key) == name for key, name in wanted.items()):
        return False
    block = _section("security", **{**table, **wanted})[1:]
    new = _replace_section(text.splitlines(), "security", block)
    check_loads(new, files.directory)
    write_file(config_file, new.encode("utf-8"), PUBLIC_MODE)
    return True


def _replace_section(lines: list[str], name: str, block: list[str]) -> str:
    """``lines`` with the ``[name]`` block (up to a blank line or the next
    header) replaced by ``block``, or ``block`` appended."""
    header = f"[{name}]"
    if header not in (line.strip() for line in lines):
        return "\n".join([*lines, "", *block]) + "\n"
    start = [line.strip() for line in lines].index(header)
    end = start + 1
    while end < len(lines) and lines[end].strip() and not lines[end].startswith("["):
        end += 1
    return "\n".join([*lines[:start], *block, *lines[end:]]) + "\n"


def config_knows(section: str, key: str) -> bool:
    """True when ``validator.config`` has ``[section] key`` (sections arrive as
    the software grows: an older one would refuse the key)."""
    kind = typing.get_type_hints(Config).get(section)
    if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
        return False
    return key in {f.name for f in dataclasses.fields(kind)}


def key_file_entries(files: UnitFiles, planned: Iterable[Path]) -> dict[str, str]:
    """``[security]`` entries for the key files this unit has (or is about to)."""
    slots = {
        "desfire_master_key_file": files.master_key,
        "fleet_key_file": files.fleet_key,
        "ledger_keys_file": files.ledger_keys,
    }
    having = set(planned)
    return {
        key: path.name
        for key, path in slots.items()
        if (path in having or path.exists()) and config_knows("security", key)
    }


def check_loads(text: str, directory: Path) -> None:
    """Load ``text`` as the daemon will, from a temporary file in ``directory``
    (where it is going); raises ``ConfigError``."""
    with tempfile.NamedTemporaryFile("w", suffix=".toml", dir=directory, encoding="utf-8") as f:
        f.write(text)
        f.flush()
        load_config(Path(f.name))


def configured_device_id(path: Path) -> str | None:
    try:
        device = tomllib.loads(path.read_text(encoding="utf-8")).get("device", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    found = device.get("id") if isinstance(device, dict) else None
    return found if isinstance(found, str) else None
