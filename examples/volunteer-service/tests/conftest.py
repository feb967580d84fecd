"""Test streets: changqing enables the plugin, gongchen does not."""

import pytest


@pytest.fixture
def jiedao_streets():
    return {
        "changqing": {"name": "长庆街道", "plugins": ["volunteer"]},
        "gongchen": {"name": "拱宸桥街道", "plugins": []},
    }
