"""ptdv: clean allocation tables, compute progress against targets, and report it."""

from __future__ import annotations

__version__ = "0.1.0"
