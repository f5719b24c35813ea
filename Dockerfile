FROM python:3.11-slim
WORKDIR /opt/phc
COPY pyproject.toml README.md ./
COPY phc_analytics ./phc_analytics
COPY sql ./sql
COPY dagster.yaml workspace.yaml ./
# The code location loads the dbt manifest; it is parsed here, once (no database needed).
RUN pip install --no-cache-dir -e '.[deploy]' \
    && cd sql/dbt && DO_NOT_TRACK=1 dbt parse --profiles-dir . --quiet && cd /opt/phc \
    && mkdir -p /opt/phc/.phc/dagster_storage
ENV DAGSTER_HOME=/opt/phc
EXPOSE 3000 8501
