"""Identifiers with valid check digits: IMO, MMSI, containers, national ids, tax numbers.

Check digits come from python-stdnum wherever it has the scheme (IMO,
ISO 6346 containers, CURP, RFC, NIT, DNI, CIF, BSN, Luhn for IMEIs). Two
small encoders are written here because no installed library produces them:
Base58Check for crypto addresses (stdnum only validates) and the CLABE check
digit (see ``banking``).
"""

from __future__ import annotations

import hashlib
import random
import string
from datetime import date

from stdnum import imo as std_imo
from stdnum import iso6346, luhn
from stdnum.co import nit as co_nit
from stdnum.ec import ci as ec_ci
from stdnum.es import cif as es_cif
from stdnum.es import dni as es_dni
from stdnum.gt import nit as gt_nit
from stdnum.mx import curp as mx_curp
from stdnum.mx import rfc as mx_rfc
from stdnum.nl import bsn as nl_bsn
from stdnum.us import ein as us_ein

from accord.synth.names import TrueName, strip_accents

# Maritime Identification Digits per flag (ITU); ship MMSIs are MID + 6 digits.
MIDS: dict[str, tuple[int, ...]] = {
    "CO": (730,), "MX": (345,), "US": (338, 366, 367, 368, 369),
    "PA": (351, 352, 353, 354, 355, 356, 357, 370, 371, 372, 373), "ES": (224, 225),
    "EC": (735,), "GT": (332,), "NL": (244, 245, 246), "BE": (205,), "LR": (636,),
    "MH": (538,), "MT": (215, 229, 248, 249, 256), "BZ": (312,), "TG": (671,), "HN": (334,),
    "SG": (563, 564, 565, 566), "DK": (219, 220), "CN": (412, 413, 414), "PT": (263,),
}
CALL_SIGN_PREFIX: dict[str, tuple[str, ...]] = {
    "CO": ("HK", "5K"), "MX": ("XA", "XC"), "US": ("WD", "KC"), "PA": ("HO", "HP", "3E"),
    "ES": ("EA", "EB"), "EC": ("HC",), "GT": ("TG",), "NL": ("PB", "PD"), "BE": ("ON",),
    "LR": ("A8", "D5"), "MH": ("V7",), "MT": ("9H",), "BZ": ("V3",), "TG": ("5V",),
    "HN": ("HQ",), "SG": ("9V",), "DK": ("OZ",), "CN": ("BP",), "PT": ("CS",),
}


def imo_number(rng: random.Random) -> str:
    """Seven digits whose last is the IMO check digit."""
    body = f"{rng.choice('9999998')}{rng.randrange(100000):05d}"
    return body + std_imo.calc_check_digit(body)


def mmsi(flag: str, rng: random.Random) -> str:
    return f"{rng.choice(MIDS[flag])}{rng.randrange(10**6):06d}"


def call_sign(flag: str, rng: random.Random) -> str:
    tail = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(3))
    return rng.choice(CALL_SIGN_PREFIX[flag]) + tail


def container_number(owner: str, rng: random.Random) -> str:
    """ISO 6346: owner code (3 letters + U), six digits and the check digit."""
    body = f"{owner}U{rng.randrange(10**6):06d}"
    return body + iso6346.calc_check_digit(body)


def bill_of_lading(carrier: str, rng: random.Random) -> str:
    return f"{carrier}{rng.randrange(10**9):09d}"


def imei(rng: random.Random) -> str:
    body = f"35{rng.randrange(10**12):012d}"
    return body + luhn.calc_check_digit(body)


def icao24(rng: random.Random) -> str:
    return f"{rng.randrange(0x0C0000, 0x0DFFFF):06X}"


def tail_number(country: str, rng: random.Random) -> str:
    if country == "US":
        return f"N{rng.randrange(100, 9999)}{rng.choice(string.ascii_uppercase)}"
    prefix = {"CO": "HK-", "MX": "XB-", "GT": "TG-", "PA": "HP-", "EC": "HC-"}.get(country, "N")
    if prefix == "HK-":
        return f"HK-{rng.randrange(1000, 5999)}"
    return prefix + "".join(rng.choice(string.ascii_uppercase) for _ in range(3))


def plate(country: str, rng: random.Random) -> str:
    letters = "".join(rng.choice("BCDFGHJKLMNPRSTVWXYZ") for _ in range(3))
    digits = f"{rng.randrange(1000):03d}"
    if country == "ES":
        return f"{rng.randrange(10000):04d}{letters}"
    if country == "MX":
        return f"{letters}-{digits}-{rng.choice(string.ascii_uppercase)}"
    if country == "US":
        return f"{rng.randrange(10)}{letters}{rng.randrange(1000):03d}"
    return f"{letters}{digits}"


_PASSPORT_SHAPES: dict[str, str] = {
    "CO": "AA#######", "MX": "A########", "US": "#########", "PA": "PA#######",
    "ES": "AAA######", "EC": "A#######", "GT": "#########", "NL": "AA#######",
    "RU": "#########", "RS": "#########", "CN": "E########", "LB": "RL#######",
    "MA": "AA#######", "AL": "A########", "VE": "#########",
}


