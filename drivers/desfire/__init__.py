"""MIFARE DESFire EV1/EV2/EV3 transport cards: AES crypto (CMAC, AN10922
diversification, EV1 secure messaging), the reader-side protocol over an
``exchange`` callable, the card record layout, the card profile, and an
in-memory card model for emulators and tests. No I/O besides
``load_master_key``. See docs/desfire.md.
"""

from drivers.desfire.card_model import (
    Application,
    CommMode,
    DesfireCardModel,
    StandardFile,
    personalise,
)
from drivers.desfire.crypto import aes_cmac, diversify_aes128
from drivers.desfire.profile import (
    DEFAULT_PROFILE,
    DesfireProfile,
    MasterKeyError,
    ProfileError,
    load_master_key,
)
from drivers.desfire.reader import (
    CardLeft,
    DesfireError,
    DesfireFailure,
    DesfireProblem,
    DesfireRead,
    DesfireResult,
    Exchange,
    read_transport_card,
    to_port_result,
)
from drivers.desfire.record import CardRecord, RecordError, decode_record, encode_record

__all__ = [
    "DEFAULT_PROFILE",
    "Application",
    "CardLeft",
    "CardRecord",
    "CommMode",
    "DesfireCardModel",
    "DesfireError",
    "DesfireFailure",
    "DesfireProblem",
    "DesfireProfile",
    "DesfireRead",
    "DesfireResult",
    "Exchange",
    "MasterKeyError",
    "ProfileError",
    "RecordError",
    "StandardFile",
    "aes_cmac",
    "decode_record",
    "diversify_aes128",
    "encode_record",
    "load_master_key",
    "personalise",
    "read_transport_card",
    "to_port_result",
]
