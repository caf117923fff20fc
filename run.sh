#!/usr/bin/env bash
# Runs the product: web site, Celery worker and beat, with demo data.
# Without DATABASE_URL / REDIS_URL it uses SQLite and an embedded (filesystem) Celery broker in ./var.
# Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")"

. scripts/venv.sh
export DJANGO_DEBUG=${DJANGO_DEBUG:-true}
python manage.py migrate --noinput
python manage.py seed_demo
echo "Open http://127.0.0.1:${WEB_PORT:-8000}/ and sign in with one of the accounts above."
exec honcho -f Procfile.dev start
