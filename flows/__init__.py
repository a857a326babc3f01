"""Prefect orchestration: thin flows over the plain functions the CLI uses.

Flows (entrypoints in prefect.yaml): `nightly.nightly`, `process_document.process_document`,
`reprocess.reprocess`, `backfill.backfill`. `embedded.run_once` runs the nightly flow once
without a server (`gongkai run`). Only this package imports Prefect, and only in the modules
that define tasks and flows: `settings`, `steps`, `locks`, `summary` (but `publish`) and
`embedded` (until it runs) import without it.
"""
