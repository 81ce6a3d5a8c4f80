"""The recipients file: every shipped plan's example validates; errors name the entry."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ptdv.base import paths
from ptdv.base.errors import ConfigError
from ptdv.share import recipients

#: Three units of the TLĐ table, with its real fault: Hải Phòng written twice (TT 26, 27).
UNITS = pd.DataFrame(
    {
        "unit_id": ["ha-noi", "hai-phong", "hai-phong-2"],
        "unit_name": ["Hà Nội", "Hải Phòng", "Hải Phòng"],
        "order": [1, 2, 3],
    }
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "recipients.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_units_named_twice_in_the_table_are_reached_by_id(tmp_path: Path) -> None:
    path = write(tmp_path, """\
p:
  federation: {to: [lanh-dao@example.org]}
  units:
    Ha Noi: {to: HN@Example.org}
    hai-phong: {to: [hp1@example.org]}
    hai-phong-2: {to: [hp2@example.org], cc: [vp@example.org]}
""")  # fmt: skip
    r = recipients.for_plan("p", UNITS, path)
    assert r.units["ha-noi"].to == ["HN@example.org"]  # the domain is normalised
    assert r.units["hai-phong-2"].all == ["hp2@example.org", "vp@example.org"]
    assert r.need_federation().to == ["lanh-dao@example.org"]
    bad = write(tmp_path, "p:\n  units:\n    Hải Phòng: {to: [hp@example.org]}\n")
    with pytest.raises(ConfigError, match=r"written twice .* by its id \(hai-phong, hai-phong-2\)"):
        recipients.for_plan("p", UNITS, bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("p: [a]\n", "key 'p': Input should be a valid dictionary"),
        ("q: {}\n", "no entry for plan 'p' (plans in the file: q)"),
        ("p: {federation: {to: [a@b]}}\n", "key 'p.federation.to[0]': 'a@b' is not a valid"),
        ("p:\n  units: {ha-noi: {to: [x@example.org]}\n", "YAML error"),
    ],
)
def test_bad_files_name_the_entry(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        recipients.for_plan("p", UNITS, write(tmp_path, text))
    assert expected in str(err.value) and str(tmp_path) in str(err.value)


def test_no_recipients_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="copy recipients.example.yaml to"):
        recipients.load_file(tmp_path / "none.yaml")


def test_the_example_covers_every_shipped_plan() -> None:
    example = recipients.load_file(paths.PACKAGE_ROOT / "config" / "recipients.example.yaml")
    plans = sorted(p.stem for p in (paths.PACKAGE_ROOT / "config" / "plans").glob("*.yaml"))
    assert sorted(example.plans) == plans
    assert len(example.plans["tld-2021-2023"].units) == 57
    assert len(example.plans["bac-giang-2023-2028"].units) == 17
    every = [a for p in example.plans.values() for u in p.units.values() for a in u.all]
    every += [a for p in example.plans.values() if p.federation for a in p.federation.all]
    assert all(a.endswith(".example.org") for a in every)
