"""Prefect orchestration: thin flows over the plain functions the CLI uses.

Flows (deployed by prefect.yaml): `nightly.nightly`, `process_document.process_document`,
`reprocess.reprocess`, `backfill.backfill`. `embedded.run_once` runs the nightly flow once
without a server (`gongkai run`).

Plain modules (no Prefect import): `settings` (the environment), `steps` (one document:
find, register, extract, load, fail), `fetching` (the crawl step, report URLs), `locks`
(one run per document at a time), `summary` (what a run reports). Prefect modules: `tasks`
(the steps as tasks, with retries, caching, timeouts), `handoff` (failed documents to their
own deployment runs), the four flow modules, and `embedded` once it runs.
"""
