"""The GPS receiver on a serial port: NMEA 0183 through pynmea2."""

from drivers.gps.nmea import Fix, GpsState, NmeaCounters, NmeaDecoder, NoFix
from drivers.gps.receiver import GpsReceiver, GpsSettings, current_state
from drivers.gps.replay import nmea_epochs, replay_epochs

__all__ = [
    "Fix",
    "GpsReceiver",
    "GpsSettings",
    "GpsState",
    "NmeaCounters",
    "NmeaDecoder",
    "NoFix",
    "current_state",
    "nmea_epochs",
    "replay_epochs",
]
