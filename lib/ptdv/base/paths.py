"""Project folders, found from the package's own location (never the working directory)."""

from __future__ import annotations

import os
from pathlib import Path

#: The checkout holding this package: lib/ptdv/paths.py -> lib/ptdv -> lib -> root.
PACKAGE_ROOT = Path(__file__).resolve().parents[3]


def root() -> Path:
    """Return the project root (PTDV_ROOT if set, else the checkout holding this package)."""
    env = os.environ.get("PTDV_ROOT")
    return Path(env).resolve() if env else PACKAGE_ROOT


def config_dir() -> Path:
    """Return the folder of configuration files."""
    return root() / "config"


def plans_dir() -> Path:
    """Return the folder holding the plan cards (config/plans)."""
    return config_dir() / "plans"


def plan_card_path(plan_id: str) -> Path:
    """Return the path of a plan card."""
    return plans_dir() / f"{plan_id}.yaml"


def raw_dir(plan_id: str | None = None) -> Path:
    """Return data/raw, or the raw folder of one plan."""
    base = root() / "data" / "raw"
    return base / plan_id if plan_id else base


def processed_dir(plan_id: str | None = None) -> Path:
    """Return data/processed, or the processed folder of one plan."""
    base = root() / "data" / "processed"
    return base / plan_id if plan_id else base


def notebooks_dir() -> Path:
    """Return the folder of the pipeline notebooks."""
    return root() / "notebooks"


def reports_dir(plan_id: str | None = None) -> Path:
    """Return reports/, or the reports folder of one plan."""
    base = root() / "reports"
    return base / plan_id if plan_id else base
