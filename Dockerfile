# regmap service image. Build: docker build -t regmap .
# Migrations are a separate step, never run at container start:
#   docker run --rm -e DATABASE_URL=... regmap regmap db upgrade
#   docker run --rm -e DATABASE_URL=... regmap regmap seed
#   docker run -p 8080:8080 -e DATABASE_URL=... regmap

FROM python:3.11-slim AS build
WORKDIR /srv/regmap
RUN python -m venv /opt/venv
COPY pyproject.toml setup.cfg README.md ./
COPY app ./app
# Editable install: the package stays in /srv/regmap next to migrations/ and catalog_seed/.
RUN /opt/venv/bin/pip install --no-cache-dir -e .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --no-create-home regmap \
    && mkdir -p /var/lib/regmap/metrics \
    && chown -R regmap /var/lib/regmap
COPY --from=build /opt/venv /opt/venv
COPY --from=build /srv/regmap /srv/regmap
COPY migrations /srv/regmap/migrations
COPY catalog_seed /srv/regmap/catalog_seed
WORKDIR /srv/regmap
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    VAR_DIR=/var/lib/regmap \
    PROMETHEUS_MULTIPROC_DIR=/var/lib/regmap/metrics
USER 10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
# Give DATABASE_URL: the embedded PostgreSQL is for laptops, not for containers.
# granian, as `regmap serve` runs it (add "--server", "gunicorn" for gunicorn).
CMD ["regmap", "serve", "--bind", "0.0.0.0:8080", "--workers", "4"]
