"""The shape of an exported table: its columns (a header, a kind saying how a value is typed and
formatted, a width) and its rows."""

from collections.abc import Iterable
from dataclasses import dataclass

# Column kinds: how a value is typed and formatted.
TEXT = "text"
LONG_TEXT = "long_text"
INT = "int"
KRONOR = "kronor"
DATE = "date"
DATETIME = "datetime"
BOOL = "bool"

WIDTHS = {TEXT: 18, LONG_TEXT: 50, INT: 10, KRONOR: 16, DATE: 12, DATETIME: 17, BOOL: 14}


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: float | None = None

    @property
    def display_width(self) -> float:
        return self.width or WIDTHS[self.kind]


@dataclass
class Table:
    """A tidy table: a slug (for ``?tabell=`` and the CSV file name), a title, its columns, and
    its rows (lists of values in column order, produced lazily)."""

    slug: str
    title: str
    columns: list[Column]
    rows: Iterable[list]
