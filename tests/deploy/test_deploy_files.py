"""The files of deploy/ agree with the code: the Compose file's commands exist in the CLI,
its environment names are settings Jiedao reads, the broker settings are the sensors
plugin's, the image is built from the lock file and runs as a non-root user."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

from jiedao.plugins.sensors import provision

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
JIEDAO_SERVICES = {name: service for name, service in SERVICES.items() if "deploy/Dockerfile" in str(service.get("build", {}).get("dockerfile", ""))}


def read_names() -> set[str]:
    """Every ``JIEDAO_*`` name Jiedao's code or the scheduler script reads."""
    names = set()
    for folder in ("core", "plugins", "schema", "jiedao"):
        for path in (ROOT / folder).rglob("*.py"):
            if "/tests/" not in str(path) and "/testing/" not in str(path):
                names |= set(re.findall(r"JIEDAO_[A-Z0-9_]+", path.read_text(encoding="utf-8")))
    return names | set(re.findall(r"JIEDAO_[A-Z0-9_]+", (DEPLOY / "scheduler.sh").read_text()))


def cli_paths() -> list[list[str]]:
    """The ``jiedao ...`` commands the stack runs: each service's, and each scheduler job."""
    commands = [service["command"][1:] for service in JIEDAO_SERVICES.values() if service["command"][0] == "jiedao"]
    for line in (DEPLOY / "scheduler.sh").read_text().splitlines():
        if match := re.match(r'\s*(?:for .*; do )?job jiedao (.*?)(?:; done)?$', line):
            commands.append([word.strip('"') for word in match.group(1).split()])
    return commands


def test_the_stack_has_every_role_of_a_deployment():
    assert {"postgres", "mosquitto", "migrate", "api", "ingest-1", "ingest-2", "notify", "scheduler", "proxy"} <= set(SERVICES)
    assert SERVICES["migrate"]["command"] == ["jiedao", "db", "upgrade"]
    for name, service in JIEDAO_SERVICES.items():
        if name not in ("migrate", "tools"):
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
    assert "--no-background" in SERVICES["api"]["command"]
    ingesters = [s["command"] for n, s in SERVICES.items() if n.startswith("ingest-")]
    assert all(c[c.index("--shared-group") + 1] == "jiedao" for c in ingesters)
    assert len({c[c.index("--client-id") + 1] for c in ingesters}) == len(ingesters), "each ingester needs its own client id"
    assert sum("--no-watchdog" not in c for c in ingesters) == 1, "exactly one ingester runs the offline watchdog"


@pytest.mark.parametrize("command", cli_paths(), ids=lambda c: " ".join(c))
def test_every_command_of_the_stack_exists_with_its_options(jiedao_cli, command):
    streets = {"changqing": {"name": "长庆街道", "plugins": ["sensors", "credit"]}}
    result = jiedao_cli([*command, "--help"], streets=streets)
    assert result.exit_code == 0, f"jiedao {' '.join(command)}: {result.output}"


def test_every_setting_the_stack_passes_is_one_jiedao_reads():
    known = read_names()
    passed = set()
    for service in JIEDAO_SERVICES.values():
        passed |= {name for name in service.get("environment", {}) if name.startswith("JIEDAO_")}
    assert passed, "the services pass settings"
    assert passed - known == set()
    assert {"JIEDAO_DATABASE_URL", "JIEDAO_MIGRATION_DATABASE_URL", "JIEDAO_DB_APP_ROLE", "JIEDAO_MQTT_URL"} <= passed


def test_the_roles_are_the_owner_for_migrations_and_the_rls_bound_app_role_for_the_rest():
    init = (DEPLOY / "postgres" / "init-roles.sh").read_text()
    assert "CREATE ROLE jiedao_app LOGIN" in init and "NOBYPASSRLS" in init and "CREATE DATABASE jiedao OWNER jiedao_owner" in init
    migrate = SERVICES["migrate"]["environment"]
    assert "//jiedao_owner:" in migrate["JIEDAO_MIGRATION_DATABASE_URL"] and migrate["JIEDAO_DB_APP_ROLE"] == "jiedao_app"
    for name, service in JIEDAO_SERVICES.items():
        assert "//jiedao_app:" in service["environment"]["JIEDAO_DATABASE_URL"], name


