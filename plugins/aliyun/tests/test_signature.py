"""The fake's V3 signature check agrees with a few-line independent implementation, and with the SDK."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

import pytest
from alibabacloud_tea_openapi.utils import Utils
from darabonba.request import DaraRequest

from jiedao.plugins.aliyun.fake.signature import SignatureProblem, canonical_request, signature, verify

SECRET = "testsecret"
QUERY = {"PhoneNumbers": "13800138000", "SignName": "长庆街道", "TemplateCode": "SMS_100001", "TemplateParam": '{"what":"烟感 报警*"}', "OutId": "k~1"}
HEADERS = {
    "host": "127.0.0.1:8000",
    "x-acs-action": "SendSms",
    "x-acs-version": "2017-05-25",
    "x-acs-date": "2026-12-01T14:55:16Z",
    "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
    "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
    "user-agent": "AlibabaCloud (Linux) Python/3.11 TeaDSL/2",
    "accept": "application/json",
}
PATH = "/dev/providers/changqing/aliyun/"


def by_hand(method: str, path: str, query: dict[str, str], headers: dict[str, str], secret: str) -> str:
    """ACS3-HMAC-SHA256 written again from the documentation, as plainly as possible."""
    enc = lambda s: quote(s, safe="~")  # noqa: E731 - RFC 3986: A-Z a-z 0-9 - _ . ~ stay
    names = sorted(headers)
    canonical = "\n".join([
        method,
        path,
        "&".join(f"{enc(k)}={enc(query[k])}" for k in sorted(query)),
        "".join(f"{n}:{headers[n].strip()}\n" for n in names),
        ";".join(names),
        headers["x-acs-content-sha256"],
    ])
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return hmac.new(secret.encode(), f"ACS3-HMAC-SHA256\n{digest}".encode(), hashlib.sha256).hexdigest()


def raw_query() -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in reversed(QUERY.items()))


def test_the_fakes_signature_matches_an_independent_one_for_a_fixed_request():
    canonical = canonical_request("POST", PATH, raw_query(), HEADERS, sorted(HEADERS), HEADERS["x-acs-content-sha256"])
    assert signature(SECRET, canonical) == by_hand("POST", PATH, QUERY, HEADERS, SECRET)


def test_the_sdk_signs_what_the_fake_verifies_and_a_changed_parameter_breaks_it():
    request = DaraRequest()
    request.method, request.pathname, request.query, request.headers = "POST", PATH, dict(QUERY), dict(HEADERS)
    authorization = Utils.get_authorization(request, "ACS3-HMAC-SHA256", HEADERS["x-acs-content-sha256"], "AK1", SECRET)
    headers = {**HEADERS, "authorization": authorization}
    assert authorization.endswith("Signature=" + by_hand("POST", PATH, QUERY, HEADERS, SECRET))
    verify("POST", PATH, raw_query(), headers, b"", "AK1", SECRET)
    tampered = raw_query().replace("13800138000", "13800138001")
    with pytest.raises(SignatureProblem) as refused:
        verify("POST", PATH, tampered, headers, b"", "AK1", SECRET)
    assert refused.value.code == "SignatureDoesNotMatch" and refused.value.status == 400
    with pytest.raises(SignatureProblem) as unknown:
        verify("POST", PATH, raw_query(), headers, b"", "AK2", SECRET)
    assert unknown.value.code == "InvalidAccessKeyId.NotFound" and unknown.value.status == 404


def test_a_request_that_leaves_the_action_unsigned_is_refused():
    signed = [n for n in sorted(HEADERS) if n != "x-acs-action"]
    sig = by_hand("POST", PATH, QUERY, {n: HEADERS[n] for n in signed}, SECRET)
    headers = {**HEADERS, "authorization": f"ACS3-HMAC-SHA256 Credential=AK1,SignedHeaders={';'.join(signed)},Signature={sig}"}
    with pytest.raises(SignatureProblem) as refused:
        verify("POST", PATH, raw_query(), headers, b"", "AK1", SECRET)
    assert refused.value.code == "IncompleteSignature"
