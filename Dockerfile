FROM python:3.11-slim
WORKDIR /opt/phc
COPY pyproject.toml README.md ./
COPY phc_analytics ./phc_analytics
COPY sql ./sql
COPY dagster.yaml workspace.yaml ./
RUN pip install --no-cache-dir -e . \
    && mkdir -p /opt/phc/.phc/dagster_storage
ENV DAGSTER_HOME=/opt/phc
EXPOSE 3000
