"""Request bodies: the base model and the constrained field types they share.

Integers are strict (``"80"`` and ``true`` are not 80) and bounded, so no
value a client sends can overflow SQLite or reach the database unchecked.
Unknown keys are refused, naming the key.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MAX_MONEY = 10**9

DEVICE_ID = r"^[A-Za-z0-9._-]{1,64}$"
BUS_NUMBER = r"^[A-Za-z0-9][A-Za-z0-9 -]{0,15}$"
ROUTE = r"^[A-Za-z0-9-]{1,16}$"
CARD_NUMBER = r"^[0-9]{19}$"
UID = r"^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{14})$"

Money = Annotated[int, Field(strict=True, ge=-MAX_MONEY, le=MAX_MONEY)]
PositiveMoney = Annotated[int, Field(strict=True, ge=1, le=MAX_MONEY)]


class Body(BaseModel):
    """A JSON request body: unknown keys are an error."""

    model_config = ConfigDict(extra="forbid")
