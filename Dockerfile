# Tizhi (提质): the image that docker-compose.yml runs as web, worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    MEDIA_ROOT=/data/files \
    TIZHI_DEMO=0

# WeasyPrint renders the bulletins with pango (libharfbuzz-subset0 makes font subsetting much
# faster); fonts-noto-cjk puts Chinese into PDFs and charts; poppler-utils lets operators
# check a bulletin (pdftotext, pdffonts).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first (pinned in pyproject.toml), so that a code change reuses this layer.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files are gathered into the image; WhiteNoise serves them. The key is a build-time
# placeholder: settings need one with DEBUG off, and nothing signed here outlives the build.
RUN DEBUG=0 SECRET_KEY=collectstatic-at-build-time-only-not-a-secret-0123456789abcdef \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput -v0

# Never run as root. Uploaded files live on a volume mounted at /data/files.
RUN useradd --create-home --uid 10001 --user-group tizhi \
    && mkdir -p /data/files \
    && chown -R tizhi:tizhi /data
USER tizhi

EXPOSE 8000
CMD ["gunicorn", "bureau.wsgi:application", "-b", "0.0.0.0:8000", "-w", "3", "--timeout", "120"]
