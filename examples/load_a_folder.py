"""Load a folder of reports into a warehouse, through the one processing path.

`gongkai.process.process_file` is what `gongkai load`, `gongkai crawl --load` and the Prefect
flows all call for one document: register it → extract → normalize → validate → load, or
record why it failed. This example loads the sample inbox (`examples/inbox`: PDFs, Word
files, HTML pages, text dumps) into a throwaway SQLite warehouse made by the Alembic
migrations, prints what happened to each file, then loads the folder again to show that
loading is idempotent: the same bytes are recognised and nothing is written twice.

The same from a shell:

    gongkai load examples/inbox --database-url sqlite:////tmp/warehouse.sqlite

Run it:

    .venv/bin/python examples/load_a_folder.py
"""
from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path

INBOX = Path(__file__).resolve().parent / "inbox"


def load_folder(folder: Path, database_url: str) -> list:
    """Every report under `folder` (a file, or a sub-folder of files read as one report)
    through `process_file`; returns the outcomes."""
    from gongkai.pipeline import report_paths
    from gongkai.process import process_file
    from storage import get_engine, upgrade

    engine = get_engine(database_url)
    upgrade(engine)  # the migrations make the schema and the BI views
    try:
        return [process_file(engine, files[0], members=files if len(files) > 1 else None)
                for files in report_paths([folder])]
    finally:
        engine.dispose()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GONGKAI_DATA_DIR"] = tmp  # keep the raw store and caches out of ./data
        url = f"sqlite:///{Path(tmp) / 'warehouse.sqlite'}"

        first = load_folder(INBOX, url)
        for o in first:
            print(f"{Path(o.path).name:14} {o.status:9} {o.agency or '':24} {o.year or '':6} "
                  f"{', '.join(o.findings) or o.error or ''}")
        again = load_folder(INBOX, url)
        print("first load:", dict(Counter(o.status for o in first)))
        print("second load:", dict(Counter(o.status for o in again)))

        files = sorted(p for p in INBOX.iterdir() if p.is_file())
        assert len(first) == len(files)
        assert all(o.status == "loaded" for o in first), [(o.path, o.status, o.error) for o in first]
        assert all(o.status == "unchanged" for o in again)
        assert len({o.report_id for o in first}) == len(files)  # one report per file
        r001 = next(o for o in first if o.path.endswith("r001.pdf"))
        assert (r001.agency, r001.year) == ("洪泽区人民政府", 2023)
