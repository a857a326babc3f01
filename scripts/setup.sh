#!/usr/bin/env bash
# Install gongkai on a fresh Debian/Ubuntu machine: system packages with apt, Python
# dependencies in ./.venv. Idempotent: a second run only checks what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

# The AR PL and WenQuanYi faces are for the tests: offices print in them, and the picture and
# PDF generators draw reports in every face installed (tests/ocr_degrade.py `faces`).
APT_PACKAGES=(python3-venv sqlite3 fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei
              libreoffice-writer-nogui libreoffice-calc-nogui)

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test,dask]'
# pyarrow (parquet export) is a main dependency; SQLAlchemy is held below 2.1 for Prefect's
# scheduler (pyproject.toml says why). An older .venv is brought to these pins by the line above.
echo "gongkai installed: $(.venv/bin/gongkai version)"
echo "use it: source .venv/bin/activate   (then gongkai, prefect; or call .venv/bin/gongkai directly)"
