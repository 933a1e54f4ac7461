"""A small ``requests`` client for the ledger's operator endpoints (admin
token): what the demo and the depot tools use to enroll buses, issue and top
up cards, and read a card's trips. Every call has a timeout.
"""

from __future__ import annotations

from typing import Any

import requests


class LedgerRefused(RuntimeError):
    """The ledger answered with an error: ``status``, ``code`` and its words."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"ledger refused ({status} {body.get('error')}): {body.get('message')}")
        self.status = status
        self.code = str(body.get("error"))
        self.body = body


class AdminClient:
    def __init__(self, url: str, token: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = self.session.request(
            method, self.url + path, json=body, params=params or None, timeout=self.timeout
        )
        if response.status_code >= 400:
            raise LedgerRefused(response.status_code, response.json())
        return response.json()

    def enrollment_code(self, bus_number: str) -> str:
        return str(
            self.call("POST", "/v1/admin/enrollment-codes", {"bus_number": bus_number})["code"]
        )

    def issue_card(self, **card: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.call("POST", "/v1/admin/cards", card)
        return result

    def top_up(self, card_number: str, amount: int, reference: str | None = None) -> int:
        body = {"amount": amount, "reference": reference}
        return int(self.call("POST", f"/v1/admin/cards/{card_number}/top-up", body)["balance"])

    def block(self, card_number: str, reason: str = "lost") -> None:
        self.call("POST", f"/v1/admin/cards/{card_number}/block", {"reason": reason})

    def card(self, card_number: str) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", f"/v1/admin/cards/{card_number}")
        return result

    def trips(self, card_number: str, limit: int = 50) -> list[dict[str, Any]]:
        result = self.call("GET", f"/v1/admin/cards/{card_number}/trips", limit=limit)
        return list(result["trips"])

    def daily_stats(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/v1/admin/stats/daily")["days"])

    def revoke(self, device_id: str) -> None:
        self.call("POST", f"/v1/admin/devices/{device_id}/revoke")
