"""What a new ledger starts with: the fare table of ``config/fares.toml`` and
two routes of Atyrau, "12" and "92", with their stops.
"""

from __future__ import annotations

from typing import Any

_CARD_MEDIA = ("classic", "ultralight", "desfire", "qr_card", "app_nfc", "qr_app", "ble", "emv")


def _fares(card: int, ticket: int) -> dict[str, int]:
    return {**dict.fromkeys(_CARD_MEDIA, card), "ticket": ticket, "cash": ticket}


def default_fare_table() -> dict[str, Any]:
    """The shipped fare table (version 1), as the ledger publishes it in JSON."""
    return {
        "version": 1,
        "fares": _fares(80, 150),
        "routes": {
            "92": {"fares": _fares(100, 200)},
            "12": {
                "bands": [
                    {"name": "night", "start": "22:00", "end": "06:00", "fares": _fares(120, 200)}
                ]
            },
        },
        "concessions": {
            "pensioner": {"percent": 0},
            "veteran": {"percent": 0},
            "disabled": {"percent": 0},
            "student": {"percent": 50},
            "schoolchild": {"percent": 50},
        },
        "transfer": {"window_minutes": 40, "percent": 0},
        "passback": {"seconds": 15, "max_companions": 3},
        "balance": {"floor": -80, "low_warning": 200},
        "cap": {"daily": 0},
    }


def _stops(prefix: str, names: list[tuple[str, float, float]]) -> list[dict[str, Any]]:
    return [
        {"id": f"{prefix}-{index:02d}", "name": name, "lat": lat, "lon": lon}
        for index, (name, lat, lon) in enumerate(names, start=1)
    ]


DEFAULT_ROUTES: dict[str, dict[str, Any]] = {
    "12": {
        "name": "Avangard — Railway station",
        "stops": _stops(
            "12",
            [
                ("Avangard", 47.1290, 51.9460),
                ("Satpayev street", 47.1205, 51.9302),
                ("Central market", 47.1123, 51.9154),
                ("Akimat", 47.1068, 51.9035),
                ("Ural bridge", 47.1041, 51.8902),
                ("Railway station", 47.0989, 51.8715),
            ],
        ),
    },
    "92": {
        "name": "Airport — City centre (express)",
        "stops": _stops(
            "92",
            [
                ("Airport", 47.1219, 51.8214),
                ("Zhumysker", 47.1102, 51.8463),
                ("Ural bridge", 47.1041, 51.8902),
                ("City centre", 47.1069, 51.9120),
            ],
        ),
    },
}
