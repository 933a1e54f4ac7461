"""Errors every driver raises when its device is gone, in words for the depot."""

from __future__ import annotations


class DeviceUnavailable(Exception):
    """A device cannot be opened or stopped answering.

    The message names the device and says what a depot technician should check.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
