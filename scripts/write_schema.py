"""Write the JSON Schema of ArticleSummary to the file `summarizer schema` prints.

    python scripts/write_schema.py

Run it after changing a model in `summarizer/schemas.py`; `tests/test_cli.py` fails until
the shipped file matches the models again.
"""

from __future__ import annotations

from summarizer.cli.summarize import SHIPPED_SCHEMA
from summarizer.schemas import render_json_schema


def main() -> None:
    SHIPPED_SCHEMA.write_text(render_json_schema(), encoding="utf-8")
    print(f"wrote {SHIPPED_SCHEMA.name}")


if __name__ == "__main__":
    main()
