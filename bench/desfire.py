"""A DESFire tap through nfcpy over udp: our protocol code beside the bare
exchanges of the same APDUs, in the same run, on the same card.

    .venv/bin/python bench/desfire.py [--taps 400]

Every tap is a real poll of ``NfcpyReader`` (sense, anticollision, RATS, the
SELECT of the DESFire PICC level) against an emulated, personalised DESFire
EV1 card. Taps alternate between two handlers on that ISO-DEP link:

- ours: the secure media DESFire handler: SelectApplication, AuthenticateAES
  with the AN10922-diversified key, ReadData in MAC'd mode with the CMAC
  checked, the record decoded. It records every APDU it sends.
- bare: the APDUs recorded on the previous tap sent again through the same
  exchange function, nothing computed (the emulated card's RndB is fixed, so
  it answers the replay exactly as it answered us).

Prints p50/p90 of the whole tap and of the DESFire part alone, for both, and
the ratios ours / bare. Target: a tap with our protocol code takes under
1.20× the tap of bare exchanges. On this transport an APDU takes tens of
microseconds; on a real reader it takes milliseconds, where the same code
adds about 1%.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drivers.desfire import DEFAULT_PROFILE, CardRecord, DesfireCardModel, personalise  # noqa: E402
from drivers.nfc import CardEmulator, Exchange, IsoDepApplication, NfcpyReader  # noqa: E402
from drivers.nfc.emulated_media import ResettableIsoDepCard  # noqa: E402
from drivers.nfc.secure_media import SELECT_DESFIRE_PICC, desfire_application  # noqa: E402
from validator.model import Category, Medium, Presentation  # noqa: E402
from validator.ports import CardRead, ReadFailure  # noqa: E402

MASTER_KEY = bytes.fromhex("00112233445566778899AABBCCDDEEFF")  # a bench key, not a real one
UID = bytes.fromhex("04A1B2C3D4E5F6")
RECORD = CardRecord("9643108000000000012", Category.STUDENT, date(2030, 12, 31))
TARGET = 1.20


@dataclass
class Series:
    taps: list[float] = field(default_factory=list)  # the whole poll
    desfire: list[float] = field(default_factory=list)  # the handler alone


@dataclass
class Bench:
    ours: Series = field(default_factory=Series)
    bare: Series = field(default_factory=Series)
    recorded: list[bytes] = field(default_factory=list)  # the APDUs of our last tap
    bare_turn: bool = False


def card() -> ResettableIsoDepCard:
    """A personalised card whose RndB is fixed, so a replayed exchange gets the same answers."""
    model = DesfireCardModel(UID, random=lambda size: bytes(range(size)))
    personalise(model, MASTER_KEY, RECORD, DEFAULT_PROFILE)
    return ResettableIsoDepCard(UID, model, name="MIFARE DESFire")


def recording(exchange: Exchange, sent: list[bytes]) -> Exchange:
    def record(apdu: bytes) -> bytes:
        sent.append(apdu)
        return exchange(apdu)

    return record


def measured_application(bench: Bench) -> IsoDepApplication:
    ours = desfire_application(MASTER_KEY, DEFAULT_PROFILE).handler

    def handler(exchange: Exchange, selected: bytes, uid: bytes) -> CardRead | ReadFailure:
        started = time.perf_counter()
        if bench.bare_turn:
            for apdu in bench.recorded:
                exchange(apdu)
            bench.bare.desfire.append(time.perf_counter() - started)
            return CardRead(Presentation(Medium.DESFIRE, uid=uid.hex().upper()))
        sent: list[bytes] = []
        result = ours(recording(exchange, sent), selected, uid)
        bench.ours.desfire.append(time.perf_counter() - started)
        bench.recorded = sent
        return result

    return IsoDepApplication("DESFire (measured)", SELECT_DESFIRE_PICC, handler)


def run(taps: int) -> Bench:
    bench = Bench()
    with CardEmulator("127.0.0.1", 0) as field_:
        reader = NfcpyReader.open(field_.path, applications=[measured_application(bench)])
        try:
            _tap(reader, field_, bench)  # warm-up, and the first recording
            bench.ours = Series()
            for turn in range(2 * taps):
                bench.bare_turn = turn % 2 == 1
                series = bench.bare if bench.bare_turn else bench.ours
                series.taps.append(_tap(reader, field_, bench))
        finally:
            reader.close()
    return bench


def _tap(reader: NfcpyReader, field_: CardEmulator, bench: Bench) -> float:
    field_.place(card())
    started = time.perf_counter()
    result = reader.poll(1.0)
    elapsed = time.perf_counter() - started
    field_.remove()
    if not isinstance(result, CardRead):
        raise SystemExit(f"the bench tap did not read the card: {result}")
    if not bench.bare_turn and result.presentation.card_number != RECORD.card_number:
        raise SystemExit(f"our code read the wrong record: {result}")
    return elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _ms(value: float) -> str:
    return f"{value * 1000:6.3f} ms"


def report(bench: Bench, show: Callable[[str], None] = print) -> float:
    show(f"{len(bench.ours.taps)} + {len(bench.bare.taps)} DESFire taps through nfcpy over udp,")
    show(f"{len(bench.recorded)} APDUs after the reader's SELECT (ours, then bare, alternating)")
    parts = {
        "whole tap": (bench.ours.taps, bench.bare.taps),
        "DESFire part alone": (bench.ours.desfire, bench.bare.desfire),
    }
    ratios = [_compare(title, ours, bare, show) for title, (ours, bare) in parts.items()]
    verdict = "meets" if ratios[0] < TARGET else "MISSES"
    show(f"A tap with our protocol code: {ratios[0]:.2f}× the bare tap ({verdict} < {TARGET})")
    return ratios[0]


def _compare(
    title: str, ours: list[float], bare: list[float], show: Callable[[str], None]
) -> float:
    show(f"  {title}:")
    for name, values in (("ours", ours), ("bare", bare)):
        show(f"    {name}: p50 {_ms(percentile(values, 0.5))}  p90 {_ms(percentile(values, 0.9))}")
    ratio = statistics.median(ours) / statistics.median(bare)
    show(f"    ratio ours / bare (p50): {ratio:.2f}")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--taps", type=int, default=400)
    args = parser.parse_args()
    report(run(args.taps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
