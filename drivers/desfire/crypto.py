"""DESFire AES crypto: AES-CMAC, NXP AN10922 key diversification, the EV1
AES session key and the EV1 CMAC chaining of secure messaging.

Every AES operation goes through ``cryptography``. Only the CMAC subkey
doubling, the padding and the XOR are written here, because EV1 chains the
CMAC through an IV and AN10922 pads to two blocks, and the library's CMAC
offers neither.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

BLOCK = 16
"""The AES block size, also the size of keys, IVs, RndA and RndB."""
MAC_LENGTH = 8
"""EV1 sends the 8 leftmost bytes of the CMAC."""
ZERO_IV = bytes(BLOCK)
_RB = 0x87  # the constant of the CMAC subkey doubling for 128-bit blocks
_AN10922_AES128 = b"\x01"  # diversification constant for an AES-128 key


def _check_key(key: bytes) -> None:
    if len(key) != BLOCK:
        raise ValueError(f"an AES-128 key is 16 bytes, not {len(key)}")


def aes_cbc_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-128-CBC over whole blocks, no padding."""
    _check_key(key)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def aes_cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-128-CBC decryption over whole blocks, no padding."""
    _check_key(key)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def aes_cmac(key: bytes, message: bytes) -> bytes:
    """AES-CMAC (NIST SP 800-38B, RFC 4493), the full 16 bytes."""
    _check_key(key)
    mac = CMAC(algorithms.AES(key))
    mac.update(message)
    return mac.finalize()


def _double(block: bytes) -> bytes:
    value = int.from_bytes(block, "big") << 1
    if value >> (8 * BLOCK):
        value = (value ^ _RB) & ((1 << (8 * BLOCK)) - 1)
    return value.to_bytes(BLOCK, "big")


def cmac_subkeys(key: bytes) -> tuple[bytes, bytes]:
    """The CMAC subkeys K1 and K2 (SP 800-38B §6.1)."""
    cmac = _CmacKey(key)
    return cmac.k1, cmac.k2


def _xor(left: bytes, right: bytes) -> bytes:
    if len(left) != len(right):
        raise ValueError("XOR of byte strings of different lengths")
    value = int.from_bytes(left, "big") ^ int.from_bytes(right, "big")
    return value.to_bytes(len(left), "big")


def _pad(message: bytes, length: int) -> bytes:
    return message + b"\x80" + bytes(length - len(message) - 1)


class _CmacKey:
    """CMAC under one AES key. One ECB context computes the subkeys and every
    CBC step (the chaining and XOR are done here), so a session that MACs many
    messages sets up AES once: a DESFire tap spends its time on the radio."""

    __slots__ = ("_ecb", "k1", "k2")

    def __init__(self, key: bytes) -> None:
        _check_key(key)
        self._ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
        self.k1 = _double(self._ecb.update(bytes(BLOCK)))
        self.k2 = _double(self.k1)

    def mac_blocks(self, iv: bytes, blocks: bytes, subkey: bytes) -> bytes:
        """The last CBC block over ``blocks`` (whole blocks) with ``subkey``
        XORed into the last one, starting from ``iv``."""
        data = blocks[:-BLOCK] + _xor(blocks[-BLOCK:], subkey)
        state = iv
        for start in range(0, len(data), BLOCK):
            state = self._ecb.update(_xor(state, data[start : start + BLOCK]))
        return state

    def chained(self, iv: bytes, message: bytes) -> bytes:
        if message and len(message) % BLOCK == 0:
            return self.mac_blocks(iv, message, self.k1)
        padded_length = (len(message) // BLOCK + 1) * BLOCK
        return self.mac_blocks(iv, _pad(message, padded_length), self.k2)


def chained_cmac(key: bytes, iv: bytes, message: bytes) -> bytes:
    """AES-CMAC whose CBC starts from ``iv`` instead of zero, as DESFire EV1
    secure messaging chains it. With a zero IV it is plain AES-CMAC."""
    return _CmacKey(key).chained(iv, message)


def truncate_mac(cmac: bytes) -> bytes:
    """The MAC an EV1 card sends: the 8 leftmost bytes of the CMAC."""
    return cmac[:MAC_LENGTH]


def rotate_left(data: bytes, count: int = 1) -> bytes:
    """Rotate a byte string left by ``count`` bytes (RndB' = rotate_left(RndB))."""
    if not data:
        return data
    count %= len(data)
    return data[count:] + data[:count]


def aes_session_key(rnd_a: bytes, rnd_b: bytes) -> bytes:
    """The EV1 AES session key: RndA[0:4] || RndB[0:4] || RndA[12:16] || RndB[12:16]."""
    if len(rnd_a) != BLOCK or len(rnd_b) != BLOCK:
        raise ValueError("RndA and RndB are 16 bytes each")
    return rnd_a[0:4] + rnd_b[0:4] + rnd_a[12:16] + rnd_b[12:16]


def diversification_input(uid: bytes, aid: bytes, system_identifier: bytes) -> bytes:
    """AN10922 diversification input M = UID || AID || system identifier (1..31 bytes)."""
    message = uid + aid + system_identifier
    if not 1 <= len(message) <= 2 * BLOCK - 1:
        raise ValueError(f"AN10922 input is 1 to 31 bytes, not {len(message)}")
    return message


def diversify_aes128(master_key: bytes, uid: bytes, aid: bytes, system_identifier: bytes) -> bytes:
    """The card's AES-128 key diversified from ``master_key`` (NXP AN10922 §2.2):
    CMAC over 0x01 || M, padded to 32 bytes with 0x80 00… and K2 when shorter,
    else with K1."""
    cmac = _CmacKey(master_key)
    data = _AN10922_AES128 + diversification_input(uid, aid, system_identifier)
    if len(data) == 2 * BLOCK:
        return cmac.mac_blocks(ZERO_IV, data, cmac.k1)
    return cmac.mac_blocks(ZERO_IV, _pad(data, 2 * BLOCK), cmac.k2)


class Ev1Session:
    """The state of an EV1 AES session: the session key and the IV that every
    CMAC after authentication chains through. Both sides keep one."""

    __slots__ = ("_cmac", "iv", "key")

    def __init__(self, key: bytes) -> None:
        self._cmac = _CmacKey(key)
        self.key = key
        self.iv = ZERO_IV

    def advance(self, message: bytes) -> bytes:
        """CMAC ``message`` from the current IV; the CMAC becomes the next IV."""
        self.iv = self._cmac.chained(self.iv, message)
        return self.iv
