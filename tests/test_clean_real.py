"""Cleaning the shipped plans: figures, provenance, quality log, copies and written outputs."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from ptdv.plan.config import PlanCard, load_card
from ptdv.tables.clean import PROVENANCE, CleanResult, clean_plan, write_outputs

TLD = "tld-2021-2023"
BG = "bac-giang-2023-2028"
TLD_XLSX = "bang-giao-chi-tieu-135-KH-TLD.xlsx"
TLD_TXT = "bang-giao-chi-tieu-135-KH-TLD.txt"
BG_XLSX = "chi-tieu-giao-2023-2028.xlsx"
BG_TXT = "chi-tieu-giao-2023-2028.txt"
UNIT_PROVENANCE = ["source_file", "sheet", "row"]
QUALITY_COLUMNS = ["severity", "check", "source", "row", "unit", "message"]
#: the findings' machine form, after the six columns a reader sees
QUALITY_COLUMNS += ["file", "sheet", "column", "template", "params"]


def _clean_repo(plan_id: str, *, forms: bool = True) -> CleanResult:
    """Clean a shipped plan from the repository itself (PTDV_ROOT unset).

    With forms=False the units' report forms are left out: only the allocation table.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PTDV_ROOT", raising=False)
        card = load_card(plan_id)
        if not forms:
            no_forms = card.actuals.model_copy(update={"folder": "no-such-folder"})
            card = card.model_copy(update={"actuals": no_forms})
        return clean_plan(card)


@pytest.fixture(scope="module")
def tld() -> CleanResult:
    return _clean_repo(TLD)


@pytest.fixture(scope="module")
def bg() -> CleanResult:
    """The Bắc Giang allocation table alone (its demo forms are tested elsewhere)."""
    return _clean_repo(BG, forms=False)


def figures(result: CleanResult) -> pd.DataFrame:
    return pd.concat([result.targets, result.actuals], ignore_index=True)


def unit_sum(result: CleanResult, kind: str, metric: str, period: str) -> float:
    f = figures(result)
    part = f[
        (f["level"] == "unit")
        & (f["kind"] == kind)
        & (f["metric"] == metric)
        & (f["period"] == period)
    ]
    return float(part["value"].sum())


def one(result: CleanResult, unit_id: str, kind: str, metric: str, period: str) -> pd.Series:
    f = figures(result)
    part = f[
        (f["unit_id"] == unit_id)
        & (f["kind"] == kind)
        & (f["metric"] == metric)
        & (f["period"] == period)
    ]
    assert len(part) == 1, part
    return part.iloc[0]


def findings(result: CleanResult, check: str, severity: str | None = None) -> pd.DataFrame:
    q = result.quality
    q = q[q["check"] == check]
    if severity:
        q = q[q["severity"] == severity]
    return q


# --- TLĐ 2021-2023 ------------------------------------------------------------------------


def test_tld_has_57_units_in_table_order(tld: CleanResult) -> None:
    assert len(tld.units) == 57
    assert tld.units["order"].tolist() == list(range(1, 58))
    assert tld.units["tt"].tolist() == list(range(1, 58))
    assert tld.units["unit_id"].iloc[0] == "an-giang"
    assert tld.units["unit_id"].iloc[-1] == "thua-thien-hue"


@pytest.mark.parametrize(
    ("kind", "metric", "period", "total"),
    [
        ("baseline", "members_total", "2020-H2", 8_716_090),
        ("baseline", "nonmember_workers", "2021-H1", 1_010_784),
        ("actual", "members_net", "2021-H1", 146_630),
        ("target", "members_net", "2021-H2", 202_901),
        ("target", "members_net", "term", 1_487_307),
    ],
)
def test_tld_unit_level_sums(
    tld: CleanResult, kind: str, metric: str, period: str, total: int
) -> None:
    assert unit_sum(tld, kind, metric, period) == total


def test_tld_frames_split_by_kind(tld: CleanResult) -> None:
    assert set(tld.targets["kind"]) == {"target"}
    assert set(tld.actuals["kind"]) == {"actual", "baseline"}
    # 57 units x 2 target columns + the declared national total
    assert len(tld.targets) == 57 * 2 + 1
    assert len(tld.actuals) == 57 * 3
    assert tld.targets["value"].notna().all()
    assert tld.actuals["value"].notna().all()


