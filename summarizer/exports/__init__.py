"""Exports: results JSONL -> ACLED / Kiel / SIPRI / flat CSV rows (`summarizer export`).

This package owns the mapping from the public records (`schemas`) onto the field's coding
schemes, as documented column by column in `docs/exports.md`:

- `Event` -> ACLED event rows (event_type / sub_event_type from `kind`, time_precision from
  `date.precision`, fatalities from `killed`),
- `AidFigure` -> Kiel Ukraine Support Tracker rows (measure Commitment / Allocation from
  `stage`),
- `WeaponsTransfer` -> SIPRI trade-register rows (numbers ordered / delivered by `status`),
- every record -> one flat row (`csv`).

One module each: `cells` (what every format shares), `acled`, `kiel`, `sipri`, `flat`, and
`csv_io` (the format table, reading results, writing CSV).

Rows are plain `dict[str, str]`; `write_csv` writes them with every cell defused against
formula injection. Reading a results file is streaming: error lines (`{"id", "source",
"error", "kind"}`) are skipped and counted, as are lines that are not valid results.
"""

from __future__ import annotations

from summarizer.exports.acled import (
    ACLED_COLUMNS,
    ACLED_EVENT_TYPES,
    acled_date,
    acled_fatalities,
    acled_rows,
)
from summarizer.exports.cells import ExportFormat, Row, defuse_cell, format_number, record_id
from summarizer.exports.csv_io import (
    FORMATS,
    ExportReport,
    Format,
    export_file,
    export_lines,
    store_lines,
    summaries_to_csv,
    write_csv,
)
from summarizer.exports.flat import FLAT_COLUMNS, flat_rows
from summarizer.exports.kiel import KIEL_COLUMNS, KIEL_MEASURES, kiel_rows
from summarizer.exports.sipri import SIPRI_COLUMNS, sipri_numbers, sipri_rows, sipri_years

__all__ = [
    "ACLED_COLUMNS",
    "ACLED_EVENT_TYPES",
    "FLAT_COLUMNS",
    "FORMATS",
    "KIEL_COLUMNS",
    "KIEL_MEASURES",
    "SIPRI_COLUMNS",
    "ExportFormat",
    "ExportReport",
    "Format",
    "Row",
    "acled_date",
    "acled_fatalities",
    "acled_rows",
    "defuse_cell",
    "export_file",
    "export_lines",
    "flat_rows",
    "format_number",
    "kiel_rows",
    "record_id",
    "sipri_numbers",
    "sipri_rows",
    "sipri_years",
    "store_lines",
    "summaries_to_csv",
    "write_csv",
]
