"""The canonical hash of a journal row: the one function the device and the
reference ledger both use to build and verify the chain.

    hash = sha256( prev_hash as ASCII  ||  canonical JSON of the hashed fields )

The canonical JSON is ``json.dumps`` of exactly the fields in
:data:`HASHED_FIELDS` with sorted keys, no spaces, non-ASCII kept as UTF-8.
Values are JSON scalars as stored: strings, integers or null. The result is
lower-case hex. The first row's ``prev_hash`` is :data:`GENESIS_HASH`.

The fields in :data:`OPTIONAL_HASHED_FIELDS` (a bank card's PAN token and
masked PAN; ``extra``, compact JSON of the tap's context: position, stop,
category, crew event) enter the canonical JSON only when they hold a value: a row
without them (every row but a bank-card tap) hashes exactly as before they
existed, and a missing key counts as null.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

GENESIS_HASH = "0" * 64

HASHED_FIELDS: tuple[str, ...] = (
    "device_id",
    "seq",
    "uuid",
    "time",
    "mono_ns",
    "medium",
    "card_number",
    "uid",
    "route",
    "direction",
    "fare",
    "riders",
    "balance_after",
    "result",
    "reason",
)

OPTIONAL_HASHED_FIELDS: tuple[str, ...] = ("pan_token", "masked_pan", "extra")


def canonical_json(fields: Mapping[str, object]) -> bytes:
    """The hashed fields of a row as canonical UTF-8 JSON.

    Keys other than :data:`HASHED_FIELDS` and :data:`OPTIONAL_HASHED_FIELDS`
    (such as ``prev_hash`` and ``hash``) are ignored; a missing hashed field
    is a ``ValueError``; an optional one counts only when not null.
    """
    missing = [name for name in HASHED_FIELDS if name not in fields]
    if missing:
        raise ValueError(f"journal row lacks field(s): {', '.join(missing)}")
    chosen = {name: fields[name] for name in HASHED_FIELDS}
    for name in OPTIONAL_HASHED_FIELDS:
        if fields.get(name) is not None:
            chosen[name] = fields[name]
    text = json.dumps(chosen, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def row_hash(fields: Mapping[str, object], prev_hash: str) -> str:
    """Hex sha256 over ``prev_hash`` and the canonical JSON of ``fields``."""
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(canonical_json(fields))
    return digest.hexdigest()