@pytest.mark.parametrize(
    ("unit_id", "kind", "metric", "period", "value"),
    [
        ("an-giang", "target", "members_net", "term", 11_300),
        ("an-giang", "actual", "members_net", "2021-H1", 1_258),
        ("an-giang", "baseline", "members_total", "2020-H2", 98_149),
        ("bac-kan", "actual", "members_net", "2021-H1", -65),
        ("ben-tre", "actual", "members_net", "2021-H1", -1_689),
        ("binh-phuoc", "actual", "members_net", "2021-H1", 5_810),
        ("binh-phuoc", "target", "members_net", "term", 32_300),
        ("ho-chi-minh", "baseline", "members_total", "2020-H2", 1_351_487),
        ("hai-phong", "target", "members_net", "2021-H2", 12_884),
        ("hai-phong-2", "target", "members_net", "term", 66_900),
        ("thua-thien-hue", "actual", "members_net", "2021-H1", -1_036),
    ],
)
def test_tld_spot_values(
    tld: CleanResult, unit_id: str, kind: str, metric: str, period: str, value: int
) -> None:
    assert one(tld, unit_id, kind, metric, period)["value"] == value


def test_tld_every_figure_has_provenance(tld: CleanResult) -> None:
    f = figures(tld)
    unit = f[f["level"] == "unit"]
    assert len(unit) == 57 * 5
    assert (unit["source_file"] == TLD_XLSX).all()
    assert (unit["sheet"] == "Phụ lục").all()
    assert unit["row"].notna().all()
    assert unit["column"].isin(list("CDEFG")).all()
    an_giang = one(tld, "an-giang", "target", "members_net", "term")
    assert (an_giang["source_file"], an_giang["sheet"], an_giang["row"]) == (
        TLD_XLSX,
        "Phụ lục",
        10,
    )
    assert an_giang["column"] == "G"
    # the second Hải Phòng sits below the repeated header (Excel rows 36-37)
    assert one(tld, "hai-phong-2", "actual", "members_net", "2021-H1")["row"] == 38
    assert one(tld, "thua-thien-hue", "target", "members_net", "term")["row"] == 68
    units = tld.units.set_index("unit_id")
    assert units.loc["an-giang", "row"] == 10
    assert units.loc["an-giang", "sheet"] == "Phụ lục"
    assert units.loc["an-giang", "group"] == "LĐLĐ TỈNH, THÀNH PHỐ TRỰC THUỘC TLĐ"


def test_tld_duplicate_hai_phong_is_an_error_not_a_merge(tld: CleanResult) -> None:
    dup = findings(tld, "duplicate_unit")
    assert len(dup) == 1
    d = dup.iloc[0]
    assert d["severity"] == "error"
    assert d["unit"] == "Hải Phòng"
    assert "TT 26" in d["message"] and "TT 27" in d["message"]
    assert d["row"] == 38
    ids = tld.units["unit_id"].tolist()
    assert ids.count("hai-phong") == 1 and ids.count("hai-phong-2") == 1
    names = tld.units.set_index("unit_id")["unit_name"]
    assert names["hai-phong"] == names["hai-phong-2"] == "Hải Phòng"
    # both keep their own figures
    assert one(tld, "hai-phong", "target", "members_net", "term")["value"] == 32_700
    assert one(tld, "hai-phong-2", "target", "members_net", "term")["value"] == 66_900


def test_tld_only_row_26_breaks_the_20_percent_rule(tld: CleanResult) -> None:
    rule = findings(tld, "derived_rule")
    warnings = rule[rule["severity"] == "warning"]
    assert len(warnings) == 1, warnings["message"].tolist()
    w = warnings.iloc[0]
    assert w["unit"] == "Hải Phòng"
    assert w["row"] == 35
    assert "12,884" in w["message"] and "12,140" in w["message"]
    # no "holds on all rows" info either, since one row failed
    assert rule["severity"].eq("warning").all()
    # a rounded value passes: 8,759 * 0.2 = 1,751.8 printed 1,752 (Bà Rịa-Vũng Tàu)
    assert one(tld, "ba-ria-vung-tau", "target", "members_net", "2021-H2")["value"] == 1_752
    assert one(tld, "ba-ria-vung-tau", "baseline", "nonmember_workers", "2021-H1")["value"] == (
        8_759
    )


