"""Prefect orchestration, and nothing else: thin flows over the one processing path
(`gongkai.process`), which the CLI uses too.

Flows (deployed by prefect.yaml): `nightly.nightly`, `process_document.process_document`,
`reprocess.reprocess`, `backfill.backfill`. `embedded.run_once` runs the nightly flow once
against an ephemeral server (`gongkai run`, through `python -m flows`).

Modules: `settings` (the orchestration's settings, from the environment), `tasks` (the
processing steps as tasks, with retries, caching, timeouts), `names` (what runs are called and
what a failure says), `handoff` (failed documents to their own deployment runs), the four flow
modules, and `embedded`.
"""
