#!/bin/sh
# Create .venv (when missing) and install the pinned dependencies; extra args name extras.
# Usage: scripts/bootstrap.sh [dev]
set -eu
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$python" -m venv .venv
extras=""
[ "$#" -gt 0 ] && extras="[$1]"
stamp=".venv/.installed$extras"
# Reinstall only when the pins or the project's metadata changed since the last install.
if [ ! -f "$stamp" ] || [ constraints.txt -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
        -c constraints.txt -e ".$extras"
    touch "$stamp"
fi