def test_tld_declared_total_is_short(tld: CleanResult) -> None:
    dt = findings(tld, "declared_total")
    assert len(dt) == 1
    d = dt.iloc[0]
    assert d["severity"] == "warning"
    assert "1,487,307" in d["message"] and "1,600,000" in d["message"]
    assert "112,693" in d["message"]
    plan = tld.targets[tld.targets["level"] == "plan"]
    assert len(plan) == 1
    assert plan.iloc[0]["value"] == 1_600_000
    assert plan.iloc[0]["unit_id"] == TLD


def test_tld_text_copy_agrees(tld: CleanResult) -> None:
    agree = findings(tld, "copy_agrees")
    assert len(agree) == 1
    assert agree.iloc[0]["severity"] == "info"
    assert agree.iloc[0]["source"] == TLD_TXT
    assert "57 units" in agree.iloc[0]["message"]
    assert findings(tld, "copy_differs").empty


def test_tld_quality_log_shape(tld: CleanResult) -> None:
    q = tld.quality
    assert list(q.columns) == QUALITY_COLUMNS
    counts = q["severity"].value_counts().to_dict()
    assert counts.get("error") == 1
    assert counts.get("warning") == 2
    # errors first, then warnings, then infos
    order = q["severity"].map({"error": 0, "warning": 1, "info": 2})
    assert order.is_monotonic_increasing
    # the repeated header (spelled CNLD) is skipped and logged
    layout = findings(tld, "layout")
    assert any("repeated" in m and "CNLD" in m for m in layout["message"])
    assert findings(tld, "zero_target").empty
    assert findings(tld, "negative_value").empty


# --- Bắc Giang 2023-2028 ------------------------------------------------------------------


def test_bg_units_in_official_order(bg: CleanResult) -> None:
    assert len(bg.units) == 17
    assert bg.units["order"].tolist() == list(range(1, 18))
    first = bg.units.iloc[0]
    assert first["unit_name"] == "LĐLĐ thành phố Bắc Giang"
    assert first["unit_id"] == "bac-giang"
    second = bg.units.iloc[1]
    assert (second["unit_name"], second["unit_id"]) == ("LĐLĐ huyện Yên Dũng", "yen-dung")
    assert bg.units.iloc[-1]["unit_name"] == "Công đoàn Viên chức tỉnh"
    # the totals row is a check, not a unit
    assert not bg.units["unit_name"].str.casefold().str.startswith("tổng").any()


@pytest.mark.parametrize(
    ("period", "admitted", "founded"),
    [
        ("2024", 23_960, 54),
        ("2025", 24_010, 54),
        ("2026", 24_010, 54),
        ("2027", 24_010, 54),
        ("2028", 24_010, 54),
        ("term", 120_000, 270),
    ],
)
def test_bg_target_sums(bg: CleanResult, period: str, admitted: int, founded: int) -> None:
    assert unit_sum(bg, "target", "members_admitted", period) == admitted
    assert unit_sum(bg, "target", "unions_founded", period) == founded


def test_bg_spot_values(bg: CleanResult) -> None:
    assert one(bg, "cd-cac-kcn-tinh", "target", "members_admitted", "term")["value"] == 100_000
    assert one(bg, "yen-the", "target", "members_admitted", "2024")["value"] == 200
    assert one(bg, "yen-the", "target", "members_admitted", "2025")["value"] == 250
    kcn = one(bg, "cd-cac-kcn-tinh", "target", "members_admitted", "2024")
    assert (kcn["sheet"], kcn["row"], kcn["column"]) == ("Biểu chỉ tiêu", 17, "D")
    assert bg.actuals.empty


