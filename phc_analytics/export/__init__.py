"""`phc-analytics export`: each mart of the ``analytics`` schema as one file (CSV, Parquet, xlsx),
read as the BI role and streamed, so memory stays flat however large the mart (docs/exports.md).
"""
