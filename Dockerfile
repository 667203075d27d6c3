# MemberOps Copilot — service image. Build: docker build -t memberops . ; run: docker run -p 8000:8000 memberops
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite:////app/data/memberops.db \
    DATA_DIR=/app/data

# CJK font for chart labels
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY core ./core
COPY storage ./storage
COPY scheduler ./scheduler
RUN pip install . && useradd --create-home --uid 10001 memberops && mkdir -p /app/data \
    && chown -R memberops:memberops /app/data

USER memberops
EXPOSE 8000
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=4)"
ENTRYPOINT ["memberops", "serve"]
