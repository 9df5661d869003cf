# ruff: noqa: F401
"""Reading the Excel ledgers townships keep, messy as they are. Two layers, both free of the database:

- file.py, the file: checked within its limits from its zip directory, its header found, its data rows read
  into a Sheet (the planners' input) without blank, total and example rows; run on an upload only in the
  reader process (ledgers/reader.py);
- values.py, the values: amounts, areas, dates, periods, ID numbers, 是/否, coded names and lists, as the
  field writes them; a value that cannot be read raises CellError with the reason in Chinese.

Everything is importable from here, as `ledgers.reading`.
"""
from .file import (
    BOMB_ADVICE,
    EXAMPLE_TYPED_OVER,
    UNCOMPUTED,
    BadFile,
    Sheet,
    _blank,
    _find_and_read,
    _is_column_numbers,
    _is_example,
    _is_total,
    _ole_message,
    _Parser,
    _Rows,
    check_file,
    header_units,
    match_headers,
    read_sheet,
    typed_over,
)
from .values import *  # noqa: F403
from .values import _LIST_SEPARATORS, _quoted  # noqa: F401
