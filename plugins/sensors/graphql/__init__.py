"""The sensors GraphQL API: devices, readings, alarms, their lifecycle, and the fields the
plugin adds to ``Building``, ``Unit`` and ``Resident``."""

from jiedao.plugins.sensors.graphql.home import HomeQuery
from jiedao.plugins.sensors.graphql.home_devices import HomeDevicesQuery
from jiedao.plugins.sensors.graphql.home_live import HomeSubscription
from jiedao.plugins.sensors.graphql.mutations import SensorsMutation
from jiedao.plugins.sensors.graphql import sql  # noqa: F401 - declares the alarm list in SQL (schema.compiled_reads)
from jiedao.plugins.sensors.graphql.queries import BuildingSensors, ResidentSensors, SensorsQuery, SensorsSubscription, UnitSensors

__all__ = ["BuildingSensors", "HomeDevicesQuery", "HomeQuery", "HomeSubscription", "ResidentSensors", "SensorsMutation", "SensorsQuery", "SensorsSubscription", "UnitSensors"]
