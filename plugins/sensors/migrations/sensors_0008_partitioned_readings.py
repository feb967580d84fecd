"""sensors: raw readings partitioned by week on PostgreSQL (``service.partitions``).

``sensor_readings`` becomes a table partitioned by range of ``ts``: one partition per UTC
week that holds readings, the current week and the next two, and a DEFAULT partition for
anything else. Every row is kept (copied in one statement, ids and the id sequence kept), and
so are the unique (device_pk, ts, key) constraint, the foreign keys to sensor_devices and
streets, the street and time indexes and the forced street isolation policy, on the parent
and on every partition. The primary key becomes (id, ts): a partitioned table's unique
constraints must hold the partition key. SQLite keeps its plain table (nothing to do).
Downgrade copies the rows back into a plain table.

2026-12-02
"""

from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa

revision, down_revision = 'sensors_0008', 'sensors_0007'
branch_labels, depends_on = None, None

_OLD = 'sensor_readings_unpartitioned'
_COLUMNS = 'id, device_pk, ts, key, value, street_id'
_POLICY = "street_id = nullif(current_setting('app.street_id', true), '')::int"
_NAMES = {  # constraints and indexes of sensor_readings, renamed out of the way while copying
    'constraint': ['pk_sensor_readings', 'uq_sensor_readings_device_pk_ts_key',
                   'fk_sensor_readings_device_pk_sensor_devices', 'fk_sensor_readings_street_id_streets'],
    'index': ['ix_sensor_readings_street_id', 'ix_sensor_readings_ts'],
}
_WEEK = timedelta(days=7)
_MONDAY = datetime(2000, 1, 3, tzinfo=UTC)


def _protect(table: str) -> None:
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'DROP POLICY IF EXISTS street_isolation ON "{table}"')
    op.execute(f'CREATE POLICY street_isolation ON "{table}" USING ({_POLICY})')


def _set_aside(table: str) -> None:
    """Rename sensor_readings, its constraints and indexes to ``table``'s names; the owner may
    read it all (row-level security no longer forced on it)."""
    op.execute(f'ALTER TABLE sensor_readings RENAME TO {table}')
    for name in _NAMES['constraint']:
        op.execute(f'ALTER TABLE {table} RENAME CONSTRAINT {name} TO {name.replace("sensor_readings", table)}')
    for name in _NAMES['index']:
        op.execute(f'ALTER INDEX {name} RENAME TO {name.replace("sensor_readings", table)}')
    op.execute(f'ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY')


def _create(partition_by: str) -> None:
    op.execute(
        "CREATE TABLE sensor_readings ("
        " id BIGINT NOT NULL DEFAULT nextval('sensor_readings_id_seq'::regclass),"
        " device_pk INTEGER NOT NULL, ts TIMESTAMP WITH TIME ZONE NOT NULL, key VARCHAR(64) NOT NULL,"
        " value DOUBLE PRECISION NOT NULL, street_id INTEGER NOT NULL,"
        f" CONSTRAINT pk_sensor_readings PRIMARY KEY (id{', ts' if partition_by else ''}),"
        " CONSTRAINT uq_sensor_readings_device_pk_ts_key UNIQUE (device_pk, ts, key),"
        " CONSTRAINT fk_sensor_readings_device_pk_sensor_devices FOREIGN KEY (device_pk) REFERENCES sensor_devices (id) ON DELETE CASCADE,"
        " CONSTRAINT fk_sensor_readings_street_id_streets FOREIGN KEY (street_id) REFERENCES streets (id) ON DELETE RESTRICT"
        f") {partition_by}"
    )
    op.execute('CREATE INDEX ix_sensor_readings_street_id ON sensor_readings (street_id)')
    op.execute('CREATE INDEX ix_sensor_readings_ts ON sensor_readings (ts)')


def _week_of(moment: datetime) -> datetime:
    return _MONDAY + ((moment.astimezone(UTC) - _MONDAY) // _WEEK) * _WEEK


def _literal(moment: datetime) -> str:
    return "'" + moment.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S+00') + "'"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    _set_aside(_OLD)
    _create('PARTITION BY RANGE (ts)')
    op.execute('CREATE TABLE sensor_readings_default PARTITION OF sensor_readings DEFAULT')
    # Weeks holding readings (from 2000 on: earlier ones stay in DEFAULT), this week and two ahead.
    held = bind.execute(sa.text(
        f"SELECT DISTINCT date_trunc('week', ts AT TIME ZONE 'UTC') FROM {_OLD} WHERE ts >= '2000-01-03+00'"
    )).scalars().all()
    this_week = _week_of(datetime.now(UTC))
    weeks = {w.replace(tzinfo=UTC) for w in held} | {this_week + n * _WEEK for n in range(3)}
    for lower in sorted(weeks):
        name = f'sensor_readings_p{lower:%Y%m%d}'
        op.execute(f'CREATE TABLE {name} PARTITION OF sensor_readings FOR VALUES FROM ({_literal(lower)}) TO ({_literal(lower + _WEEK)})')
    op.execute(f'INSERT INTO sensor_readings ({_COLUMNS}) SELECT {_COLUMNS} FROM {_OLD}')
    op.execute('ALTER SEQUENCE sensor_readings_id_seq OWNED BY sensor_readings.id')
    op.execute(f'DROP TABLE {_OLD}')
    for table in ['sensor_readings', 'sensor_readings_default', *(f'sensor_readings_p{w:%Y%m%d}' for w in sorted(weeks))]:
        _protect(table)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    old = 'sensor_readings_partitioned'
    _set_aside(old)
    _create('')
    op.execute(f'INSERT INTO sensor_readings ({_COLUMNS}) SELECT {_COLUMNS} FROM {old}')
    op.execute('ALTER SEQUENCE sensor_readings_id_seq OWNED BY sensor_readings.id')
    op.execute(f'DROP TABLE {old}')  # its partitions with it
    _protect('sensor_readings')
