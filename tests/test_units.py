"""Tests for ptdv.units: cleaning unit names, keys that match across files, and the index."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter

import pytest

from ptdv.tables.units import (
    UnitIndex,
    clean_name,
    clean_names_and_keys,
    name_changes,
    unit_key,
)

# The 57 provinces of the TLĐ table (seeds/000_*.txt, column 2), in row order. Rows 26 and 27
# are both "Hải Phòng" in the source: a duplicate to report, never a merge.
TLD_PROVINCES = [
    "An Giang",
    "Bà Rịa-Vũng Tàu",
    "Bạc Liêu",
    "Bắc Kạn",
    "Bắc Giang",
    "Bắc Ninh",
    "Bến Tre",
    "Bình Dương",
    "Bình Định",
    "Bình Phước",
    "Bình Thuận",
    "Cà Mau",
    "Cao Bằng",
    "Cần Thơ",
    "Đà Nẵng",
    "Đắk Lăk",
    "Đắk Nông",
    "Đồng Nai",
    "Đồng Tháp",
    "Điện Biên",
    "Gia Lai",
    "Hà Giang",
    "Hà Nam",
    "Hà Nội",
    "Hà Tĩnh",
    "Hải Phòng",
    "Hải Phòng",
    "Hoà Bình",
    "TP Hồ Chí Minh",
    "Hưng Yên",
    "Hậu Giang",
    "Khánh Hoà",
    "Kiên Giang",
    "Kon Tum",
    "Lai Châu",
    "Lạng Sơn",
    "Lào Cai",
    "Lâm Đồng",
    "Long An",
    "Nam Định",
    "Nghệ An",
    "Ninh Bình",
    "Ninh Thuận",
    "Phú Thọ",
    "Phú Yên",
    "Quảng Bình",
    "Quảng Nam",
    "Quảng Ngãi",
    "Quảng Ninh",
    "Quảng Trị",
    "Sóc Trăng",
    "Sơn La",
    "Tây Ninh",
    "Thái Bình",
    "Thái Nguyên",
    "Thanh Hóa",
    "Thừa Thiên-Huế",
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Yên Dũng", "Yên Dũng"),
        ("  Yên   Dũng ", "Yên Dũng"),
        ("Yên\u00a0Dũng", "Yên Dũng"),
        ("<b>Yên Dũng</b>", "Yên Dũng"),
        ("**Yên Dũng**", "Yên Dũng"),
        ("Yên<br>Dũng", "Yên Dũng"),
        ("Thừa Thiên - Huế", "Thừa Thiên-Huế"),
        ("Thừa Thiên -Huế", "Thừa Thiên-Huế"),
        ("CĐN Y Tế", "CĐN Y Tế"),  # case kept
        ("Hoà Bình", "Hoà Bình"),  # wording (tone placement) kept
        (unicodedata.normalize("NFD", "Hải Phòng"), "Hải Phòng"),
    ],
)
def test_clean_name(raw: str, expected: str) -> None:
    cleaned = clean_name(raw)
    assert cleaned == expected
    assert unicodedata.is_normalized("NFC", cleaned)


def test_clean_name_recomposes_nfd() -> None:
    nfd = unicodedata.normalize("NFD", "Bắc Giang")
    assert nfd != "Bắc Giang"
    assert clean_name(nfd) == "Bắc Giang"


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (["LĐLĐ huyện Yên Dũng", "Yên Dũng", "Huyện Yên Dũng", "<b>Yên Dũng</b>"], "yen-dung"),
        (["LĐLĐ thành phố Bắc Giang", "Bắc Giang", "LĐLĐ TP Bắc Giang"], "bac-giang"),
        (["Liên đoàn Lao động tỉnh Bắc Giang", "LĐLĐ tỉnh Bắc Giang"], "bac-giang"),
        (
            ["TP Hồ Chí Minh", "Hồ Chí Minh", "TP. Hồ Chí Minh", "Thành phố Hồ Chí Minh"],
            "ho-chi-minh",
        ),
        (["CĐN Y Tế", "CĐN Y tế", "Công đoàn ngành Y tế", "cđn y tế"], "cdn-y-te"),
        (["CĐ Các KCN tỉnh", "Công đoàn các Khu công nghiệp tỉnh"], "cd-cac-kcn-tinh"),
        (["Hoà Bình", "Hòa Bình"], "hoa-binh"),
        (["Khánh Hoà", "Khánh Hòa"], "khanh-hoa"),
        (["Thừa Thiên-Huế", "Thừa Thiên - Huế", "Thừa Thiên Huế"], "thua-thien-hue"),
        (["Thị xã Việt Yên", "LĐLĐ thị xã Việt Yên", "Việt Yên"], "viet-yen"),
        (["LĐLĐ quận Hoàn Kiếm", "Quận Hoàn Kiếm", "Hoàn Kiếm"], "hoan-kiem"),
    ],
)
def test_unit_key_equivalences(names: list[str], key: str) -> None:
    assert [unit_key(name) for name in names] == [key] * len(names)


def test_unit_key_nfd_with_odd_spaces_equals_nfc() -> None:
    name = "LĐLĐ huyện Yên Dũng"
    messy = "  " + unicodedata.normalize("NFD", "LĐLĐ  huyện Yên\u00a0 Dũng") + " "
    assert messy != name
    assert unit_key(messy) == unit_key(name) == "yen-dung"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Tân Yên", "tan-yen"),
        ("Thái Nguyên", "thai-nguyen"),
        ("Tây Ninh", "tay-ninh"),
        ("Quảng Trị", "quang-tri"),
        ("Quan Hóa", "quan-hoa"),  # 'quan' is not 'quận'
        ("Huyện Quan Hóa", "quan-hoa"),
        ("Đà Nẵng", "da-nang"),
        ("Bà Rịa-Vũng Tàu", "ba-ria-vung-tau"),
    ],
)
def test_unit_key_prefix_only_on_word_boundaries(name: str, key: str) -> None:
    assert unit_key(name) == key


@pytest.mark.parametrize(
    ("name", "key"),
    [("LĐLĐ tỉnh", "ldld-tinh"), ("LĐLĐ huyện", "ldld-huyen"), ("LĐLĐ", "ldld"), ("TP", "tp")],
)
def test_unit_key_keeps_prefix_when_nothing_else_remains(name: str, key: str) -> None:
    assert unit_key(name) == key


def test_unit_key_is_ascii_slug() -> None:
    key = unit_key("Công đoàn Viên chức Đắk Lắk")
    assert key == "cd-vien-chuc-dak-lak"
    assert key.isascii()


def test_similar_provinces_stay_distinct() -> None:
    assert unit_key("Hải Phòng") == "hai-phong"
    assert unit_key("Hải Dương") == "hai-duong"
    assert unit_key("Hải Phòng") != unit_key("Hải Dương")


def test_tld_province_keys_unique_except_duplicate_hai_phong() -> None:
    assert len(TLD_PROVINCES) == 57
    counts = Counter(unit_key(name) for name in TLD_PROVINCES)
    duplicates = {key: count for key, count in counts.items() if count > 1}
    assert duplicates == {"hai-phong": 2}
    assert len(counts) == 56
    assert unit_key("TP Hồ Chí Minh") in counts and "ho-chi-minh" in counts


def test_name_changes_on_nfd_and_spaces() -> None:
    raw = "  " + unicodedata.normalize("NFD", "Yên  Dũng") + " "
    assert name_changes(raw) == ["decomposed Unicode (NFD) recomposed", "extra spaces removed"]


def test_name_changes_markup_and_hyphen() -> None:
    raw = "<b>" + unicodedata.normalize("NFD", "Thừa Thiên - Huế") + "</b>"
    assert name_changes(raw) == [
        "decomposed Unicode (NFD) recomposed",
        "spaces around hyphens removed",
        "markup removed",
    ]


def test_name_changes_empty_when_clean() -> None:
    assert name_changes("LĐLĐ huyện Yên Dũng") == []
    assert name_changes("Thừa Thiên-Huế") == []


def test_name_changes_non_breaking_space() -> None:
    assert name_changes("Yên\u00a0Dũng") == ["non-breaking or zero-width spaces replaced"]


@pytest.fixture
def index() -> UnitIndex:
    return UnitIndex(
        [
            ("BG-YD", "LĐLĐ huyện Yên Dũng"),
            ("BG-TY", "LĐLĐ huyện Tân Yên"),
            ("BG-TP", "LĐLĐ thành phố Bắc Giang"),
            ("BG-YT", "CĐN Y tế"),
        ],
        aliases={"Yên Dũng cũ": "BG-YD", "Ngành Y": "BG-YT"},
    )


def test_index_match_without_alias(index: UnitIndex) -> None:
    assert index.match("Yên Dũng") == "BG-YD"
    assert index.match(unicodedata.normalize("NFD", " Tân  Yên ")) == "BG-TY"
    assert index.match("Bắc Giang") == "BG-TP"
    assert index.match("Công đoàn ngành Y Tế") == "BG-YT"
    assert index.match("Lục Nam") is None
    assert index.match("") is None
    assert len(index) == 4
    assert "Yên Dũng" in index


def test_index_match_with_alias(index: UnitIndex) -> None:
    assert index.match("Yên Dũng cũ") == "BG-YD"
    assert index.match("ngành y") == "BG-YT"
    plain = UnitIndex([("BG-YT", "CĐN Y tế")])
    assert plain.match("Ngành Y") is None


def test_index_suggest(index: UnitIndex) -> None:
    assert index.suggest("Yen Dug") == ["LĐLĐ huyện Yên Dũng"]
    assert index.suggest("Tan Yen huyen") == ["LĐLĐ huyện Tân Yên"]
    assert index.suggest("Yên Dũng cu") == ["LĐLĐ huyện Yên Dũng"]  # via alias, named by unit
    assert index.suggest("Điện Biên Phủ") == []
    assert index.suggest("Tan Dung", n=3) == ["LĐLĐ huyện Yên Dũng", "LĐLĐ huyện Tân Yên"]
    assert index.suggest("Tan Dung", n=0) == []


def test_index_rejects_duplicate_names_for_different_ids() -> None:
    with pytest.raises(ValueError, match="hai-phong"):
        UnitIndex([("HP1", "Hải Phòng"), ("HP2", unicodedata.normalize("NFD", "Hải  Phòng"))])


def test_index_rejects_alias_to_unknown_unit() -> None:
    with pytest.raises(ValueError, match="unknown unit id"):
        UnitIndex([("BG-YD", "Yên Dũng")], aliases={"YD": "nope"})


# --- many names at once: clean_names_and_keys equals the one-by-one functions -------------

#: Pieces of names chosen to reach every branch: words a key shortens (at and off word
#: boundaries), administrative prefixes, markup, odd spaces, decomposed letters, letters
#: outside Vietnamese (ß folds to ss), punctuation, device names, nothing at all.
_PIECES = [
    "Yên Dũng",
    "CĐCS",
    "CĐ",
    "cđ",
    "Cđn",
    "CĐN",
    "LĐLĐ",
    "lđlđx",
    "Công đoàn",
    "công đoànx",
    "Công đoàn ngành",
    "Liên đoàn Lao động",
    "Khu công nghiệp",
    "Thành phố",
    "TP.",
    "TP",
    "tp.hcm",
    "Huyện",
    "huyệnx",
    "Quận",
    "Thị xã",
    "tỉnh",
    "Trường Mầm non",
    "001-0001",
    "Bà Rịa-Vũng Tàu",
    " - ",
    "-",
    "(Hà Nội)",
    "A/B",
    "O'Neil",
    "#3",
    "+1",
    "&amp;",
    "<b>",
    "</b>",
    "**",
    "__",
    "\u00a0",
    "\u200b",
    unicodedata.normalize("NFD", "Hải Phòng"),
    "Straße",
    "ΣΊΣΥΦΟΣ",
    "İ",
    "ﬁ",
    "Đắk Lắk",
    "ĐẮK LẮK",
    "CON",
    "nul",
    "com1",
    "é",
    "x" * 120,
    "",
    " ",
    "  ",
    "\t",
    "_",
    "..",
    "Ấp Ủy",
]


def _names(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return [
        " ".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.9
        else "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 3)))
        for _ in range(n)
    ]


def _one_by_one(raws: list[str]) -> tuple[list[str], list[list[str]], list[str]]:
    return (
        [clean_name(r) for r in raws],
        [name_changes(r) for r in raws],
        [unit_key(clean_name(r)) for r in raws],
    )


@pytest.mark.parametrize("seed", range(5))
def test_names_and_keys_at_once_equal_one_by_one(seed: int) -> None:
    raws = _names(seed, 4000)
    assert clean_names_and_keys(raws) == _one_by_one(raws)


def test_names_and_keys_at_once_on_real_names() -> None:
    more = ["LĐLĐ huyện Yên Dũng", "CĐCS Trường Mầm non Việt Tiến 001-0001"]
    more += ["Công đoàn Viên chức Đắk Lắk", "TP. Hồ Chí Minh", "Quan Hóa", "CĐ Các KCN tỉnh"]
    raws = [*TLD_PROVINCES, *more]
    names, changes, keys = clean_names_and_keys(raws)
    assert (names, changes, keys) == _one_by_one(raws)
    assert keys[:3] == ["an-giang", "ba-ria-vung-tau", "bac-lieu"]
    assert keys[-6:-4] == ["yen-dung", "cdcs-truong-mam-non-viet-tien-001-0001"]
    assert keys[-4:] == ["cd-vien-chuc-dak-lak", "ho-chi-minh", "quan-hoa", "cd-cac-kcn-tinh"]
    assert clean_names_and_keys([]) == ([], [], [])
