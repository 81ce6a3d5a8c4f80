"""Who receives the reports: config/recipients.yaml, validated strictly before anything is sent.

The file maps each plan id to its federation's list (the leaders) and each unit's addresses:

    bac-giang-2023-2028:
      federation: {to: [thuong-truc@ldld.example.org], cc: [ban-to-chuc@ldld.example.org]}
      units:
        yen-dung: {to: [ldld.yendung@example.org]}      # a unit id, or its name
        CĐN Y tế: {to: [cdn.yte@example.org], cc: [...]}

The real file is git-ignored; `config/recipients.example.yaml` (addresses under example.org)
shows the shape for every shipped plan. Errors name the file, the key path and the line.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import pandas as pd
import yaml
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, field_validator

from ptdv.base import paths
from ptdv.base.errors import ConfigError
from ptdv.plan.config import describe_validation_error, describe_yaml_error
from ptdv.tables.units import UnitIndex, split_ambiguous, unit_key


def default_path() -> Path:
    """Return config/recipients.yaml (the real, git-ignored list)."""
    return paths.config_dir() / "recipients.yaml"


def example_path() -> Path:
    """Return config/recipients.example.yaml (committed; example.org addresses)."""
    return paths.config_dir() / "recipients.example.yaml"


def check_address(address: object) -> str:
    """Return an e-mail address in normal form, or raise ValueError saying what is wrong."""
    if not isinstance(address, str):
        raise ValueError(f"expected an e-mail address, got {address!r}")
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as err:
        raise ValueError(f"{address!r} is not a valid e-mail address: {err}") from None


Address = Annotated[str, BeforeValidator(check_address)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Addressees(_Strict):
    """The addresses of one message: to and cc."""

    to: list[Address] = []
    cc: list[Address] = []

    @field_validator("to", "cc", mode="before")
    @classmethod
    def _listed(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @property
    def all(self) -> list[str]:
        """Return every address, to first."""
        return [*self.to, *self.cc]


class PlanRecipients(_Strict):
    """The recipients of one plan's reports."""

    federation: Addressees | None = None
    units: dict[str, Addressees] = {}


class RecipientsFile(_Strict):
    """The whole file: plan id -> recipients."""

    plans: dict[str, PlanRecipients]


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (PyYAML keeps the last)."""


def _mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[object, int] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"key {key!r} is given twice (first on line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _load_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the recipients file: {err.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the recipients file as UTF-8") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: {describe_yaml_error(err)}") from None


def load_file(path: str | Path | None = None) -> RecipientsFile:
    """Return the validated recipients file (default config/recipients.yaml)."""
    path = Path(path) if path else default_path()
    if not path.is_file():
        raise ConfigError(
            f"no recipients file {path}: copy {example_path().name} to {default_path()} and "
            "put the real addresses in it (it is git-ignored), or give --recipients FILE"
        )
    data = _load_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected plan ids as keys at the top level")
    try:
        return RecipientsFile.model_validate({"plans": data})
    except ValidationError as err:
        text = describe_validation_error(err, RecipientsFile).replace("plans.", "")
        raise ConfigError(f"{path}: {text}") from None


@dataclass(frozen=True)
class Resolved:
    """A plan's recipients with every unit key resolved to a unit id."""

    path: Path
    federation: Addressees | None
    units: dict[str, Addressees]  # unit id -> addresses

    def need_federation(self) -> Addressees:
        """Return the federation's addresses, or raise ConfigError when it has none."""
        if self.federation is None or not self.federation.to:
            raise ConfigError(f"{self.path}: the federation has no 'to' address for this plan")
        return self.federation

    def need_units(self, unit_ids: list[str], names: dict[str, str]) -> dict[str, Addressees]:
        """Return the addresses of these units, or raise ConfigError naming those without."""
        lacking = [u for u in unit_ids if u not in self.units or not self.units[u].to]
        if lacking:
            shown = ", ".join(f"{names.get(u, u)} ({u})" for u in lacking)
            raise ConfigError(
                f"{self.path}: {len(lacking)} unit(s) have no 'to' address: {shown}; add them "
                "under 'units:' or leave them out with --units"
            )
        return {u: self.units[u] for u in unit_ids}