def test_bg_quality_log_has_no_error_or_warning(bg: CleanResult) -> None:
    q = bg.quality
    assert set(q["severity"]) == {"info"}, q[q["severity"] != "info"]["message"].tolist()
    totals = findings(bg, "totals_row")
    assert len(totals) == 1
    assert "agrees" in totals.iloc[0]["message"]
    assert totals.iloc[0]["row"] == 24
    rules = findings(bg, "derived_rule")
    assert len(rules) == 2 and rules["message"].str.contains("holds on all 18 rows").all()
    assert len(findings(bg, "copy_agrees")) == 1


def test_bg_zero_targets(bg: CleanResult) -> None:
    zero = findings(bg, "zero_target")
    assert len(zero) == 3
    assert set(zero["severity"]) == {"info"}
    assert zero["unit"].tolist() == ["CĐN Nông nghiệp", "CĐN Giáo dục", "Công đoàn Viên chức tỉnh"]
    assert zero["row"].tolist() == [21, 22, 23]


def test_bg_declared_totals_agree(bg: CleanResult) -> None:
    dt = findings(bg, "declared_total")
    assert len(dt) == 2
    assert set(dt["severity"]) == {"info"}
    text = " ".join(dt["message"])
    assert "120,000" in text and "270" in text
    plan = bg.targets[bg.targets["level"] == "plan"].set_index("metric")["value"]
    assert plan.to_dict() == {"members_admitted": 120_000, "unions_founded": 270}


# --- copies: .xlsx and .txt clean to the same figures ----------------------------------------


def _swap(card: PlanCard) -> PlanCard:
    src = card.sources[0]
    swapped = src.model_copy(update={"file": src.copies[0], "copies": [src.file]})
    return card.model_copy(update={"sources": [swapped]})


@pytest.mark.parametrize("plan_id", [TLD, BG])
def test_txt_source_cleans_like_xlsx(plan_id: str) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PTDV_ROOT", raising=False)
        card = load_card(plan_id)
        assert card.sources[0].file.endswith(".xlsx")
        from_xlsx = clean_plan(card)
        from_txt = clean_plan(_swap(card))
    assert set(from_txt.targets["source_file"].dropna()) >= {card.sources[0].copies[0]}
    for name in ("targets", "actuals"):
        a = getattr(from_xlsx, name).drop(columns=PROVENANCE)
        b = getattr(from_txt, name).drop(columns=PROVENANCE)
        assert_frame_equal(a, b)
    assert_frame_equal(
        from_xlsx.units.drop(columns=UNIT_PROVENANCE),
        from_txt.units.drop(columns=UNIT_PROVENANCE),
    )
    # and the .xlsx, now the copy, agrees with the .txt
    agree = findings(from_txt, "copy_agrees")
    assert agree["source"].str.startswith(card.sources[0].file).all() and len(agree) == 1
    assert (from_txt.targets.loc[from_txt.targets["level"] == "unit", "sheet"].isna()).all()


def _nfd_copy(text: str) -> str:
    """Return the table text with every unit name decomposed, padded and double-spaced."""
    out = []
    for line in text.splitlines():
        cells = line.split("\t")
        if cells and cells[0].strip().isdigit() and len(cells) > 1:
            name = unicodedata.normalize("NFD", cells[1]).replace(" ", "  ")
            cells[1] = f"  {name} "
        out.append("\t".join(cells))
    return "\n".join(out) + "\n"


