"""Flag state from an MMSI's Maritime Identification Digits (ITU-R M.585, ITU MID table).

The table covers the Caspian states, their neighbours and the registries most ships fly (flags of
convenience included); an MID not listed gives `None`, never a guess.
"""

from __future__ import annotations

_MID: dict[str, tuple[int, ...]] = {
    "AZ Azerbaijan": (423,), "IR Iran": (422,), "RU Russia": (273,), "KZ Kazakhstan": (436,),
    "TM Turkmenistan": (434,), "GE Georgia": (213,), "AM Armenia": (216,), "TR Türkiye": (271,),
    "UA Ukraine": (272,), "MD Moldova": (214,), "UZ Uzbekistan": (437,), "IQ Iraq": (425,),
    "PA Panama": (351, 352, 353, 354, 355, 356, 357, 370, 371, 372, 373, 374), "LR Liberia": (636, 637),
    "MH Marshall Islands": (538,), "MT Malta": (215, 229, 248, 249, 256), "BS Bahamas": (308, 309, 311),
    "CY Cyprus": (209, 210, 212), "GR Greece": (237, 239, 240, 241), "CN China": (412, 413, 414),
    "HK Hong Kong": (477,), "SG Singapore": (563, 564, 565, 566), "GB United Kingdom": (232, 233, 234, 235),
    "US United States": (338, 366, 367, 368, 369), "NO Norway": (257, 258, 259), "DK Denmark": (219, 220),
    "DE Germany": (211, 218), "NL Netherlands": (244, 245, 246), "FR France": (226, 227, 228),
    "IT Italy": (247,), "ES Spain": (224, 225), "PT Portugal": (263,), "BE Belgium": (205,),
    "SE Sweden": (265, 266), "FI Finland": (230,), "PL Poland": (261,), "IE Ireland": (250,),
    "JP Japan": (431, 432), "KR Korea": (440, 441), "IN India": (419,), "VN Viet Nam": (574,),
    "ID Indonesia": (525,), "MY Malaysia": (533,), "PH Philippines": (548,), "BZ Belize": (312,),
    "KM Comoros": (616,), "TG Togo": (671,), "SL Sierra Leone": (667,), "TZ Tanzania": (674, 677),
    "CM Cameroon": (613,), "VC St Vincent and the Grenadines": (375, 376, 377), "AG Antigua and Barbuda": (304, 305),
    "TV Tuvalu": (572,), "PW Palau": (511,), "AU Australia": (503,), "CA Canada": (316,), "BR Brazil": (710,),
    "EG Egypt": (622,), "SA Saudi Arabia": (403,), "AE United Arab Emirates": (470, 471), "QA Qatar": (466,),
    "OM Oman": (461,), "KW Kuwait": (447,), "PK Pakistan": (463,), "HR Croatia": (238,), "IS Iceland": (251,),
    "BG Bulgaria": (207,), "RO Romania": (264,), "GI Gibraltar": (236,), "LU Luxembourg": (253,),
    "KN St Kitts and Nevis": (341,), "JM Jamaica": (339,), "BB Barbados": (314,), "BM Bermuda": (310,),
    "KY Cayman Islands": (319,), "CK Cook Islands": (518,), "VU Vanuatu": (576, 577), "MN Mongolia": (457,),
    "TH Thailand": (567,), "BD Bangladesh": (405,), "LK Sri Lanka": (417,), "TW Taiwan": (416,),
    "NG Nigeria": (657,), "ZA South Africa": (601,), "MX Mexico": (345,), "AR Argentina": (701,),
    "CL Chile": (725,), "NZ New Zealand": (512,), "IL Israel": (428,), "LB Lebanon": (450,), "SY Syria": (468,),
    "JO Jordan": (438,), "BH Bahrain": (408,), "YE Yemen": (473, 475), "KP North Korea": (445,),
}
MID_TO_FLAG: dict[int, tuple[str, str]] = {
    mid: (key[:2], key[3:]) for key, mids in _MID.items() for mid in mids
}


def mid_of(mmsi: int) -> int | None:
    """The MID inside an MMSI: ships MIDxxxxxx, groups 0MID, coast stations 00MID, SAR aircraft 111MID,
    craft associated with a ship 98MID, aids to navigation 99MID. None for SART/MOB/EPIRB and invalid."""
    s = f"{mmsi:09d}" if 0 <= mmsi < 1_000_000_000 else ""
    if not s:
        return None
    if s.startswith("00"):
        return int(s[2:5])
    if s.startswith("0"):
        return int(s[1:4])
    if s.startswith(("111", "98", "99")):
        return int(s[3:6]) if s.startswith("111") else int(s[2:5])
    if s[0] in "234567":
        return int(s[:3])
    return None


def flag_of(mmsi: int | None) -> dict[str, str] | None:
    """{"code": "AZ", "country": "Azerbaijan", "mid": "423"} or None when unknown."""
    if mmsi is None:
        return None
    mid = mid_of(mmsi)
    if mid is None or mid not in MID_TO_FLAG:
        return None
    code, country = MID_TO_FLAG[mid]
    return {"code": code, "country": country, "mid": str(mid)}
