FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Static files are collected at build time and served by whitenoise from the app itself.
RUN DJANGO_ENV=production DJANGO_SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-xx \
    DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --noinput
RUN useradd --system --uid 10001 app && mkdir -p /data/media && chown app /data/media
USER app
EXPOSE 8000
CMD ["gunicorn", "-c", "possystem/gunicorn.conf.py", "possystem.wsgi:application"]
