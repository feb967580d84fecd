"""The sensors plugin: its declaration and hook implementations."""

from __future__ import annotations

from jiedao.api import hookimpl, PluginInfo
from jiedao.plugins.sensors.metrics import METRICS, SIGNALS
from jiedao.plugins.sensors.events import EVENTS
from jiedao.plugins.sensors.models import SENSOR_MODELS
from jiedao.plugins.sensors.nbiot.models import NBIOT_MODELS
from jiedao.plugins.sensors.settings import SensorsSettings
from jiedao.plugins.sensors.state import SensorsState

PERMISSIONS = {
    "sensors.device.read": "See sensor devices, their latest values and readings",
    "sensors.device.manage": "Register and retire sensor devices and issue their credentials",
    "sensors.alarm.read": "See sensor alarms",
    "sensors.alarm.acknowledge": "Acknowledge sensor alarms",
    "sensors.alarm.clear": "Clear acknowledged sensor alarms by hand",
    "sensors.alarm.comment": "Comment on sensor alarms (handlers; residents of the households served read the comments)",
    "sensors.quarantine.read": "See messages the ingester refused",
}

PLUGIN = PluginInfo(
    name="sensors",
    version="0.1.0",
    title="Sensors: electricity monitors, smoke detectors, EV-charger fire devices",
    settings=SensorsSettings,
    description="MQTT ingestion, thresholds and alarms with acknowledgement, offline detection and escalation.",
    permissions=PERMISSIONS,
    grants={
        "grid_worker": [p for p in PERMISSIONS if p != "sensors.device.manage"],
        "community_worker": ["sensors.device.read", "sensors.alarm.read", "sensors.alarm.acknowledge", "sensors.alarm.comment"],
    },
    models=SENSOR_MODELS + NBIOT_MODELS,
    events=EVENTS,
    error_codes={
        "NOTE_REQUIRED": "Say why: a note is required to retire a device or clear an alarm.",
        "OUTCOME_REQUIRED": "Say what happened: an outcome is required to close an alarm.",
    },
    metrics=METRICS,
    signals=SIGNALS,
    state=SensorsState,
)


@hookimpl
def jiedao_schema(register):
    """Queries, mutations, the ``alarmChanged`` and ``homeAlarmChanged`` subscriptions and fields on core types."""
    from jiedao.plugins.sensors import graphql

    register.query(graphql.SensorsQuery)
    register.query(graphql.HomeQuery)
    register.query(graphql.HomeDevicesQuery)
    register.mutation(graphql.SensorsMutation)
    register.subscription(graphql.SensorsSubscription)
    register.subscription(graphql.HomeSubscription)
    register.extend("Building", graphql.BuildingSensors)
    register.extend("Unit", graphql.UnitSensors)
    register.extend("Resident", graphql.ResidentSensors)


@hookimpl
def jiedao_routes(register):
    """The NB-IoT platforms' push endpoints, ``/sensors/nbiot/{street}/ctwing|onenet``."""
    from jiedao.plugins.sensors.nbiot.endpoint import ROUTES

    register.routes(*ROUTES)


@hookimpl
def jiedao_cli(register):
    """``jiedao sensors ingest|simulate|provision|retire|rollup``."""
    from jiedao.plugins.sensors.cli import sensors

    register.cli(sensors)


@hookimpl
def jiedao_seed(register):
    """The demo's devices and a few open alarms."""
    from jiedao.plugins.sensors.seed import seed

    register.seed(seed)


@hookimpl
def jiedao_events(register):
    """A critical or major alarm opens a work item for its building's grid worker(s); closing
    that item with an outcome acknowledges the alarm when nobody has; so does answering the
    alarm's notification (``core.notify.acknowledged``)."""
    from jiedao.api.alerts import AlertAcknowledged
    from jiedao.plugins.sensors.service.acknowledgements import acknowledge_from_notification
    from jiedao.plugins.sensors.service.work import acknowledge_on_outcome, open_alarm_work_item

    register.on("sensors.alarm.raised", open_alarm_work_item)
    register.on("core.work.item.closed", acknowledge_on_outcome)
    register.on(AlertAcknowledged, acknowledge_from_notification)


@hookimpl
def jiedao_background(register):
    """During ``jiedao serve``: ingestion (from JIEDAO_MQTT_URL or an embedded broker), offline and escalation
    checks, hourly roll-ups and pruning of old readings; ``jiedao serve --mqtt-port N``."""
    from jiedao.plugins.sensors.serve import EMBEDDED_BROKER, MQTT_PORT, ingestion_check, run_in_server, run_relay

    register.background(run_in_server)
    register.relay(run_relay)  # also in 'serve --no-background': other processes' alarm changes
    register.readiness("ingestion", ingestion_check)
    register.serve_option(MQTT_PORT, EMBEDDED_BROKER)