def test_nfd_names_clean_to_the_same_units(tld: CleanResult, scratch_root: Path) -> None:
    raw = scratch_root / "data" / "raw" / TLD
    original = (raw / TLD_TXT).read_text(encoding="utf-8")
    messy = _nfd_copy(original)
    assert messy != original
    assert unicodedata.normalize("NFD", "Bắc Kạn").replace(" ", "  ") in messy
    (raw / "nfd.txt").write_text(messy, encoding="utf-8")

    card = load_card(TLD)
    src = card.sources[0].model_copy(update={"file": "nfd.txt", "copies": [TLD_XLSX]})
    result = clean_plan(card.model_copy(update={"sources": [src]}))

    assert result.units["unit_id"].tolist() == tld.units["unit_id"].tolist()
    assert result.units["unit_name"].tolist() == tld.units["unit_name"].tolist()
    assert_frame_equal(
        result.targets.drop(columns=PROVENANCE), tld.targets.drop(columns=PROVENANCE)
    )
    assert_frame_equal(
        result.actuals.drop(columns=PROVENANCE), tld.actuals.drop(columns=PROVENANCE)
    )
    cleaned = findings(result, "unit_name", "info")
    assert len(cleaned) == 57
    assert cleaned["message"].str.startswith("name cleaned").all()
    assert cleaned["message"].str.contains("extra spaces removed").all()
    # every name with a diacritic was decomposed (NFD) in the messy copy: all but four
    plain = ["An Giang", "Gia Lai", "Kon Tum", "Long An"]
    assert [n for n in tld.units["unit_name"] if unicodedata.normalize("NFD", n) == n] == plain
    nfd = cleaned["message"].str.contains("NFD")
    assert nfd.sum() == 53
    assert sorted(cleaned.loc[~nfd, "unit"]) == plain
    assert "An Giang" in cleaned["unit"].tolist()
    # the clean .xlsx still agrees with the messy text
    assert len(findings(result, "copy_agrees")) == 1
    dup = findings(result, "duplicate_unit")
    assert len(dup) == 1 and dup.iloc[0]["unit"] == "Hải Phòng"


def test_shipped_plans_log_no_unit_name_changes(tld: CleanResult, bg: CleanResult) -> None:
    assert findings(tld, "unit_name").empty
    assert findings(bg, "unit_name").empty


# --- plans without a unit table ------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan_id", "expected"),
    [
        (
            "nghe-an-2021-2023",
            {("members_net", "term"): 25_000, ("members_total", "2023-H2"): 175_000},
        ),
        ("nam-dinh-2023-2028", {("members_net", "term"): 50_000}),
    ],
)
def test_headline_only_plans(plan_id: str, expected: dict) -> None:
    result = _clean_repo(plan_id)
    assert result.units.empty
    assert result.actuals.empty
    assert (result.targets["level"] == "plan").all()
    got = {(r.metric, r.period): r.value for r in result.targets.itertuples()}
    assert got == expected
    assert set(result.quality["severity"]) == {"info"}
    assert len(findings(result, "no_table")) == 1
    assert len(findings(result, "declared_total")) == len(expected)


# --- writing the outputs -------------------------------------------------------------------


def _leftovers(dest: Path) -> list[str]:
    return sorted(
        p.name
        for p in dest.parent.iterdir()
        if p.name.startswith(f".{dest.name}.tmp-") or p.name.startswith(f".{dest.name}.old-")
    )


