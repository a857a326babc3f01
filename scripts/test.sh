#!/usr/bin/env bash
# Run the whole test suite, as CI does (.ci/run calls this script).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# The storage tests use the PostgreSQL server on 127.0.0.1:5432; start it if it is down.
if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi

set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
# pytest exits 5 when it collected no test: that is a failure here, never a pass.
if [ "$rc" -eq 5 ]; then
    echo "no tests were collected: failing" >&2
    exit 1
fi
exit "$rc"
