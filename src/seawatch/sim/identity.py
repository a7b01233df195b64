"""Who the simulated vessels are: type classes with their physics, and identities (MMSI, IMO, call sign, name).

MMSIs follow ITU-R M.585: a 9-digit number starting with the flag's Maritime Identification Digits
(423 Azerbaijan, 422 Iran, 273 Russia, 436 Kazakhstan, 434 Turkmenistan). IMO numbers carry a valid check
digit. Call signs use each flag's ITU prefix (4J/4K Azerbaijan, EP Iran, UB Russia, UN Kazakhstan, EZ
Turkmenistan). Names are drawn from Caspian place and personal names, deterministically from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIDS: dict[str, int] = {"AZ": 423, "IR": 422, "RU": 273, "KZ": 436, "TM": 434}
CALL_PREFIX: dict[str, str] = {"AZ": "4J", "IR": "EP", "RU": "UB", "KZ": "UN", "TM": "EZ"}


@dataclass(frozen=True)
class TypeClass:
    """Physics and sensors' view of one kind of vessel."""

    name: str
    ais_ship_type: int  # ITU-R M.1371 ship and cargo type
    length_m: tuple[float, float]
    beam_ratio: float  # beam = length × ratio
    draught_m: float
    cruise_kn: tuple[float, float]
    accel_mps2: float
    turn_rate_dps: float  # max rate of turn, degrees per second
    rcs_m2: float  # mean radar cross-section (Swerling I fluctuation around it)
    height_m: float  # height of the radar-reflecting superstructure above the sea
    ais_class: str  # "A", "B" or "" (no transponder)
    antenna_m: float  # AIS antenna height above the sea


# RCS: the empirical rule σ ≈ 52 · f_MHz^0.5 · D_kt^1.5 (Skolnik, Introduction to Radar Systems, 3rd ed.,
# §2.7, ships at X band, D = displacement in kt) gives 10^4–10^5 m² for 5-10 kt tankers; small boats
# 1–10 m²; a go-fast (GRP hull, low profile) ~1–3 m².
TYPES: dict[str, TypeClass] = {
    "tanker": TypeClass("tanker", 80, (125, 150), 0.14, 6.5, (10, 12), 0.02, 0.4, 20000.0, 22.0, "A", 25.0),
    "ferry": TypeClass("ferry", 60, (150, 155), 0.12, 4.5, (12, 14), 0.03, 0.5, 25000.0, 25.0, "A", 28.0),
    "cargo": TypeClass("cargo", 70, (100, 140), 0.13, 4.5, (9, 11), 0.02, 0.5, 8000.0, 20.0, "A", 22.0),
    "supply": TypeClass("supply", 90, (60, 80), 0.22, 4.5, (10, 12), 0.05, 1.5, 800.0, 14.0, "A", 15.0),
    "crew": TypeClass("crew", 90, (30, 40), 0.25, 2.0, (20, 25), 0.15, 3.0, 150.0, 8.0, "A", 8.0),
    "standby": TypeClass("standby", 90, (45, 60), 0.24, 4.0, (8, 10), 0.05, 1.5, 400.0, 12.0, "A", 14.0),
    "fishing": TypeClass("fishing", 30, (12, 24), 0.3, 2.0, (6, 8), 0.1, 3.0, 30.0, 5.0, "B", 5.0),
    "small": TypeClass("small", 37, (7, 14), 0.33, 1.0, (15, 25), 0.3, 5.0, 5.0, 3.0, "B", 3.0),
    "gofast": TypeClass("gofast", 0, (11, 14), 0.25, 0.8, (35, 45), 1.0, 6.0, 1.5, 1.5, "", 1.5),
}

