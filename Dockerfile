# syntax=docker/dockerfile:1
# Build stage: build a wheel of Chaikhana and its dependencies.
FROM python:3.12-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip wheel
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY digests ./digests
COPY storage ./storage
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Run stage: only the wheels, a non-root user, and a volume for the SQLite database.
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN useradd --create-home --uid 10001 chaikhana
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
USER chaikhana
WORKDIR /data
VOLUME ["/data"]
# Configure with /data/config.toml or CHAIKHANA_* variables (CHAIKHANA_TELEGRAM__TOKEN, …).
# Metrics, /healthz and /readyz listen on 9464; publish it for a scraper (compose.yaml does).
ENV CHAIKHANA_METRICS__LISTEN=0.0.0.0
EXPOSE 9464 8443
# Ready: the database answers and planning and polling run on time (/readyz). The light
# chaikhana-health starts in a fraction of the time `chaikhana health` takes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["chaikhana-health"]
ENTRYPOINT ["chaikhana"]
CMD ["run"]