def test_write_outputs(scratch_root: Path, tmp_path: Path) -> None:
    card = load_card(TLD)
    result = clean_plan(card)
    dest = tmp_path / "out" / TLD
    assert write_outputs(result, dest) == dest
    names = sorted(p.name for p in dest.iterdir())
    assert names == [
        "actuals.parquet",
        "info.parquet",
        "inputs.json",
        "quality.csv",
        "targets.parquet",
        "units.parquet",
    ]
    targets = pd.read_parquet(dest / "targets.parquet")
    actuals = pd.read_parquet(dest / "actuals.parquet")
    units = pd.read_parquet(dest / "units.parquet")
    assert len(units) == 57
    t = targets[targets["level"] == "unit"]
    assert t.loc[t["period"] == "term", "value"].sum() == 1_487_307
    assert t.loc[t["period"] == "2021-H2", "value"].sum() == 202_901
    a = actuals.set_index(["metric", "period"])["value"]
    assert a.loc[("members_total", "2020-H2")].sum() == 8_716_090
    assert a.loc[("members_net", "2021-H1")].sum() == 146_630
    assert len(targets) == len(result.targets) and len(actuals) == len(result.actuals)
    # the long tables, read back, are the cleaned ones; their row groups' min and max are
    # kept for what queries filter on (metric, period, ...), not for the per-unit texts
    pd.testing.assert_frame_equal(actuals, result.actuals)
    for name in ("targets", "actuals"):
        group = pq.ParquetFile(dest / f"{name}.parquet").metadata.row_group(0)
        stats = {group.column(i).path_in_schema: group.column(i).is_stats_set
                 for i in range(group.num_columns)}  # fmt: skip
        assert stats == {c: c not in ("unit_id", "unit_name") for c in result.actuals.columns}

    with open(dest / "quality.csv", encoding="utf-8") as f:
        header = f.readline().strip()
    assert header == ",".join(QUALITY_COLUMNS)
    quality = pd.read_csv(dest / "quality.csv")
    assert len(quality) == len(result.quality)
    assert (quality["check"] == "duplicate_unit").sum() == 1

    manifest = json.loads((dest / "inputs.json").read_text(encoding="utf-8"))
    assert manifest["plan_id"] == TLD
    by_name = {Path(i["path"]).name: i for i in manifest["inputs"]}
    assert set(by_name) == {f"{TLD}.yaml", TLD_XLSX, TLD_TXT}
    for path in [card.card_path, *result.inputs]:
        entry = by_name[path.name]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["bytes"] == path.stat().st_size
    assert by_name[TLD_XLSX]["path"] == f"data/raw/{TLD}/{TLD_XLSX}"
    # what some unit has figures for: the first half-year's results and the membership base
    # at its start and end (what tells the run which half-years have figures)
    assert manifest["figures_given"] == [
        ["actual", "2021-H1"], ["baseline", "2020-H2"], ["baseline", "2021-H1"]
    ]  # fmt: skip
    assert _leftovers(dest) == []


def test_the_half_years_with_figures_are_read_from_the_manifest_as_from_the_actuals(
    scratch_root: Path,
) -> None:
    # a run asks after cleaning which half-years have figures; the manifest says it without
    # reading the actuals again, and a folder cleaned by an older ptdv (no such entry) is read
    from ptdv import pipeline
    from ptdv.base import paths
    from ptdv.plan.periods import Calendar

    card = load_card(BG)
    dest = write_outputs(clean_plan(card), paths.processed_dir(BG))
    cal = Calendar.from_card(card)
    halves = ["2024-H1", "2024-H2", "2025-H1", "2025-H2", "2026-H1"]
    assert pipeline._halves_with_figures(BG, cal) == halves
    manifest = json.loads((dest / "inputs.json").read_text("utf-8"))
    del manifest["figures_given"]
    (dest / "inputs.json").write_text(json.dumps(manifest), "utf-8")
    assert pipeline._halves_with_figures(BG, cal) == halves
    (dest / "inputs.json").unlink()
    assert pipeline._halves_with_figures(BG, cal) == halves


def test_write_outputs_replaces_cleanly(scratch_root: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out" / "plan"
    write_outputs(clean_plan(load_card(TLD)), dest)
    (dest / "stale.txt").write_text("from an older run", encoding="utf-8")
    write_outputs(clean_plan(load_card(BG)), dest)
    assert not (dest / "stale.txt").exists()
    units = pd.read_parquet(dest / "units.parquet")
    assert len(units) == 17
    assert json.loads((dest / "inputs.json").read_text(encoding="utf-8"))["plan_id"] == BG
    assert _leftovers(dest) == []
    assert sorted(p.name for p in dest.parent.iterdir()) == ["plan"]


def test_write_outputs_failure_keeps_previous(
    scratch_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "out" / "plan"
    write_outputs(clean_plan(load_card(BG)), dest)
    before = {p.name: p.read_bytes() for p in dest.iterdir()}
    result = clean_plan(load_card(TLD))

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(OSError, match="disk full"):
        write_outputs(result, dest)
    after = {p.name: p.read_bytes() for p in dest.iterdir()}
    assert after == before
    assert _leftovers(dest) == []
    assert sorted(p.name for p in dest.parent.iterdir()) == ["plan"]


def test_write_outputs_failure_on_first_write_leaves_nothing(
    scratch_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "out" / "plan"
    result = clean_plan(load_card(BG))

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(OSError):
        write_outputs(result, dest)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []
