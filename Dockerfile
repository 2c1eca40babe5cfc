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
ENTRYPOINT ["chaikhana"]
CMD ["run"]
