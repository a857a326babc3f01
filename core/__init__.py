"""The floor of gongkai: what every stage shares, importing nothing else of the project.

* `document` — the intermediate document model every extractor returns;
* `record` — the canonical record (docs/canonical-record.md) and its findings;
* `errors` — error types that tell the operator what to do;
* `template` — both national templates as one data structure (cell codes, labels);
* `labels` — how printed labels are compared; `sections` — the six section headings;
* `values` — how a printed cell becomes a number (or null);
* `geometry` — positions, boxes and clustering shared by the layout readers;
* `hashing` — a file's identity (`sha256_file`).

Layers, bottom to top: core → stages (crawl, extractors, ocr, normalize, validate,
storage) → the application (`gongkai`: one processing path, the CLI) → `flows` (Prefect).
import-linter checks them (`.importlinter`).
"""

__version__ = "0.1.0"