_NAMES = (
    "ABSHERON", "SHIRVAN", "GARABAGH", "SHUSHA", "GANJA", "LANKARAN", "ASTARA", "QUBA", "SHAMAKHI", "NAKHCHIVAN",
    "KHAZAR", "MUGHAN", "KURA", "ARAZ", "GOYGOL", "ZANGEZUR", "SABIR", "NIZAMI", "FUZULI", "KAPAZ", "BAYIL",
    "BALAKHANI", "SURAKHANI", "MARDAKAN", "TURAN", "ALTAY", "MANGYSTAU", "ATYRAU", "BEKDASH", "AVAZA",
    "DERBENT", "VOLGA", "SULAK", "ANZALI", "GILAN", "SEPIDRUD", "KARAGIYE", "CHELEKEN", "KHAZRI", "GILAVAR",
    "NEFTCHI", "PIRALLAHI", "CHILOV", "ZIRA", "NARGIN", "BULLA", "SANGI MUGAN", "AZERI", "CHIRAG", "SHAH DENIZ",
)
_PREFIX = {"tanker": ("", "KHAZAR ", "CASPIAN "), "ferry": ("", "PROF. "), "cargo": ("", "MV "),
           "supply": ("", "CASPIAN SUPPORTER ", "OFFSHORE "), "crew": ("CREW ", "FAST "),
           "standby": ("GUARDIAN ", "STANDBY "), "fishing": ("", ""), "small": ("", "SEA "), "gofast": ("",)}


def imo_number(rng: np.random.Generator) -> int:
    """A 7-digit IMO number with a valid check digit (IMO Res. A.1117(30))."""
    digits = [int(rng.integers(7, 10))] + [int(d) for d in rng.integers(0, 10, 5)]
    check = sum(d * w for d, w in zip(digits, range(7, 1, -1))) % 10
    return int("".join(map(str, digits + [check])))


def imo_is_valid(imo: int) -> bool:
    s = f"{imo:07d}"
    return len(s) == 7 and sum(int(d) * w for d, w in zip(s[:6], range(7, 1, -1))) % 10 == int(s[6])


@dataclass(frozen=True)
class Identity:
    mmsi: int
    imo: int  # 0 = none (small craft)
    name: str
    callsign: str
    flag: str
    vtype: str
    length_m: int
    beam_m: int
    draught_m: float

    @property
    def vtype_code(self) -> int:
        """The ITU-R M.1371 ship and cargo type code."""
        return TYPES[self.vtype].ais_ship_type

    @property
    def dims(self) -> tuple[int, int, int, int]:
        """(to_bow, to_stern, to_port, to_starboard) in metres, antenna 60 % aft."""
        bow = round(self.length_m * 0.6)
        port = self.beam_m // 2
        return bow, self.length_m - bow, port, self.beam_m - port


class IdentityFactory:
    """Makes unique identities from a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.used_mmsi: set[int] = set()
        self.used_names: set[str] = set()

    def make(self, vtype: str, flag: str) -> Identity:
        tc = TYPES[vtype]
        mid = MIDS[flag]
        while True:
            mmsi = mid * 1_000_000 + int(self.rng.integers(100_000, 999_999))
            if mmsi not in self.used_mmsi:
                self.used_mmsi.add(mmsi)
                break
        prefixes = _PREFIX[vtype]
        for attempt in range(1000):
            base = _NAMES[int(self.rng.integers(len(_NAMES)))]
            name = prefixes[int(self.rng.integers(len(prefixes)))] + base
            if attempt > 5 or vtype in ("fishing", "small"):
                name = f"{name} {int(self.rng.integers(1, 99))}"
            name = name[:20]
            if name not in self.used_names:
                self.used_names.add(name)
                break
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        callsign = CALL_PREFIX[flag] + "".join(letters[int(i)] for i in self.rng.integers(0, 26, 2)) + \
            str(int(self.rng.integers(1, 10)))
        length = round(self.rng.uniform(*tc.length_m))
        imo = imo_number(self.rng) if tc.ais_class == "A" and length >= 24 else 0
        return Identity(mmsi, imo, name, callsign, flag, vtype, length, max(2, round(length * tc.beam_ratio)),
                        tc.draught_m)


FIELD_FLEET_SEED = 3  # the field service fleet is fixed: its MMSIs are the authorised ones in zones.geojson
FIELD_FLEET = (("supply", 24), ("crew", 12), ("standby", 10))


def field_fleet() -> list[Identity]:
    """The offshore fields' service vessels (supply, crew, standby), the same for every seed."""
    f = IdentityFactory(FIELD_FLEET_SEED)
    return [f.make(vtype, "AZ") for vtype, n in FIELD_FLEET for _ in range(n)]
