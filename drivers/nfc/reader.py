"""The contactless reader on nfcpy: ``NfcpyReader`` implements ``CardReader``.

It senses type A cards with ``clf.sense`` and reads them itself, never through
``clf.connect()``: nfcpy's presence loop checks a Type 2 tag with READ, which a
MIFARE Classic does not answer before authentication, so one Classic held on
the reader would look like a new tap every second. Here a Classic is
identified by its UID alone, and ``still_present`` re-selects the card by UID.

Over nfcpy's ``udp`` device one sense of an empty field takes nfcpy's fixed
1.0 s wait, whatever ``timeout`` says; real readers sense in milliseconds.
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Iterable
from typing import Any

import nfc
import nfc.clf
import nfc.tag

from drivers.errors import DeviceUnavailable
from drivers.nfc.applications import (
    ACCEPTED_STATUS,
    CardExchangeFailed,
    Exchange,
    IsoDepApplication,
)
from drivers.nfc.classify import CardKind, classify, speaks_classic, ultralight_page_problem
from validator.model import Medium, Presentation
from validator.ports import CardRead, ReadFailure, ReadProblem

log = logging.getLogger(__name__)

Result = CardRead | ReadFailure
READ_PAGE_0 = b"\x30\x00"
READ_TIMEOUT = 0.05  # a real Ultralight answers READ within a millisecond
READ_ATTEMPTS = 2
SENSE_PAUSE = 0.02  # between two senses of an empty field on a real reader


def masked(uid: str) -> str:
    """A UID for logs: enough to tell taps apart, not enough to name a card."""
    return uid[:4] + "…" if len(uid) > 4 else "…"


class NfcpyReader:
    """A type A contactless reader opened by an nfcpy path (``usb``,
    ``usb:072f:2200``, ``tty:AMA0:pn532``, ``udp:127.0.0.1:54321``)."""

    def __init__(
        self,
        path: str,
        poll_timeout: float = 0.5,
        applications: Iterable[IsoDepApplication] = (),
    ) -> None:
        self.path = path
        self.poll_timeout = poll_timeout
        self.applications: list[IsoDepApplication] = list(applications)
        self._clf: Any = _open_frontend(path)

    @classmethod
    def open(
        cls,
        path: str,
        poll_timeout: float = 0.5,
        applications: Iterable[IsoDepApplication] = (),
    ) -> NfcpyReader:
        """Open the reader at ``path``; raises ``DeviceUnavailable``."""
        return cls(path, poll_timeout, applications)

    def register(self, application: IsoDepApplication) -> None:
        """Take ISO-DEP cards that accept this application's SELECT."""
        self.applications.append(application)

    def poll(self, timeout: float | None = None) -> Result | None:
        """Sense until a card answers or ``timeout`` (default ``poll_timeout``)
        passes, then read it. Raises ``DeviceUnavailable`` if the reader fails."""
        deadline = time.monotonic() + (self.poll_timeout if timeout is None else timeout)
        while True:
            target = self._sense(None)
            if target is not None:
                return self._read(target)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            time.sleep(min(SENSE_PAUSE, remaining))

    def still_present(self, uid: str) -> bool:
        """Select the card with this UID again: True while it answers."""
        try:
            wanted = bytes.fromhex(uid)
        except ValueError:
            return False
        if len(wanted) not in (4, 7, 10):
            return False
        return self._sense(wanted) is not None

    def close(self) -> None:
        self._clf.close()

    def _sense(self, uid: bytes | None) -> Any:
        target = nfc.clf.RemoteTarget("106A")
        if uid is not None:
            target.sel_req = bytearray(uid)
        try:
            return self._clf.sense(target)
        except nfc.clf.Error as error:
            log.debug("sense failed: %r", error)
        except (IndexError, ValueError, TypeError) as error:
            log.debug("unusable answer during anticollision: %r", error)
        except OSError as error:
            raise _stopped(self.path, error) from error
        return None

    def _read(self, target: Any) -> Result:
        uid = bytes(target.sdd_res or b"")
        sak = target.sel_res[0] if target.sel_res else 0
        sens_res = bytes(target.sens_res or b"")
        kind = classify(sens_res, sak, uid)
        log.debug("card %s: ATQA %s SAK %02X, %s", masked(uid.hex()), sens_res.hex(), sak, kind)
        if kind is CardKind.CLASSIC:
            return _uid_read(Medium.CLASSIC, uid)
        if kind is CardKind.ULTRALIGHT:
            return self._read_ultralight(uid)
        if kind is CardKind.ISO_DEP:
            return self._read_iso_dep(target, uid, sak)
        detail = f"card type not taken here (ATQA {sens_res[::-1].hex().upper()}, SAK {sak:02X})"
        return ReadFailure(ReadProblem.UNSUPPORTED, detail, uid=uid.hex().upper())

    def _read_ultralight(self, uid: bytes) -> Result:
        try:
            data = self._type2_exchange(READ_PAGE_0)
        except CardExchangeFailed as failure:
            return _ultralight_failure(failure.problem, failure.detail, uid)
        problem = ultralight_page_problem(uid, data)
        if problem is not None:
            return _ultralight_failure(ReadProblem.GARBAGE, problem, uid)
        return _uid_read(Medium.ULTRALIGHT, uid)

    def _type2_exchange(self, command: bytes) -> bytes:
        """One Type 2 command, sent twice at most; raises CardExchangeFailed."""
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                return bytes(self._clf.exchange(bytearray(command), READ_TIMEOUT))
            except nfc.clf.CommunicationError as error:
                if attempt == READ_ATTEMPTS:
                    detail = f"the card left during READ ({error!r})"
                    raise CardExchangeFailed(ReadProblem.CARD_LEFT, detail) from error
            except (ValueError, IndexError, TypeError) as error:
                detail = f"undecodable answer to READ ({error!r})"
                raise CardExchangeFailed(ReadProblem.GARBAGE, detail) from error
            except OSError as error:
                raise _stopped(self.path, error) from error
        raise AssertionError("unreachable")

    def _read_iso_dep(self, target: Any, uid: bytes, sak: int) -> Result:
        uid_hex = uid.hex().upper()
        try:
            tag = _activate_iso_dep(self._clf, target)
            return self._run_applications(_exchanger(tag), uid, sak)
        except CardExchangeFailed as failure:
            return ReadFailure(failure.problem, failure.detail, uid=uid_hex)
        except OSError as error:
            raise _stopped(self.path, error) from error

    def _run_applications(self, exchange: Exchange, uid: bytes, sak: int) -> Result:
        for application in self.applications:
            response = exchange(application.select)
            if response[-2:] in ACCEPTED_STATUS:
                log.debug("card %s: %s selected", masked(uid.hex()), application.name)
                return application.handler(exchange, response[:-2], uid)
        if speaks_classic(sak):
            return _uid_read(Medium.CLASSIC, uid)
        detail = "ISO-DEP card with no application this validator takes"
        return ReadFailure(ReadProblem.UNSUPPORTED, detail, uid=uid.hex().upper())


