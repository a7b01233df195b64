"""The User Application Profiles (FRN order and item layouts) of the categories seawatch reads.

Only the layouts are needed to frame records (an ASTERIX record carries no length of its own: its size
follows from the FSPEC and each present item's layout); the few items seawatch maps to observation columns
are decoded in `fields.py`. Editions: CAT 010 ed. 1.1 and CAT 048 ed. 1.2x (the UAP has been stable
since ed. 1.15; newer editions changed item content, not layouts).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Fixed:
    size: int


@dataclass(frozen=True, slots=True)
class Variable:
    """One-octet parts chained while the last part's FX bit (LSB) is set."""


@dataclass(frozen=True, slots=True)
class Repetitive:
    """A one-octet repetition factor, then that many `size`-octet elements."""

    size: int


@dataclass(frozen=True, slots=True)
class Explicit:
    """A one-octet length that counts itself (SP and RE fields)."""


@dataclass(frozen=True, slots=True)
class Compound:
    """A one-octet primary subfield (7 presence bits + FX), then the present subfields in bit order.

    Subfields are Fixed or Repetitive; None marks a spare bit (set in data = a corrupt record).
    """

    subfields: tuple[Fixed | Repetitive | None, ...]


Layout = Fixed | Variable | Repetitive | Explicit | Compound | None  # None = spare FRN

# FRN order (index 0 = FRN 1). Names are the item numbers, used by fields.py to find an item's column.
CAT010: tuple[tuple[str, Layout], ...] = (
    ("010", Fixed(2)), ("000", Fixed(1)), ("020", Variable()), ("140", Fixed(3)), ("041", Fixed(8)),
    ("040", Fixed(4)), ("042", Fixed(4)),
    ("200", Fixed(4)), ("202", Fixed(4)), ("161", Fixed(2)), ("170", Variable()), ("060", Fixed(2)),
    ("220", Fixed(3)), ("245", Fixed(7)),
    ("250", Repetitive(8)), ("300", Fixed(1)), ("090", Fixed(2)), ("091", Fixed(2)), ("270", Variable()),
    ("550", Fixed(1)), ("310", Fixed(1)),
    ("500", Fixed(4)), ("280", Repetitive(2)), ("131", Fixed(1)), ("210", Fixed(2)), ("spare", None),
    ("SP", Explicit()), ("RE", Explicit()),
)

CAT048: tuple[tuple[str, Layout], ...] = (
    ("010", Fixed(2)), ("140", Fixed(3)), ("020", Variable()), ("040", Fixed(4)), ("070", Fixed(2)),
    ("090", Fixed(2)), ("130", Compound((Fixed(1),) * 7)),
    ("220", Fixed(3)), ("240", Fixed(6)), ("250", Repetitive(8)), ("161", Fixed(2)), ("042", Fixed(4)),
    ("200", Fixed(4)), ("170", Variable()),
    ("210", Fixed(4)), ("030", Variable()), ("080", Fixed(2)), ("100", Fixed(4)), ("110", Fixed(2)),
    ("120", Compound((Fixed(2), Repetitive(6), None, None, None, None, None))), ("230", Fixed(2)),
    ("260", Fixed(7)), ("055", Fixed(1)), ("050", Fixed(2)), ("065", Fixed(1)), ("060", Fixed(2)),
    ("SP", Explicit()), ("RE", Explicit()),
)

UAPS: dict[int, tuple[tuple[str, Layout], ...]] = {10: CAT010, 48: CAT048}

# ASTERIX categories in use (EUROCONTROL list): a block header naming another category is not ASTERIX.
KNOWN_CATEGORIES: frozenset[int] = frozenset({
    1, 2, 4, 8, 9, 10, 11, 15, 16, 17, 18, 19, 20, 21, 23, 25, 30, 31, 32, 33, 34, 48, 62, 63, 65, 150,
    205, 240, 247, 252,
})


def frn_index(uap: tuple[tuple[str, Layout], ...], item: str) -> int:
    for i, (name, _layout) in enumerate(uap):
        if name == item:
            return i
    raise KeyError(item)
