"""MMSI (Maritime Mobile Service Identity) of a ship station.

No library validates MMSIs, hence this module. A ship's MMSI is nine digits
starting with its flag's MID (Maritime Identification Digits, 201-775 per ITU-R
M.585). Coast stations, SAR aircraft and AIS beacons use other patterns; they
are not vessels and are refused with a reason.
"""

from __future__ import annotations

import re

from accord.domain.values.base import ValueType


class MmsiType(ValueType):
    name = "mmsi"
    label = "MMSI"
    identifier = True

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        text = self.clean(raw)
        digits = re.sub(r"^MMSI[: ]*|[ \-.]", "", text, flags=re.IGNORECASE)
        if not digits.isdigit() or not digits.isascii():
            raise self.invalid(raw, "an MMSI has 9 digits")
        if len(digits) != 9:
            raise self.invalid(raw, f"an MMSI has 9 digits, not {len(digits)}")
        mid = int(digits[:3])
        if not 201 <= mid <= 775:
            raise self.invalid(
                raw, f"{digits[:3]} is not a ship MID (201-775), so this is not a vessel")
        return digits
