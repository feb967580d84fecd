"""sensors: the quarantine keeps refused payloads as bytes (any byte sequence, NUL included)

Text written by earlier versions is converted: payloads kept as ``hex:...`` (not UTF-8)
become their bytes again, any other text its UTF-8 encoding.

2026-12-01
"""

from alembic import op
import sqlalchemy as sa

revision, down_revision = 'sensors_0004', 'sensors_0003'
branch_labels, depends_on = None, None


_TABLE = sa.table('sensor_quarantine', sa.column('id', sa.BigInteger), sa.column('payload'))


def _bytes_of(text: str | bytes | None) -> bytes:
    if text is None:
        return b''
    if isinstance(text, bytes):
        return text
    if text.startswith('hex:'):
        try:
            return bytes.fromhex(text[4:])
        except ValueError:
            pass
    return text.encode('utf-8')


def _text_of(data: bytes | None) -> str:
    data = bytes(data or b'')
    try:
        text = data.decode('utf-8') if b'\x00' not in data else None
    except UnicodeDecodeError:
        text = None
    return text if text is not None else 'hex:' + data.hex()


def _retype_on_sqlite(bind, old: sa.types.TypeEngine, new: sa.types.TypeEngine, convert) -> None:
    """Change the payload column's type (a table copy on SQLite) and convert each row's payload."""
    rows = bind.execute(sa.select(_TABLE.c.id, _TABLE.c.payload)).all()
    with op.batch_alter_table('sensor_quarantine', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=old, type_=new, existing_nullable=False)
    for row_id, payload in rows:
        bind.execute(sa.update(_TABLE).where(_TABLE.c.id == row_id).values(payload=convert(payload)))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(
            "ALTER TABLE sensor_quarantine ALTER COLUMN payload DROP DEFAULT, "
            "ALTER COLUMN payload TYPE bytea USING CASE WHEN payload LIKE 'hex:%' AND substr(payload, 5) ~ '^([0-9a-f]{2})*$' "
            "THEN decode(substr(payload, 5), 'hex') ELSE convert_to(payload, 'UTF8') END"
        )
        return
    _retype_on_sqlite(bind, sa.Text(), sa.LargeBinary(), _bytes_of)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(
            "ALTER TABLE sensor_quarantine ALTER COLUMN payload TYPE text USING 'hex:' || encode(payload, 'hex')"
        )
        return
    _retype_on_sqlite(bind, sa.LargeBinary(), sa.Text(), _text_of)
