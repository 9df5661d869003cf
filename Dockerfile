# 三资清化收 — the application image, used by the web, worker and beat services
# of docker-compose.yml.

# --- Front-end files: npm is needed only to build them. ----------------------
FROM python:3.11-slim-bookworm AS assets
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY package.json package-lock.json .npmrc ./
COPY scripts/vendor.sh scripts/vendor.sh
RUN npm ci && bash scripts/vendor.sh /build/node_modules /build/static/vendor

# --- The application ----------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PRIVATE_ROOT=/data/private

# Pango, HarfBuzz and CJK fonts for rendering Chinese PDF documents.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY . .
COPY --from=assets /build/static/vendor /app/static/vendor

RUN useradd --system --uid 1000 --user-group --home-dir /app --no-create-home sanzi \
    && mkdir -p /app/staticfiles /data/private \
    && chown -R sanzi:sanzi /app/staticfiles /data/private

USER sanzi

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
