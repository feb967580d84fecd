"""Which of Alibaba Cloud's answers are worth another attempt, and which are final."""

from __future__ import annotations

import pytest

from jiedao.api.channels import FAILED, RETRY
from jiedao.plugins.aliyun.errors import refused


@pytest.mark.parametrize(
    ("code", "status", "outcome"),
    [
        ("isv.BUSINESS_LIMIT_CONTROL", 200, RETRY),
        ("Throttling.User", 400, RETRY),
        ("Throttling.Api", 400, RETRY),
        ("ServiceUnavailable", 503, RETRY),
        ("SomethingNew", 502, RETRY),
        ("isv.MOBILE_NUMBER_ILLEGAL", 200, FAILED),
        ("isv.SMS_TEMPLATE_ILLEGAL", 200, FAILED),
        ("isv.INVALID_PARAMETERS", 200, FAILED),
        ("SignatureDoesNotMatch", 400, FAILED),
        ("InvalidAccessKeyId.NotFound", 404, FAILED),
    ],
)
def test_provider_codes_decide_between_retry_and_failure(code, status, outcome):
    result = refused(code, "说明", status)
    assert result.outcome == outcome and result.detail == f"{code}: 说明"
