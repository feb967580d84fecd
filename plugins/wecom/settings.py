"""A street's WeCom settings, ``[streets.<slug>.wecom]`` in plugins.toml.

Secrets never live in plugins.toml: the settings name the environment variables holding them."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from jiedao.api.channels import ENV_NAME, checked_endpoint

DEFAULT_ENDPOINT = "https://qyapi.weixin.qq.com"


class WeComSettings(BaseModel):
    """Where the street's WeCom group robot and application are, and which environment
    variables hold their secrets."""

    model_config = {"extra": "forbid"}

    endpoint: str = Field(DEFAULT_ENDPOINT, description='WeCom\'s API; "fake" for the street\'s local fake provider.')
    robot_key_env: str = Field("JIEDAO_WECOM_ROBOT_KEY", pattern=ENV_NAME, description="Environment variable with the group robot's webhook key.")
    corp_id_env: str = Field("JIEDAO_WECOM_CORP_ID", pattern=ENV_NAME, description="Environment variable with the corp id (corpid).")
    corp_secret_env: str = Field("JIEDAO_WECOM_CORP_SECRET", pattern=ENV_NAME, description="Environment variable with the application's secret (corpsecret).")
    agent_id: int | None = Field(None, gt=0, description="The application's AgentId (application messages need it).")
    timeout: float = Field(10.0, gt=0, le=60, description="Seconds one request to WeCom may take before it is retried later.")

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        return checked_endpoint(value, DEFAULT_ENDPOINT)
