FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md scrapy.cfg ./
COPY newsmon ./newsmon
COPY sources ./sources
COPY feeds ./feeds
COPY crawler ./crawler
COPY cleaning ./cleaning
COPY index ./index
COPY alerts ./alerts
COPY mail ./mail
COPY scheduler ./scheduler
RUN pip install --no-cache-dir . && useradd --create-home newsmon && mkdir -p /data && chown newsmon /data
USER newsmon
VOLUME /data
EXPOSE 8080
CMD ["newsmon", "run"]
