"""NB-IoT platform formats read from recorded sample messages: no database, no server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jiedao.plugins.sensors.nbiot import ctwing, onenet
from jiedao.plugins.sensors.nbiot.messages import BadBody
from jiedao.plugins.sensors.nbiot.signatures import onenet_signature, onenet_signed, same_token

DATA = Path(__file__).resolve().parent / "data" / "nbiot"
TOKEN = "jiedao-onenet-test-token"


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_a_ctwing_data_report_becomes_the_detector_s_readings_at_the_platform_s_time():
    [message] = ctwing.parse(sample("ctwing/data_report_smoke.json"))
    assert message.error is None and message.device_id == "860803030676429" and message.channel == "telemetry"
    assert json.loads(message.payload) == {"ts": 1764633600000, "values": {"smoke": True, "battery": 87, "rssi": -95}}
    assert message.fields == {"smoke": "body.payload.smoke_state", "battery": "body.payload.battery_value", "rssi": "body.payload.signal"}


def test_an_online_offline_report_without_imei_finds_the_imei_in_the_ctwing_device_id():
    [message] = ctwing.parse(sample("ctwing/online_offline.json"))
    assert (message.device_id, message.channel) == ("860803030676429", "status")
    assert json.loads(message.payload) == {"status": "offline", "ts": 1764633500000}  # the platform's time travels with it


def test_an_event_report_reads_its_event_content_and_a_command_response_is_ignored():
    [event] = ctwing.parse(sample("ctwing/event_report_smoke.json"))
    assert json.loads(event.payload)["values"] == {"smoke": True}
    assert ctwing.parse(sample("ctwing/command_response.json")) == []


def test_a_retry_has_the_same_key_and_another_report_another():
    first, again = ctwing.parse(sample("ctwing/data_report_smoke.json")), ctwing.parse(sample("ctwing/data_report_smoke.json"))
    other = ctwing.parse(sample("ctwing/data_report_normal.json"))
    assert first[0].key == again[0].key != other[0].key


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"payload": {"smoke_state": "1"}}, "body.payload.smoke_state", "bad_value"),
        ({"payload": {"smoke_state": 2}}, "body.payload.smoke_state", "bad_value"),
        ({"payload": {"battery_value": [87]}}, "body.payload.battery_value", "bad_value"),
        ({"payload": {"sensor_sn": "x"}}, "body.payload", "unknown_key"),
        ({"payload": "AQID"}, "body.payload", "bad_payload"),
        ({"timestamp": "1764633600000"}, "body.timestamp", "bad_timestamp"),
        ({"deviceId": 15.5}, "body.deviceId", "bad_payload"),
        ({"IMEI": "8608\u00000676429"}, "body.IMEI", "bad_payload"),
        ({"messageType": None}, "body.messageType", "bad_payload"),
    ],
)
def test_a_ctwing_message_of_the_wrong_shape_is_refused_naming_its_field(change, field, reason):
    data = json.loads(sample("ctwing/data_report_smoke.json")) | change
    [message] = ctwing.parse(json.dumps(data).encode())
    assert (message.error.field, message.error.reason) == (field, reason)


def test_a_transparent_appdata_payload_is_refused_with_the_reason():
    [message] = ctwing.parse(sample("ctwing/data_report_appdata.json"))
    assert message.error.field == "body.payload.APPdata" and "JSON profile" in message.error.detail


@pytest.mark.parametrize("body", [b"", b"{", b'{"a": 1}\x00', b"\xff\xfe", b"[" * 100_000, b'{"n": ' + b"9" * 5000 + b"}"])
def test_a_body_that_is_not_json_is_refused_as_not_json(body):
    with pytest.raises(BadBody) as refused:
        ctwing.parse(body)
    assert (refused.value.field, refused.value.reason) == ("body", "not_json")


def test_a_ctwing_body_that_is_not_one_object_is_refused():
    with pytest.raises(BadBody, match="expected one CTWing message"):
        ctwing.parse(b"[]")


def test_onenet_signatures_are_md5_of_token_nonce_msg_in_base64():
    check = json.loads(sample("onenet/url_check.json"))
    assert onenet_signature(TOKEN, check["nonce"], check["msg"]) == check["signature"]
    assert onenet_signed(TOKEN, check["nonce"], check["msg"], check["signature"].replace("+", " "))
    assert not onenet_signed("another-token", check["nonce"], check["msg"], check["signature"])
    assert same_token("abc", "abc") and not same_token("abd", "abc") and not same_token("", "")


def test_a_onenet_batch_of_data_points_reads_each_stream_and_names_a_bad_value():
    items, ignored = onenet.parse(onenet.envelope(sample("onenet/datapoints_one_bad.json")))
    assert ignored == 0
    good, bad = items
    assert json.loads(good.payload) == {"ts": 1764633900000, "values": {"battery": 63}}
    assert (bad.error.field, bad.error.reason) == ("msg[1].value", "bad_value")


def test_a_onenet_property_report_and_a_status_report():
    [report], _ = onenet.parse(onenet.envelope(sample("onenet/property_smoke.json")))
    assert report.device_id == "861111045123456"
    assert json.loads(report.payload) == [{"ts": 1764634000000, "values": {"smoke": True, "battery": 62}}]
    [status], _ = onenet.parse(onenet.envelope(sample("onenet/online.json")))
    assert (status.channel, json.loads(status.payload)) == ("status", {"status": "online", "ts": 1764633550000})


def test_a_onenet_push_without_signature_is_unsigned_and_a_msg_of_the_wrong_type_is_named():
    with pytest.raises(onenet.Unsigned):
        onenet.envelope(b'{"msg": "{}", "nonce": "abcdefgh"}')
    with pytest.raises(BadBody) as refused:
        onenet.envelope(b'{"msg": {"type": 1}, "nonce": "abcdefgh", "signature": "x"}')
    assert refused.value.field == "msg"
