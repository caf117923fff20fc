#!/usr/bin/env bash
# Runs the product: web site, Celery worker and beat, with demo data.
# Without DATABASE_URL / REDIS_URL it uses SQLite and an embedded (filesystem) Celery broker in ./var.
# Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")"

. scripts/venv.sh
export DJANGO_DEBUG=${DJANGO_DEBUG:-true}
# A quiet log: requests, warnings and errors, and one line per e-mail sent; the e-mails themselves
# are files in var/mail. Set CELERY_TASK_LOG_LEVEL=INFO to see every task.
export CELERY_TASK_LOG_LEVEL=${CELERY_TASK_LOG_LEVEL:-WARNING}
export EMAIL_BACKEND=${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}
export EMAIL_FILE_PATH=${EMAIL_FILE_PATH:-var/mail}
echo "Preparing the database and the demo data..."
python manage.py migrate --noinput -v 0
python manage.py seed_demo
echo "Open http://127.0.0.1:${WEB_PORT:-8000}/ and sign in with one of the accounts above. E-mails are written to ${EMAIL_FILE_PATH}/."
exec honcho -f Procfile.dev start
