#!/usr/bin/env bash
# Runs the whole test suite against PostgreSQL and Redis (127.0.0.1:5432 and :6379 unless
# DATABASE_URL / REDIS_URL say otherwise), after making the machine ready for it
# (scripts/services.sh: starts, or as root installs, what is missing). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/possystem}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export CELERY_QUEUE=${CELERY_QUEUE:-possystem-test}
export CACHE_KEY_PREFIX=${CACHE_KEY_PREFIX:-possystem-test}
export CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}

. scripts/services.sh
. scripts/venv.sh

if ! out=$(python manage.py makemigrations --check --dry-run --skip-checks 2>&1); then
  echo "$out" >&2
  echo "Models and migrations differ: run 'python manage.py makemigrations'." >&2
  exit 1
fi
ruff check --quiet .
exec pytest "$@"
