"""A street's DingTalk settings, ``[streets.<slug>.dingtalk]`` in plugins.toml.

Secrets never live in plugins.toml: the settings name the environment variables holding them."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from jiedao.api.channels import ENV_NAME, checked_endpoint

DEFAULT_ENDPOINT = "https://oapi.dingtalk.com"


class DingTalkSettings(BaseModel):
    """Where the street's DingTalk robot and corp app are, and which environment variables
    hold their secrets."""

    model_config = {"extra": "forbid"}

    endpoint: str = Field(DEFAULT_ENDPOINT, description='DingTalk\'s open API; "fake" for the street\'s local fake provider.')
    robot_token_env: str = Field("JIEDAO_DINGTALK_ROBOT_TOKEN", pattern=ENV_NAME, description="Environment variable with the group robot's access_token.")
    robot_secret_env: str = Field("JIEDAO_DINGTALK_ROBOT_SECRET", pattern=ENV_NAME, description="Environment variable with the robot's signing secret (SEC...).")
    app_key_env: str = Field("JIEDAO_DINGTALK_APP_KEY", pattern=ENV_NAME, description="Environment variable with the corp app's AppKey.")
    app_secret_env: str = Field("JIEDAO_DINGTALK_APP_SECRET", pattern=ENV_NAME, description="Environment variable with the corp app's AppSecret.")
    agent_id: int | None = Field(None, gt=0, description="The corp app's AgentId (work notices need it).")
    timeout: float = Field(10.0, gt=0, le=60, description="Seconds one request to DingTalk may take before it is retried later.")

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        return checked_endpoint(value, DEFAULT_ENDPOINT)
