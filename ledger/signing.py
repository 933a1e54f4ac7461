"""The ledger's secrets in its data directory: the Ed25519 signing key and the
admin token. Both are created on first use with mode 0600 and never logged.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KEY_FILE = "ledger_ed25519.pem"
ADMIN_TOKEN_FILE = "admin_token"


def load_signing_key(data_dir: Path) -> Ed25519PrivateKey:
    """The ledger's signing key, made (0600) the first time."""
    path = data_dir / KEY_FILE
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_secret(path, pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return loaded


def admin_token(data_dir: Path) -> str:
    """The admin bearer token (for the CLI to show), made (0600) the first time."""
    path = data_dir / ADMIN_TOKEN_FILE
    if not path.exists():
        _write_secret(path, secrets.token_urlsafe(32).encode("ascii"))
    return path.read_text(encoding="ascii").strip()


def _write_secret(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first; use theirs
    with os.fdopen(fd, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
