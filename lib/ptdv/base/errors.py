"""Exceptions raised by ptdv: one root, a few kinds the CLI turns into one-line messages."""

from __future__ import annotations


class PtdvError(Exception):
    """Root of every error ptdv raises on purpose."""

    exit_code = 1


class DataError(PtdvError):
    """A source table cannot be read or cleaned: names file, sheet, row and column."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | str | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        self.detail = message
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.detail}" if where else self.detail


class ConfigError(PtdvError):
    """A plan card or a parameter is wrong: names the file and the key."""

    exit_code = 2


class RenderError(PtdvError):
    """A notebook or report could not be produced."""


class SendError(PtdvError):
    """A message could not be sent."""
