"""A card in a field, served over nfcpy's UDP device protocol.

nfcpy's ``udp:HOST:PORT`` device sends each frame as one datagram
``b"106A <hex>"`` to HOST:PORT and expects the answer the same way; ``RFOFF``
means the reader switched its field off. ``CardEmulator`` listens on
HOST:PORT and plays ONE field: ``place(card)`` puts a card in it, ``remove()``
takes it away (from then on nothing answers, as in a real empty field).

Each nfcpy sense opens a new socket after switching the field off, so a frame
from a new address also starts a new field session (the card is reset).

Polling latency: nfcpy waits 1.0 s for an answer to REQA. When a REQA arrives
while the field is empty, the emulator holds it for up to ``HOLD_SECONDS`` and
answers it if a card is placed meanwhile, as if the card entered the field
while the reader was waiting.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
import time
from types import TracebackType
from typing import TextIO

from drivers.nfc.picc import REQA, WUPA, EmulatedCard, Picc, State
from drivers.nfc.udp_ports import free_udp_port

log = logging.getLogger(__name__)

HOLD_SECONDS = 0.9
Address = tuple[str, int]


def parse_datagram(datagram: bytes) -> bytes | None:
    """The type A frame in one datagram, or None for anything else."""
    parts = datagram.split()
    if len(parts) != 2 or parts[0] != b"106A":
        return None
    try:
        return bytes.fromhex(parts[1].decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None


def format_datagram(frame: bytes) -> bytes:
    return b"106A " + frame.hex().encode("ascii")


class CardEmulator:
    """A UDP server thread that plays one field for nfcpy's ``udp`` device.

    ``port=0`` picks a free port; ``path`` is what to give ``NfcpyReader``.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, port or free_udp_port(host)))
        self._wake_r, self._wake_w = socket.socketpair()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="card-emulator", daemon=True)
        self._closed = False
        self._picc: Picc | None = None
        self._reader: Address | None = None
        self._held: tuple[Address, float] | None = None
        self._leave_at: float | None = None

    @property
    def path(self) -> str:
        host, port = self._socket.getsockname()[:2]
        return f"udp:{host}:{port}"

    def start(self) -> CardEmulator:
        self._thread.start()
        return self

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._wake()
        if self._thread.is_alive():
            self._thread.join()
        for sock in (self._socket, self._wake_r, self._wake_w):
            sock.close()

    def __enter__(self) -> CardEmulator:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def place(self, card: EmulatedCard) -> None:
        """Put ``card`` in the field (replacing any card there), powered off."""
        with self._lock:
            card.reset()
            self._picc = Picc(card)
            self._leave_at = None
        self._wake()

    def remove(self) -> None:
        """Take the card away: the field falls silent."""
        with self._lock:
            self._picc = None
            self._leave_at = None

    def present_for(self, card: EmulatedCard, seconds: float) -> None:
        """Place ``card`` now and take it away after ``seconds`` (returns at once)."""
        self.place(card)
        with self._lock:
            self._leave_at = time.monotonic() + seconds
        self._wake()

    def leave_after(self, frames: int) -> None:
        """The card now in the field takes part in ``frames`` more frames, then
        leaves (see ``Tearable.leave_after``)."""
        with self._lock:
            if self._picc is not None:
                self._picc.card.leave_after(frames)

    @property
    def card(self) -> EmulatedCard | None:
        with self._lock:
            return self._picc.card if self._picc else None

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # already closed
            self._wake_w.send(b"!")

    def _serve(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                wait = self._next_deadline()
            ready = select.select([self._socket, self._wake_r], [], [], wait)[0]
            if self._wake_r in ready:
                self._wake_r.recv(4096)
            if self._socket in ready:
                self._receive()
            with self._lock:
                self._on_time(time.monotonic())

    def _next_deadline(self) -> float | None:
        deadlines = [t for t in (self._leave_at, self._held and self._held[1]) if t]
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - time.monotonic())

    def _receive(self) -> None:
        try:
            datagram, address = self._socket.recvfrom(4096)
        except OSError:
            return  # e.g. an ICMP error from a reader socket already closed
        with self._lock:
            self._on_datagram(datagram, (address[0], address[1]))

    def _on_datagram(self, datagram: bytes, address: Address) -> None:
        if self._held and self._held[0] == address:
            self._held = None
        if datagram.startswith(b"RFOFF"):
            self._field_off()
            return
        frame = parse_datagram(datagram)
        if frame is None:
            return
        if address != self._reader:
            self._field_off()
            self._reader = address
        self._on_frame(frame, address)

    def _on_frame(self, frame: bytes, address: Address) -> None:
        self._count_frame()
        if self._picc is None:
            if frame in (REQA, WUPA):
                self._held = (address, time.monotonic() + HOLD_SECONDS)
            return
        self._answer(self._picc.handle(frame), address)

    def _count_frame(self) -> None:
        if self._picc is None or self._picc.state is not State.ACTIVE:
            return  # anticollision frames do not count
        card = self._picc.card
        if card.frames_left is None:
            return
        if card.frames_left == 0:
            card.frames_left = None  # placed again, it reads normally
            self._picc = None
        else:
            card.frames_left -= 1

    def _answer(self, answer: bytes | None, address: Address) -> None:
        if answer is None:
            return
        try:
            self._socket.sendto(format_datagram(answer), address)
        except OSError as error:
            log.debug("cannot answer %s: %s", address, error)

    def _field_off(self) -> None:
        if self._picc:
            self._picc.power_off()
        self._reader = None

    def _on_time(self, now: float) -> None:
        if self._leave_at is not None and now >= self._leave_at:
            self._picc = None
            self._leave_at = None
        if self._held is None:
            return
        address, until = self._held
        if now >= until:
            self._held = None
        elif self._picc is not None:
            self._held = None
            self._reader = address
            self._answer(self._picc.handle(REQA), address)


def emulate_until_interrupted(
    card: EmulatedCard, host: str, port: int, hold_seconds: float | None, out: TextIO
) -> None:
    """Keep ``card`` in a field at udp:HOST:PORT until Ctrl-C (or for
    ``hold_seconds``), telling the person at the terminal what is going on."""
    with CardEmulator(host, port) as emulator:
        emulator.place(card)
        until = "— press Ctrl-C to take it away"
        if hold_seconds is not None:
            until = f"for {hold_seconds:.1f} s"
        print(f"{card.label} is in the field at {emulator.path} {until}", file=out, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait(hold_seconds)
        emulator.remove()
        print(f"{card.label} was taken away.", file=out, flush=True)
