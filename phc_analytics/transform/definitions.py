"""What the transform layer contributes to the code location: the dbt assets and `dbt`."""

import dagster as dg

from phc_analytics.transform.assets import dbt_analytics, dbt_staging
from phc_analytics.transform.resources import dbt_resource

transform_defs = dg.Definitions(
    assets=[dbt_staging, dbt_analytics],
    resources={"dbt": dbt_resource()},
)
