"""What the transform layer contributes to the code location: the dbt assets.

Their ``dbt`` resource is connected to the warehouse by the composition root
(``phc_analytics.resources``), with the other resources.
"""

import dagster as dg

from phc_analytics.transform.assets import dbt_analytics, dbt_staging

transform_defs = dg.Definitions(assets=[dbt_staging, dbt_analytics])