def for_plan(plan_id: str, units: pd.DataFrame, path: str | Path | None = None) -> Resolved:
    """Return one plan's recipients, each unit key matched to the plan's unit table.

    Refused (ConfigError, one line): a plan missing from the file, an unknown unit (with the
    closest known name), a unit given twice (by id and by name), an address given twice in
    one message.
    """
    path = Path(path) if path else default_path()
    whole = load_file(path)
    if plan_id not in whole.plans:
        known = ", ".join(whole.plans) or "none"
        raise ConfigError(f"{path}: no entry for plan {plan_id!r} (plans in the file: {known})")
    entry = whole.plans[plan_id]
    ids = list(units["unit_id"])
    unique, ambiguous = split_ambiguous(zip(units["unit_id"], units["unit_name"], strict=True))
    index = UnitIndex(unique)
    resolved: dict[str, Addressees] = {}
    given_as: dict[str, str] = {}
    for key, addressees in entry.units.items():
        unit_id = key if key in ids else index.match(key)
        if unit_id is None and unit_key(key) in ambiguous:
            raise ConfigError(
                f"{path}: {plan_id}.units: the name {key!r} is written twice in the allocation "
                f"table; name the unit by its id ({', '.join(ambiguous[unit_key(key)])})"
            )
        if unit_id is None:
            close = index.suggest(key)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            close_ids = difflib.get_close_matches(key, ids, n=1, cutoff=0.7)
            if close_ids:  # a unit id with a typo: suggest the id, and say whose it is
                names = dict(zip(units["unit_id"], units["unit_name"], strict=True))
                hint = f"; did you mean {close_ids[0]!r} ({names[close_ids[0]]})?"
            raise ConfigError(
                f"{path}: {plan_id}.units: unknown unit {key!r}{hint} (give a unit id or its "
                "name as in the allocation table)"
            )
        if unit_id in resolved:
            raise ConfigError(
                f"{path}: {plan_id}.units: unit {unit_id!r} is given twice "
                f"(as {given_as[unit_id]!r} and as {key!r})"
            )
        resolved[unit_id] = addressees
        given_as[unit_id] = key
    for where, addressees in [("federation", entry.federation)] + [
        (f"units.{given_as[u]}", a) for u, a in resolved.items()
    ]:
        if addressees is None:
            continue
        seen = addressees.all
        dup = sorted({a for a in seen if seen.count(a) > 1})
        if dup:
            raise ConfigError(f"{path}: {plan_id}.{where}: address given twice: {', '.join(dup)}")
    return Resolved(path, entry.federation, resolved)


def precheck(plan_id: str, path: str | Path | None = None) -> None:
    """Check the recipients file before any work: its YAML, every address, the plan's entry.

    Unit keys are matched too when the plan has been cleaned already (its units table is in
    data/processed/); `for_plan` matches them again on the table the messages are built from.
    Raises ConfigError (one line) as `for_plan` does. `ptdv send` and `ptdv run --send`
    call it first, so a bad file stops them before anything is cleaned or rendered.
    """
    try:
        table = pd.read_parquet(
            paths.processed_dir(plan_id) / "units.parquet", columns=["unit_id", "unit_name"]
        )
    except (OSError, ValueError):  # not cleaned yet, or damaged (cleaned again before use)
        table = None
    if table is not None:
        for_plan(plan_id, table, path)
        return
    path = Path(path) if path else default_path()
    whole = load_file(path)
    if plan_id not in whole.plans:
        known = ", ".join(whole.plans) or "none"
        raise ConfigError(f"{path}: no entry for plan {plan_id!r} (plans in the file: {known})")
