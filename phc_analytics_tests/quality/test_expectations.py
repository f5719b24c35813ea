"""Every raw table has its expected fields: the schema-drift check looks them up by name."""

from phc_analytics.demo_shop.model import RESOURCES
from phc_analytics.prestashop.entities import ENTITIES
from phc_analytics.quality.expectations import REQUIRED_FIELDS


def test_every_entity_has_required_fields_the_demo_shop_serves():
    assert set(REQUIRED_FIELDS) == {entity.name for entity in ENTITIES}
    for name, fields in REQUIRED_FIELDS.items():
        served = RESOURCES[name].field_names
        assert set(fields) <= set(served), (name, set(fields) - set(served))