def test_every_required_secret_is_in_the_example_environment():
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", (DEPLOY / "compose.yaml").read_text()))
    example = {line.split("=", 1)[0] for line in (DEPLOY / "env.example").read_text().splitlines() if "=" in line and not line.startswith("#")}
    assert required and required <= example


def test_the_broker_runs_the_sensors_plugins_settings_with_accounts_only():
    def settings(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]

    shipped = settings((ROOT / "plugins" / "sensors" / "deploy" / "mosquitto.conf").read_text())
    deployed = settings((DEPLOY / "mosquitto" / "mosquitto.conf").read_text())
    assert shipped and all(line in deployed for line in shipped)
    assert "allow_anonymous false" in deployed
    assert any(line.startswith("password_file ") for line in deployed) and any(line.startswith("acl_file ") for line in deployed)


def test_the_proxy_template_names_only_its_two_variables_and_upgrades_websockets():
    template = (DEPLOY / "nginx" / "jiedao.conf.template").read_text()
    assert set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", template)) == {"JIEDAO_LISTEN", "JIEDAO_UPSTREAMS"}
    assert set(SERVICES["proxy"]["environment"]) == {"JIEDAO_LISTEN", "JIEDAO_UPSTREAMS"}
    graphql = template[template.index("location /graphql/"):]
    assert "proxy_set_header Upgrade $http_upgrade;" in graphql and "proxy_set_header Connection $connection_upgrade;" in graphql
    assert SERVICES["api"]["environment"]["JIEDAO_TRUSTED_PROXIES"] == SERVICES["proxy"]["networks"]["default"]["ipv4_address"]


def test_the_image_is_built_from_the_lock_file_and_runs_as_a_non_root_user():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "COPY requirements.lock" in dockerfile and "pip install --no-deps -r requirements.lock" in dockerfile
    assert "pip install --no-deps --no-build-isolation ." in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert "--no-background" in dockerfile
    for copied in re.findall(r"^COPY (\S+) ", dockerfile, re.MULTILINE):
        assert (ROOT / copied).exists(), copied


def test_the_emqx_acl_allows_what_the_mosquitto_acl_allows(tmp_path):
    passwords, acl = tmp_path / "passwd", tmp_path / "acl"
    provision.issue("changqing", "EM-0001", "jiedao", passwords, acl)
    provision.issue_service("jiedao-ingest", "jiedao", "read", passwords, acl)
    provision.issue_service("jiedao-api", "jiedao", "readwrite", passwords, acl)
    provision.issue_service("sim", "jiedao", "write", passwords, acl)
    spec = importlib.util.spec_from_file_location("acl_from_mosquitto", DEPLOY / "emqx" / "acl_from_mosquitto.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rules = [line for line in module.translate(acl.read_text()).splitlines() if not line.startswith("%%")]
    assert rules == [
        '{allow, {username, "changqing.EM-0001"}, publish, ["jiedao/changqing/devices/EM-0001/telemetry"]}.',
        '{allow, {username, "changqing.EM-0001"}, publish, ["jiedao/changqing/devices/EM-0001/events"]}.',
        '{allow, {username, "changqing.EM-0001"}, all, ["jiedao/changqing/devices/EM-0001/status"]}.',
        '{allow, {username, "jiedao-ingest"}, subscribe, ["jiedao/#"]}.',
        '{allow, {username, "jiedao-api"}, all, ["jiedao/#"]}.',
        '{allow, {username, "sim"}, publish, ["jiedao/+/devices/#"]}.',
        "{deny, all}.",
    ]
    with pytest.raises(ValueError, match="line 2"):
        module.translate("user x\npattern read %u/#\n")
    emqx = (DEPLOY / "emqx" / "emqx.conf").read_text()
    assert "no_match = deny" in emqx and "max_mqueue_len = infinity" in emqx and "backend = built_in_database" in emqx
