"""The ledger side of ``validator demo``: the reference ledger on a free
loopback port (its own data in the demo's temporary folder), the demo cards
issued and topped up there, the simulated bus enrolled, the balance list
synced down before the boarding and the journal synced up after it, and one
card's trip history as the passenger's cabinet shows it.

The ledger and sync are imported only when the demo runs (they bring the web
framework and ``requests``; ``validator run`` does not need them to start).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from validator.app import App
from validator.config import Config
from validator.demo_script import DemoCard
from validator.messages import Language, format_tenge

if TYPE_CHECKING:
    from ledger.admin_client import AdminClient
    from ledger.serve import LedgerServer
    from sync import CycleReport, SyncService

__all__ = ["DemoLedger", "history_lines"]


@dataclass(frozen=True)
class _Cabinet:
    title: str  # {card}, {holder}
    columns: tuple[str, str, str, str, str]  # when, route, bus, fare, balance after
    empty: str


CABINET: dict[Language, _Cabinet] = {
    "en": _Cabinet(
        "Trip history of card {card} ({holder}), as the passenger's cabinet shows it:",
        ("When", "Route", "Bus", "Fare", "Balance after"),
        "no trips yet",
    ),
    "ru": _Cabinet(
        "История поездок по карте {card} ({holder}) в личном кабинете пассажира:",
        ("Когда", "Маршрут", "Автобус", "Тариф", "Остаток"),
        "поездок пока нет",
    ),
    "kk": _Cabinet(
        "{card} картасы бойынша сапарлар тарихы ({holder}), жолаушының жеке кабинетінде:",
        ("Қашан", "Маршрут", "Автобус", "Жол ақысы", "Қалдық"),
        "әзірге сапар жоқ",
    ),
}


class DemoLedger:
    """The reference ledger for one demo run; use it as a context manager."""

    def __init__(self, folder: Path, out: TextIO) -> None:
        self.folder, self.out = folder, out
        self._server: LedgerServer | None = None
        self._admin: AdminClient | None = None

    def __enter__(self) -> DemoLedger:
        from ledger.admin_client import AdminClient
        from ledger.serve import LedgerServer
        from ledger.signing import admin_token

        self._server = LedgerServer(self.folder).start()
        self._admin = AdminClient(self._server.url, admin_token(self.folder), timeout=10)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "use DemoLedger as a context manager"
        return self._server.url

    @property
    def admin(self) -> AdminClient:
        assert self._admin is not None, "use DemoLedger as a context manager"
        return self._admin

    def issue(self, cards: list[DemoCard]) -> None:
        """Issue each card at the ledger, top it up, block the lost one."""
        for card in cards:
            opening = min(card.balance, 0)
            self.admin.issue_card(
                card_number=card.card_number, uid=card.uid or None, category=card.category,
                balance=opening,
            )  # fmt: skip
            if card.balance > 0:
                self.admin.top_up(card.card_number, card.balance, f"demo-{card.card_number}")
            if card.status == "blocked":
                self.admin.block(card.card_number, "lost")
        print(f"Ledger at {self.url}: {len(cards)} cards issued and topped up.", file=self.out)

    def enroll(self, config: Config) -> None:
        """Enroll the simulated bus with a one-time code, as a technician would."""
        from sync import enroll
        from sync.setup import key_path

        code = self.admin.enrollment_code(config.device.bus_number)
        data = Path(config.store.data_dir)
        enroll(
            self.url, code, data_dir=data, device_id=config.device.id,
            key_path=key_path(config, data), timeout=config.ledger.timeout,
        )  # fmt: skip
        print(f"Bus {config.device.bus_number} enrolled with code {code}.", file=self.out)

    def connect(self, app: App) -> SyncService:
        """The sync service of the running validator, after a first sync down."""
        from sync import Hooks, open_service

        hooks = Hooks(on_rules=app.pipeline.set_rules, on_tickets=app.announce_tickets)
        service = open_service(app.config, app.store, Path(app.config.store.data_dir), hooks)
        report = service.run_once()
        applied = report.applied
        if applied is not None:
            print(
                f"Synced down: balance list version {applied.version} ({applied.mode}, "
                f"{applied.cards} cards, {applied.denied} on the stop list).",
                file=self.out,
            )
        return service

    def sync_up(self, service: SyncService) -> CycleReport:
        report = service.run_once()
        up = report.upload
        print(
            f"\nSynced up: the ledger has acknowledged the journal up to seq {up.watermark} "
            f"({up.accepted} rows in this sync); {up.backlog} left.",
            file=self.out,
        )
        service.client.close()
        return report

    def show_history(self, card: DemoCard, config: Config) -> None:
        trips = self.admin.trips(card.card_number)
        language, zone = config.device.language, ZoneInfo(config.device.timezone)
        print("", *history_lines(card, trips, language, zone), "", sep="\n", file=self.out)


def history_lines(
    card: DemoCard, trips: list[dict[str, Any]], language: Language, zone: ZoneInfo
) -> list[str]:
    """The cabinet's table: when, route, bus, fare, balance after (newest first)."""
    cabinet = CABINET[language]
    number = " ".join(card.card_number[i : i + 4] for i in range(0, len(card.card_number), 4))
    lines = [cabinet.title.format(card=number, holder=card.holder)]
    rows = [cabinet.columns] + [_row(trip, zone) for trip in trips]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        cells = (text.ljust(width) for text, width in zip(row, widths, strict=True))
        lines.append("  " + "  ".join(cells))
    if not trips:
        lines.append(f"  {cabinet.empty}")
    return [line.rstrip() for line in lines]


def _row(trip: dict[str, Any], zone: ZoneInfo) -> tuple[str, str, str, str, str]:
    when = datetime.fromisoformat(trip["time"]).astimezone(zone).strftime("%d.%m.%Y %H:%M:%S")
    balance = trip.get("balance_after")
    shown = "—" if balance is None else format_tenge(int(balance))
    return (when, str(trip["route"]), str(trip["bus_number"]), format_tenge(trip["fare"]), shown)
