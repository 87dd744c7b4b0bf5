# Build stage: a wheel of newsmon and its dependencies, so the runtime image carries no compiler or pip cache.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md scrapy.cfg ./
COPY newsmon ./newsmon
COPY crawler ./crawler
COPY scheduler ./scheduler
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Runtime stage: newsmon installed from the wheels, run as an unprivileged user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 NEWSMON_DATA_DIR=/data NEWSMON_CONFIG=/data/newsmon.yaml
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels newsmon && rm -rf /wheels \
    && useradd --create-home --uid 10001 newsmon && mkdir -p /data && chown newsmon /data
USER newsmon
WORKDIR /home/newsmon
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8080/healthz', timeout=5)"]
CMD ["newsmon", "run"]
