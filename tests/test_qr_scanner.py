"""The QR scanner on a real pty and on pyserial's loop://: codes, declines,
unplugging, and the bench emulator."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.errors import DeviceUnavailable
from drivers.qr import LineProblem, LineRejection, QrScanner, ScanEvent, ScannerSettings, TextLine
from drivers.serial_link import Backoff
from validator.cmd_emulate_serial import emulate_qr, qr_text
from validator.tokens import token_to_qr_text

CODE = "KZT1:6BFOXN*TS0BI$ZDFRH5+FJ"
FAST = ScannerSettings(half_line_timeout=0.2, backoff=Backoff(first=0.01, longest=0.05))
WAIT = 10.0  # seconds before a test gives up waiting for something that should happen


class Pty:
    """A pseudo terminal whose device end the scanner opens through ``link``,
    as udev's /dev/serial/by-id links name a USB scanner."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master = -1
        self.plug()

    def plug(self) -> None:
        self.master, slave = os.openpty()
        name = os.ttyname(slave)
        os.close(slave)
        with contextlib.suppress(FileNotFoundError):
            self.link.unlink()
        self.link.symlink_to(name)

    def unplug(self) -> None:
        os.close(self.master)
        self.master = -1

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        if self.master >= 0:
            self.unplug()


@pytest.fixture
def pty(tmp_path: Path) -> Iterator[Pty]:
    device = Pty(tmp_path / "ttyACM0")
    yield device
    device.close()


@pytest.fixture
def events() -> queue.Queue[ScanEvent]:
    return queue.Queue()


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.01)


def next_event(events: queue.Queue[ScanEvent]) -> ScanEvent:
    return events.get(timeout=WAIT)


def test_a_code_scanned_through_a_real_pty_arrives_as_its_text(
    pty: Pty, events: queue.Queue[ScanEvent]
) -> None:
    with QrScanner.open(str(pty.link), events.put, FAST):
        pty.send(CODE.encode() + b"\r\n")
        assert next_event(events) == TextLine(CODE)


def test_codes_declined_by_the_framer_do_not_stop_the_scanner(
    pty: Pty, events: queue.Queue[ScanEvent]
) -> None:
    settings = ScannerSettings(max_length=64, half_line_timeout=0.2)
    with QrScanner.open(str(pty.link), events.put, settings):
        pty.send(b"\x00\xff\x13binary\r" + b"L" * 100 + b"\r" + CODE.encode() + b"\r")
        got = [next_event(events) for _ in range(3)]
        assert [getattr(e, "problem", None) for e in got[:2]] == [
            LineProblem.BINARY,
            LineProblem.OVERLONG,
        ]
        assert got[2] == TextLine(CODE)


def test_a_code_cut_off_in_the_middle_is_a_half_line_once_the_scanner_goes_quiet(
    pty: Pty, events: queue.Queue[ScanEvent]
) -> None:
    with QrScanner.open(str(pty.link), events.put, FAST):
        pty.send(CODE[:12].encode())
        event = next_event(events)
        assert isinstance(event, LineRejection) and event.problem is LineProblem.HALF_LINE
        pty.send(CODE.encode() + b"\r")
        assert next_event(events) == TextLine(CODE)


def test_the_scanner_reads_over_pyserial_loop_url(events: queue.Queue[ScanEvent]) -> None:
    with QrScanner.open("loop://", events.put, FAST) as scanner:
        scanner.link.write(b"FIRST\r" + CODE.encode() + b"\r")
        assert [next_event(events), next_event(events)] == [TextLine("FIRST"), TextLine(CODE)]


def test_an_unplugged_scanner_is_logged_once_and_read_again_when_plugged_back(
    pty: Pty, events: queue.Queue[ScanEvent], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="drivers.serial_link")
    with QrScanner.open(str(pty.link), events.put, FAST) as scanner:
        pty.unplug()
        until(lambda: not scanner.connected and scanner.link.failed_reopens >= 5)
        pty.plug()
        until(lambda: scanner.connected)
        pty.send(CODE.encode() + b"\r\n")
        assert next_event(events) == TextLine(CODE)
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        f"QR scanner unplugged at {pty.link}; retrying",
        f"QR scanner back at {pty.link}",
    ]


def test_a_handler_that_fails_does_not_stop_the_scanner(
    pty: Pty, events: queue.Queue[ScanEvent], caplog: pytest.LogCaptureFixture
) -> None:
    def handler(event: ScanEvent) -> None:
        if event == TextLine("BOOM"):
            raise RuntimeError("the lead's handler broke")
        events.put(event)

    with QrScanner.open(str(pty.link), handler, FAST):
        pty.send(b"BOOM\r" + CODE.encode() + b"\r")
        assert next_event(events) == TextLine(CODE)
    assert "the QR scan handler failed" in caplog.text


@pytest.mark.parametrize(
    ("port", "words"),
    [
        ("/dev/ttyACM-none", "nothing is plugged in there"),
        ("nosuch://scanner", "not a serial port path or URL"),
    ],
)
def test_a_scanner_that_cannot_be_opened_at_start_says_what_to_check(port: str, words: str) -> None:
    with pytest.raises(DeviceUnavailable) as failure:
        QrScanner.open(port, lambda event: None)
    assert f"QR scanner cannot be opened at {port}: {words}" in str(failure.value)
    assert "qr.port" in str(failure.value)


def test_a_port_held_by_another_program_is_reported_as_such(pty: Pty) -> None:
    held = pytest.raises(DeviceUnavailable, match="another program holds the port")
    with QrScanner.open(str(pty.link), lambda event: None, FAST), held:
        QrScanner.open(str(pty.link), lambda event: None)


def test_the_emulator_sends_the_code_and_crlf_to_a_serial_port() -> None:
    master, slave = os.openpty()
    try:
        assert emulate_qr(CODE, os.ttyname(slave)) == 1
        received = b""
        while not received.endswith(b"\r\n"):
            received += os.read(master, 1024)
        assert received == CODE.encode() + b"\r\n"
    finally:
        os.close(master)
        os.close(slave)


def test_the_emulator_turns_raw_token_hex_into_qr_text_and_leaves_other_text_alone() -> None:
    assert qr_text("D28450A2") == token_to_qr_text(bytes.fromhex("D28450A2"))
    assert qr_text(CODE) == CODE
    assert qr_text("hello world") == "hello world"


def test_a_bench_scanner_on_a_pty_scans_each_time_enter_is_pressed(
    tmp_path: Path, events: queue.Queue[ScanEvent]
) -> None:
    link = tmp_path / "ttyQR"
    read_end, write_end = os.pipe()
    result: list[int] = []
    with os.fdopen(read_end) as presses, os.fdopen(write_end, "w") as keyboard:
        out = io.StringIO()
        bench = threading.Thread(
            target=lambda: result.append(emulate_qr(CODE, f"pty:{link}", scans=presses, out=out))
        )
        bench.start()
        until(link.exists)
        with QrScanner.open(str(link), events.put, FAST):
            for _ in range(2):
                keyboard.write("\n")
                keyboard.flush()
                assert next_event(events) == TextLine(CODE)
            keyboard.close()
            bench.join(WAIT)
    assert result == [2]
    assert not link.exists()
    assert "press Enter to scan" in out.getvalue()
