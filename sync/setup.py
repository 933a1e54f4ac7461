"""Sync as the configuration asks for it: the client, the enrollment and the
loop's settings, for ``validator run``, ``validator sync`` and the demo."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from offline_store import OfflineStore
from sync.client import LedgerClient
from sync.keys import Enrollment, device_key_path, load_enrollment, load_key
from sync.service import Hooks, SyncService, SyncSettings
from validator.config import Config
from validator.list_policy import DegradedPolicy

__all__ = ["key_path", "open_service", "settings_from"]


def settings_from(config: Config) -> SyncSettings:
    sync = config.sync
    return SyncSettings(
        interval=sync.interval,
        batch_size=sync.batch_size,
        backoff_cap=sync.backoff_cap,
        max_list_age=timedelta(hours=sync.max_list_age),
        policy=DegradedPolicy(sync.degraded_policy),
        clock_tolerance=sync.clock_tolerance,
    )


def key_path(config: Config, data_dir: Path) -> Path:
    return device_key_path(config.sync.device_key_file, config.source, data_dir)


def open_service(
    config: Config, store: OfflineStore, data_dir: Path, hooks: Hooks | None = None
) -> SyncService:
    """The sync loop for an enrolled unit; NotEnrolled when it is not."""
    enrollment = load_enrollment(data_dir)
    key = load_key(key_path(config, data_dir))
    client = LedgerClient(_url(config, enrollment), config.ledger.timeout, key, store.device_id)
    return SyncService(store, client, enrollment, settings_from(config), hooks or Hooks())


def _url(config: Config, enrollment: Enrollment) -> str:
    """The configured ledger address, else the one the unit enrolled with."""
    return config.ledger.url or enrollment.ledger_url
