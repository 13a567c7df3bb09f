# flerpart: one process (bot + web + scheduler). Production runs it beside PostgreSQL
# (compose.yaml); migrations are applied at start by `flerpart run`.
# HOST=0.0.0.0 also keeps the image out of local mode: with no Telegram/Twilio variables
# `flerpart run` refuses a non-loopback HOST (exit 2) instead of serving /sim to anyone.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8080

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY bot/__init__.py bot/__init__.py
COPY flows/__init__.py flows/__init__.py
COPY storage/__init__.py storage/__init__.py
RUN pip install .

COPY . .
# Editable install so the package finds locales/ beside it; catalogs compiled here,
# never committed.
RUN pip install --no-deps -e . \
    && pybabel compile -d locales -D messages \
    && useradd --system --uid 10001 --home-dir /app flerpart \
    && mkdir -p /app/data && chown flerpart /app/data

USER flerpart
EXPOSE 8080
VOLUME ["/app/data"]

HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8080\")}/healthz', timeout=2)"

STOPSIGNAL SIGTERM
CMD ["flerpart", "run"]