def _uid_read(medium: Medium, uid: bytes) -> CardRead:
    return CardRead(Presentation(medium, uid=uid.hex().upper()))


def _ultralight_failure(problem: ReadProblem, detail: str, uid: bytes) -> ReadFailure:
    return ReadFailure(problem, detail, uid=uid.hex().upper(), medium=Medium.ULTRALIGHT)


def _activate_iso_dep(clf: Any, target: Any) -> Any:
    """RATS through nfcpy's Type4ATag; a card that left gives None."""
    try:
        tag = nfc.tag.activate(clf, target)
    except (nfc.clf.Error, nfc.tag.TagCommandError) as error:
        raise CardExchangeFailed(ReadProblem.CARD_LEFT, f"RATS failed ({error!r})") from error
    except (IndexError, TypeError, ValueError) as error:
        raise CardExchangeFailed(ReadProblem.GARBAGE, f"unusable ATS ({error!r})") from error
    if tag is None:
        raise CardExchangeFailed(ReadProblem.CARD_LEFT, "the card left before RATS was answered")
    return tag


def _exchanger(tag: Any) -> Exchange:
    """An ``Exchange`` over nfcpy's ISO-DEP initiator, raising only
    ``CardExchangeFailed`` (or OSError when the reader itself fails)."""

    def exchange(apdu: bytes) -> bytes:
        try:
            response = tag.transceive(bytearray(apdu))
        except nfc.tag.TagCommandError as error:
            problem = ReadProblem.GARBAGE
            if error.errno in (nfc.tag.TIMEOUT_ERROR, nfc.tag.RECEIVE_ERROR):
                problem = ReadProblem.CARD_LEFT
            raise CardExchangeFailed(problem, f"APDU exchange failed ({error})") from error
        except nfc.clf.Error as error:
            raise CardExchangeFailed(ReadProblem.CARD_LEFT, f"{error!r}") from error
        except (IndexError, TypeError) as error:
            raise CardExchangeFailed(ReadProblem.GARBAGE, f"bad ISO-DEP block {error!r}") from error
        if response is None or len(response) < 2:
            raise CardExchangeFailed(ReadProblem.GARBAGE, "answer shorter than a status word")
        return bytes(response)

    return exchange


def _open_frontend(path: str) -> Any:
    try:
        return nfc.ContactlessFrontend(path)
    except (OSError, ValueError, TypeError) as error:
        raise _not_opened(path, error) from error


def _not_opened(path: str, error: Exception) -> DeviceUnavailable:
    code = getattr(error, "errno", None)
    if "libusb" in str(error):
        why = "the libusb-1.0 library is missing: install the libusb-1.0-0 package"
    elif code == errno.EACCES:
        why = "permission denied: add the validator user to the plugdev group (udev rule)"
    elif code == errno.EBUSY:
        why = "another program holds it: stop pcscd (systemctl stop pcscd.socket pcscd)"
    else:
        return DeviceUnavailable(
            f"No NFC reader at {path!r}: check the USB cable and that no other "
            "program (pcscd) holds the reader"
        )
    return DeviceUnavailable(f"The NFC reader at {path!r} cannot be opened: {why}")


def _stopped(path: str, error: OSError) -> DeviceUnavailable:
    return DeviceUnavailable(
        f"The NFC reader at {path!r} stopped answering ({error.strerror or error}): "
        "check the USB cable, then restart the validator"
    )