def passport(country: str, rng: random.Random) -> str:
    shape = _PASSPORT_SHAPES.get(country, "A########")
    return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXZ") if c == "A" else
                   str(rng.randrange(10)) if c == "#" else c for c in shape)


def national_id(kind: str, name: TrueName, birth: date, rng: random.Random) -> str:
    """A national identity number of ``kind`` (see ``Nation.id_kind``) with valid checks."""
    if kind == "co_cedula":
        return str(rng.randrange(10_000_000, 1_299_999_999))
    if kind == "mx_curp":
        return curp(name, birth, rng)
    if kind == "es_dni":
        body = f"{rng.randrange(10**8):08d}"
        return body + es_dni.calc_check_digit(body)
    if kind == "us_ssn":
        area, group, serial = rng.randrange(1, 666), rng.randrange(1, 100), rng.randrange(1, 10000)
        return f"{area:03d}-{group:02d}-{serial:04d}"
    if kind == "pa_cedula":
        return f"{rng.randrange(1, 10)}-{rng.randrange(100, 999)}-{rng.randrange(100, 9999)}"
    if kind == "ec_ci":
        return _with_valid_digit(f"{rng.randrange(1, 25):02d}{rng.randrange(6)}"
                                 f"{rng.randrange(10**6):06d}", ec_ci.is_valid)
    if kind == "nl_bsn":
        return _with_valid_digit(f"{rng.randrange(10**7, 10**8):08d}", nl_bsn.is_valid)
    return f"{rng.randrange(10**12, 10**13)}"


def _with_valid_digit(body: str, is_valid: object) -> str:
    assert callable(is_valid)
    for d in range(10):
        if is_valid(body + str(d)):
            return body + str(d)
    return _with_valid_digit(body[:-1] + str((int(body[-1]) + 1) % 10), is_valid)


_VOWELS = set("AEIOU")
_CURP_STATES = ("AS", "BC", "CS", "CH", "DF", "DG", "GR", "JC", "MC", "MN", "NL", "SL", "SR",
                "TS", "VZ", "SP", "NT", "QT", "YN", "ZS")


def curp(name: TrueName, birth: date, rng: random.Random) -> str:
    """A CURP built from the person's own name and birth date, with its check digit."""
    def clean(s: str) -> str:
        return strip_accents(s).upper().replace("Ñ", "X").replace(" ", "").replace("-", "")
    p1 = clean(name.last) or "X"
    p2 = clean(name.second_last or "X") or "X"
    given = clean(name.first.split(" ")[0]) or "X"
    vowel = next((c for c in p1[1:] if c in _VOWELS), "X")
    cons = [next((c for c in s[1:] if c.isalpha() and c not in _VOWELS), "X")
            for s in (p1, p2, given)]
    body = (p1[0] + vowel + p2[0] + given[0] + birth.strftime("%y%m%d")
            + ("H" if name.gender == "male" else "M") + rng.choice(_CURP_STATES)
            + "".join(cons) + ("0" if birth.year < 2000 else "A"))
    return body + mx_curp.calc_check_digit(body)


def registration_number(country: str, rng: random.Random, founded: date) -> str:
    """A company's registration or tax number as its registry writes it."""
    if country == "CO":
        body = str(rng.randrange(900_000_000, 999_999_999))
        return f"{body}-{co_nit.calc_check_digit(body)}"
    if country == "MX":
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        body = f"{letters}{founded.strftime('%y%m%d')}{rng.choice('ABCDEFGH')}{rng.randrange(10)}"
        return body + mx_rfc.calc_check_digit(body)
    if country == "ES":
        body = f"B{rng.randrange(10**7):07d}"
        return body + es_cif.calc_check_digits(body)[0]
    if country == "US":
        while True:
            number = f"{rng.randrange(10, 99)}-{rng.randrange(10**7):07d}"
            if us_ein.is_valid(number):
                return number
    if country == "GT":
        body = str(rng.randrange(10**6, 10**8))
        return f"{body}-{gt_nit.calc_check_digit(body)}"
    if country == "EC":
        ci = _with_valid_digit(f"{rng.randrange(1, 25):02d}{rng.randrange(6)}"
                               f"{rng.randrange(10**6):06d}", ec_ci.is_valid)
        return ci + "001"
    if country == "PA":
        return f"{rng.randrange(10**5, 10**7)}-{rng.randrange(1, 3)}-{founded.year}"
    return f"{rng.randrange(10**7, 10**8)}"


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def crypto_address(network: str, rng: random.Random) -> str:
    """A well-formed Base58Check address: Bitcoin P2PKH (``btc``) or Tron (``trx``)."""
    version = b"\x00" if network == "btc" else b"\x41"
    payload = version + bytes(rng.randrange(256) for _ in range(20))
    check = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    data = payload + check
    num = int.from_bytes(data, "big")
    out = ""
    while num:
        num, rem = divmod(num, 58)
        out = _B58[rem] + out
    pad = len(data) - len(data.lstrip(b"\x00"))
    return "1" * pad + out
