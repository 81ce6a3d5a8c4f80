"""Plan cards: the shipped ones load, and every mistake is explained by file and key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ptdv.base import paths
from ptdv.base.errors import ConfigError
from ptdv.plan.config import PlanCard, available_plans, load_card, parse_card

SHIPPED = ["bac-giang-2023-2028", "nam-dinh-2023-2028", "nghe-an-2021-2023", "tld-2021-2023"]
TLD_TEXT = (paths.PACKAGE_ROOT / "config" / "plans" / "tld-2021-2023.yaml").read_text(
    encoding="utf-8"
)


def edited(old: str, new: str, text: str = TLD_TEXT) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def error_of(text: str, origin: str = "the-card.yaml") -> str:
    with pytest.raises(ConfigError) as err:
        parse_card(text, origin)
    return str(err.value)


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PTDV_ROOT", raising=False)


def test_available_plans() -> None:
    assert available_plans() == SHIPPED


@pytest.mark.parametrize("plan_id", SHIPPED)
def test_every_shipped_card_loads(plan_id: str) -> None:
    card = load_card(plan_id)
    assert isinstance(card, PlanCard)
    assert card.plan_id == plan_id
    assert card.card_path == paths.PACKAGE_ROOT / "config" / "plans" / f"{plan_id}.yaml"
    assert card.term.start < card.term.end
    assert card.declared_totals
    for source in card.sources:
        assert card.raw_path(source.file).is_file()
        for copy in source.copies:
            assert card.raw_path(copy).is_file()


def test_shipped_cards_content() -> None:
    tld = load_card("tld-2021-2023")
    assert (tld.level, tld.members_target, tld.half_years) == ("national", "net", "calendar")
    assert tld.document.date == dt.date(2021, 9, 24)
    assert [(d.metric, d.period, d.value) for d in tld.declared_totals] == [
        ("members_net", "term", 1_600_000)
    ]
    src = tld.sources[0]
    assert [c.ref for c in src.columns] == [
        "members_total@2020-H2",
        "nonmember_workers@2021-H1",
        "members_net@2021-H1",
        "members_net@2021-H2",
        "members_net@term",
    ]
    assert src.columns[3].rule is not None and src.columns[3].rule.refs() == [
        "nonmember_workers@2021-H1"
    ]
    bg = load_card("bac-giang-2023-2028")
    assert bg.members_target == "admitted" and bg.half_years == "statistical"
    assert bg.document.date == "2023-08"  # the day is blank in the original
    # YAML reads an unquoted year as a number; "2024" stays a period id either way
    assert [c.period for c in bg.sources[0].columns[:2]] == ["2024", "2024"]
    assert bg.sources[0].columns[0].header_path == ["Năm 2024", "CĐCS"]
    assert load_card("nam-dinh-2023-2028").sources == []


def test_cards_are_frozen() -> None:
    card = load_card("tld-2021-2023")
    with pytest.raises(ValueError):
        card.plan_id = "other"  # type: ignore[misc]
    changed = card.model_copy(update={"demo": True})
    assert changed.demo and not card.demo


def test_unquoted_year_period_is_read_as_text() -> None:
    card = parse_card(edited("period: 2020-H2", "period: 2021"), "x.yaml")
    assert card.sources[0].columns[0].period == "2021"


# --- errors -------------------------------------------------------------------------------


def test_yaml_syntax_error_names_file_and_line() -> None:
    text = edited("issuer_short: TLĐ", "issuer_short: TLĐ: tổng liên đoàn")
    line = text.splitlines().index("issuer_short: TLĐ: tổng liên đoàn") + 1
    msg = error_of(text, "config/plans/tld-2021-2023.yaml")
    assert msg.startswith(f"config/plans/tld-2021-2023.yaml: line {line}, column")
    assert "YAML error" in msg


def test_yaml_error_through_load_card(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plans = tmp_path / "config" / "plans"
    plans.mkdir(parents=True)
    (plans / "hong.yaml").write_text("plan_id: hong\ntitle: a: b\nlevel: x\n", encoding="utf-8")
    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))
    with pytest.raises(ConfigError) as err:
        load_card("hong")
    msg = str(err.value)
    assert str(plans / "hong.yaml") in msg
    where = plans / "hong.yaml"
    assert msg == f"{where}: line 2, column 9: YAML error: mapping values are not allowed here"


def test_unknown_key_is_named_by_its_path() -> None:
    msg = error_of(edited("    sheet: Phụ lục", "    sheeet: Phụ lục"))
    assert msg == "the-card.yaml: unknown key 'sources[0].sheeet' (did you mean 'sheet'?)"


def test_unknown_top_level_key() -> None:
    msg = error_of(TLD_TEXT + "colour: red\n")
    assert "unknown key 'colour'" in msg


@pytest.mark.parametrize(
    ("old", "new", "key", "detail"),
    [
        ("demo: false", "demo: maybe", "demo", "boolean"),
        ("kind: actual", "kind: actul", "sources[0].columns[2].kind", "'actul'"),
        ("period: 2020-H2", "period: 2021-H3", "sources[0].columns[0].period", "not a period"),
        (
            "period: term\n    value: 1600000",
            "period: 2021-H3\n    value: 1600000",
            "declared_totals[0].period",
            "2021-H3",
        ),
        ("metric: members_total", "metric: members_totl", "sources[0].columns[0].metric", "known:"),
        ("level: national", "level: world", "level", "'world'"),
        ("half_years: calendar", "half_years: lunar", "half_years", "'lunar'"),
        ("date: 2021-09-24", "date: 24/9/2021", "document.date", "YYYY-MM-DD"),
        ("end: 2023-12-31", "end: 2020-12-31", "term", "must come after"),
        ("value: 1600000", "value: nhiều", "declared_totals[0].value", "'nhiều'"),
        ("plan_id: tld-2021-2023", "plan_id: TLD 2021", "plan_id", "pattern"),
        ("          share: 0.2\n", "", "sources[0].columns[3].rule", "exactly one of"),
    ],
)
def test_wrong_value_names_the_key(old: str, new: str, key: str, detail: str) -> None:
    msg = error_of(edited(old, new))
    assert msg.startswith("the-card.yaml: ")
    assert f"key '{key}'" in msg
    assert detail in msg


def test_missing_key() -> None:
    msg = error_of(edited("issuer_short: TLĐ\n", ""))
    assert msg == "the-card.yaml: missing key 'issuer_short'"


def test_rule_referencing_an_unknown_column() -> None:
    msg = error_of(edited("of: nonmember_workers@2021-H1", "of: nonmember_workers@2021-H2"))
    assert "key 'sources[0]'" in msg
    assert "refers to 'nonmember_workers@2021-H2'" in msg
    assert "known: members_total@2020-H2, nonmember_workers@2021-H1" in msg


def test_two_columns_with_the_same_ref() -> None:
    msg = error_of(
        edited("period: 2020-H2", "period: 2021-H1").replace(
            "metric: members_total", "metric: nonmember_workers"
        )
    )
    assert msg == (
        "the-card.yaml: key 'sources[0]': columns 'Số đoàn viên đến tháng 12/2020' and "
        "'Số CNLĐ chưa là ĐV đến tháng 6/2021' both give the name 'nonmember_workers@2021-H1': "
        "give one of them another kind, metric or period, or keep it as kind 'info' with a name"
    )


def test_top_level_must_be_a_mapping() -> None:
    assert error_of("- a\n- b\n") == "the-card.yaml: expected a mapping of keys at the top level"


def test_unknown_plan_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as err:
        load_card("nope")
    msg = str(err.value)
    assert "unknown plan 'nope'" in msg
    assert "known plans: " + ", ".join(SHIPPED) in msg


def test_a_root_with_no_plan_cards_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTDV_ROOT set to a folder that is not a ptdv project (a typo, a wrong folder)
    monkeypatch.setenv("PTDV_ROOT", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError) as err:
        load_card("tld-2021-2023")
    assert str(err.value) == (
        f"unknown plan 'tld-2021-2023': {tmp_path / 'nowhere'} (PTDV_ROOT={tmp_path / 'nowhere'})"
        " has no config/plans folder of plan cards: is it the project's folder?"
    )


def test_plan_id_must_match_the_file_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plans = tmp_path / "config" / "plans"
    plans.mkdir(parents=True)
    (plans / "ban-sao.yaml").write_text(TLD_TEXT, encoding="utf-8")
    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))
    assert available_plans() == ["ban-sao"]
    with pytest.raises(ConfigError) as err:
        load_card("ban-sao")
    assert "key 'plan_id' is 'tld-2021-2023'" in str(err.value)
    assert "ban-sao" in str(err.value)
