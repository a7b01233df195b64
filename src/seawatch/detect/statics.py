"""What each vessel's AIS said of itself — name, ship type, length — kept per contact, found again by MMSI.

A vessel whose AIS falls silent goes on as a dark radar track under another contact id, and its silence is
alerted under its MMSI alone (ais_gap): the rows that carry its name are those of its earlier contact. An
operator told "dark contact 7, last identified as MMSI 423503612" wants to hear "SEA KARAGIYE 58, 8 m" with
it, and a rule judging the dark track as that vessel (high_speed's severity) wants its length and type. So
every identified row's static data is kept in its contact's slot (the latest known value of each field: a
row without it keeps what came before; a slot that starts carrying another MMSI forgets it), and `of(mmsi)`
reads it back from the contact that last heard the MMSI and knows anything of it — one contact's record.
Slots go with the contact memory's (a day after the contact was last seen).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt

from seawatch.detect.slots import SlotState

if TYPE_CHECKING:
    from seawatch.detect.core import ContactMemory

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

# No cargo ship or tanker (ITU-R M.1371 ship types 70-89) sails this fast: the fastest container ships' service
# speed is 25-27 kn. A radar track that carried such a ship's MMSI and now makes good this much is another vessel
# (`TrackIdentity.refute`): a runner that took its mother ship's track as the two echoes parted.
MERCHANT_TOP_KN = 30.0
SEEN_FAST_KN = 25.0


@dataclass(frozen=True)
class Statics:
    """A vessel's static data as its AIS gave it; None / NaN where never heard."""

    mmsi: int
    name: str | None = None
    ship_type: int | None = None
    length_m: float = math.nan
    fastest_kn: float = math.nan   # the fastest it was tracked while its AIS was heard (not in `evidence`)

    def label(self) -> str:
        """How a summary names it: "SEA KARAGIYE 58 (MMSI 423503612, 8 m)"; without a name "MMSI 423503612 (8 m)",
        and "MMSI 423503612" if nothing is known."""
        if not math.isfinite(self.length_m):
            return f"{self.name} (MMSI {self.mmsi})" if self.name else f"MMSI {self.mmsi}"
        return (f"{self.name} (MMSI {self.mmsi}, {self.length_m:.0f} m)" if self.name
                else f"MMSI {self.mmsi} ({self.length_m:.0f} m)")

    def top_speed_kn(self) -> float:
        """The most this vessel can make, as its ship type tells (`MERCHANT_TOP_KN` for a cargo ship or tanker);
        NaN where its type sets no bound (small craft, high-speed craft, naval vessels, or no type given), and for
        a vessel tracked at more than SEEN_FAST_KN with its AIS heard: whatever its type says (ship types are
        often wrong: a fast ferry given as cargo), it is fast."""
        if self.ship_type is None or not 70 <= self.ship_type <= 89 or self.fastest_kn > SEEN_FAST_KN:
            return math.nan
        return MERCHANT_TOP_KN

    UNNAMED: ClassVar[dict[str, Any]] = {"name": None, "ship_type": None, "length_m": None}   # `evidence` of none

    def evidence(self) -> dict[str, Any]:
        """The alert evidence keys naming it: `name`, `ship_type`, `length_m` (None where unknown)."""
        return {"name": self.name, "ship_type": self.ship_type,
                "length_m": self.length_m if math.isfinite(self.length_m) else None}

    @staticmethod
    def of_evidence(mmsi: int, evidence: dict[str, Any]) -> Statics:
        """Read back from an alert's evidence (`evidence`): what it was named with when it opened."""
        length = evidence.get("length_m")
        return Statics(int(mmsi), evidence.get("name"), evidence.get("ship_type"),
                       float(length) if length is not None else math.nan)


class VesselStatics(SlotState):
    """Per contact slot, the last known name, ship type and length of the vessel on it (`note` each cycle)."""

    slot_fields: ClassVar[dict[str, Any]] = {"name": None, "ship_type": -1, "length_m": np.nan, "fastest_kn": np.nan}

    def __init__(self, memory: ContactMemory) -> None:
        self.memory = memory
        self.name = np.zeros(0, object)
        self.ship_type: I64 = np.zeros(0, np.int64)
        self.length_m: F64 = np.zeros(0)
        self.fastest_kn: F64 = np.zeros(0)
        memory.attach(self)

    def note(self, slots: I64, mmsi: I64, prev_mmsi: I64, ship_type: npt.NDArray[np.integer[Any]], length_m: F64,
             name: npt.NDArray[np.object_], sog_kn: F64, heard: npt.NDArray[np.bool_]) -> None:
        """The cycle's rows (slots distinct; `prev_mmsi`: each slot's MMSI before them): each known field of an
        identified row replaces its slot's, and the speed of a row whose AIS was just `heard` raises its
        `fastest_kn`. A slot that now carries another MMSI forgets the other vessel's first."""
        has = mmsi > 0
        other = slots[has & (prev_mmsi > 0) & (prev_mmsi != mmsi)]
        self.name[other], self.ship_type[other], self.length_m[other] = None, -1, np.nan
        self.fastest_kn[other] = np.nan
        fast = has & heard & (sog_kn > SEEN_FAST_KN)   # only the rare fast ones need writing
        self.fastest_kn[slots[fast]] = np.fmax(self.fastest_kn[slots[fast]], sog_kn[fast])
        st = np.asarray(ship_type, np.int64)
        typed = has & (st > 0)   # 0: "not available" (M.1371), -1: not given
        self.ship_type[slots[typed]] = st[typed]
        sized = has & np.isfinite(length_m) & (length_m > 0)
        self.length_m[slots[sized]] = length_m[sized]
        named = has & (name != None) & (name != "")   # element-wise on an object array
        self.name[slots[named]] = name[named]

    def of(self, mmsi: int) -> Statics:
        """What is known of the vessel with this MMSI: the record of the contact that heard it last and knows
        anything of it (one contact's, never a mix of two: one MMSI on two contacts may be two vessels)."""
        mem = self.memory
        mine = np.flatnonzero(mem.i["last_mmsi"][: mem.n] == mmsi)
        mine = mine[np.argsort(-np.nan_to_num(mem.f["last_ais_t"][mine], nan=-np.inf), kind="stable")]
        for s in mine.tolist():
            nm = self.name[s]
            name = nm.strip() or None if isinstance(nm, str) else None
            st = int(self.ship_type[s])
            if name is not None or st > 0 or np.isfinite(self.length_m[s]):
                return Statics(int(mmsi), name, st if st > 0 else None, float(self.length_m[s]),
                               float(self.fastest_kn[s]))
        return Statics(int(mmsi))
