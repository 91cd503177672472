#!/usr/bin/env bash
# The release step of an install or upgrade: refuse a misconfigured production, migrate the
# database, collect static files for WhiteNoise. Safe to run again; run it before starting the
# new web and worker processes (deploy/README.md, "Upgrades").
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}

"$PYTHON" manage.py check --deploy  # errors stop the release; warnings are shown
"$PYTHON" manage.py migrate --noinput
"$PYTHON" manage.py collectstatic --noinput
