"""Volunteer service through the GraphQL API, on SQLite and PostgreSQL (Jiedao's testing kit)."""

from jiedao.core.testing.fixtures import build_registry
from jiedao.schema.ids import encode_global_id

CREATE = 'mutation { createVolunteerTeam(input: {name: "春燕服务队", serviceDay: "周六"}) { team { id name } errors { code } } }'
ADD = "mutation($t: ID!, $r: ID!) { addVolunteer(input: {teamId: $t, residentId: $r}) { team { name } errors { field code } } }"
RECORD = """
mutation($t: ID!, $p: [ParticipantInput!]!, $at: DateTime!) {
  recordVolunteerService(input: {teamId: $t, title: "楼道清理", heldAt: $at, participants: $p}) {
    service { title hours team { name } } errors { field code }
  }
}
"""


async def team_with_members(kernel, client, members=3):
    ids = await build_registry(kernel, "changqing", buildings=1, units_per_building=members)
    token = await client.token("community_worker")
    team = (await client.query(CREATE, token=token))["createVolunteerTeam"]["team"]["id"]
    residents = [encode_global_id("Resident", r) for r in ids["residents"]]
    for resident in residents:
        assert (await client.query(ADD, {"t": team, "r": resident}, token=token))["addVolunteer"]["errors"] == []
    return token, team, residents


async def test_services_add_up_to_each_residents_volunteer_hours(kernel, client):
    token, team, residents = await team_with_members(kernel, client)
    for hours in (2, 1.5):
        done = await client.query(RECORD, {"t": team, "at": "2026-06-06T09:00:00+08:00", "p": [{"residentId": residents[0], "hours": hours}, {"residentId": residents[1], "hours": 1}]}, token=token)
        assert done["recordVolunteerService"]["errors"] == []
        assert done["recordVolunteerService"]["service"]["team"]["name"] == "春燕服务队"
    data = await client.query("{ residents(first: 10) { edges { node { id volunteerHours } } } }", token=token)
    hours = {e["node"]["id"]: e["node"]["volunteerHours"] for e in data["residents"]["edges"]}
    assert hours[residents[0]] == 3.5 and hours[residents[1]] == 2 and hours[residents[2]] == 0


async def test_only_members_can_be_recorded_and_nothing_is_half_written(kernel, client):
    token, team, residents = await team_with_members(kernel, client, members=2)
    outsider_ids = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    outsider = encode_global_id("Resident", outsider_ids["residents"][0])
    refused = await client.query(RECORD, {"t": team, "at": "2026-06-06T09:00:00+08:00", "p": [{"residentId": residents[0], "hours": 2}, {"residentId": outsider, "hours": 2}]}, token=token)
    assert refused["recordVolunteerService"] == {"service": None, "errors": [{"field": "participants", "code": "NOT_A_MEMBER"}]}
    page = await client.query("{ volunteerServices(first: 5) { totalCount } }", token=token)
    assert page["volunteerServices"]["totalCount"] == 0
    duplicate = await client.query(ADD, {"t": team, "r": residents[0]}, token=token)
    assert duplicate["addVolunteer"]["errors"] == [{"field": "residentId", "code": "DUPLICATE"}]


async def test_volunteer_hours_of_many_residents_cost_one_statement(kernel, client):
    token, team, residents = await team_with_members(kernel, client, members=2)
    few = await client.statements("{ residents(first: 100) { edges { node { volunteerHours } } } }", token=token)
    await build_registry(kernel, "changqing", buildings=5, units_per_building=10)
    many = await client.statements("{ residents(first: 100) { edges { node { volunteerHours } } } }", token=token)
    assert few == many


async def test_inspectors_cannot_manage_teams(client):
    token = await client.token("inspector")
    errors = await client.errors(CREATE, token=token)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_other_streets_do_not_get_the_plugin(kernel, client):
    token = await client.token("community_worker", "gongchen")  # introspection needs a logged-in caller
    fields = await client.query('{ __type(name: "Resident") { fields { name } } }', street="gongchen", token=token)
    assert "volunteerHours" not in {f["name"] for f in fields["__type"]["fields"]}
    assert await client.query('{ __type(name: "VolunteerTeam") { name } }', street="gongchen", token=token) == {"__type": None}
    errors = await client.errors("{ volunteerTeams { name } }", street="gongchen")
    assert "plugin 'volunteer'" in errors[0]["message"]


async def test_the_plugin_publishes_its_figures_for_dashboards(kernel):
    keys = {metric.key for plugin, metric in kernel.contributions.metrics if plugin == "volunteer"}
    assert keys == {"volunteer.services.held", "volunteer.hours.served"}


async def test_ids_of_another_street_or_type_are_refused_naming_the_field(kernel, client):
    token, team, residents = await team_with_members(kernel, client, members=1)
    elsewhere = await build_registry(kernel, "gongchen", buildings=1, units_per_building=1)
    stranger = encode_global_id("Resident", elsewhere["residents"][0])
    refused = await client.query(ADD, {"t": team, "r": stranger}, token=token)
    assert refused["addVolunteer"] == {"team": None, "errors": [{"field": "residentId", "code": "NOT_FOUND"}]}
    wrong_type = await client.query(ADD, {"t": residents[0], "r": residents[0]}, token=token)
    assert wrong_type["addVolunteer"]["errors"] == [{"field": "teamId", "code": "INVALID_ID"}]
    nested = await client.query(RECORD, {"t": team, "at": "2026-06-06T09:00:00+08:00", "p": [{"residentId": stranger, "hours": 1}]}, token=token)
    assert nested["recordVolunteerService"]["errors"] == [{"field": "participants[0].residentId", "code": "NOT_FOUND"}]


async def test_every_change_is_audited_with_its_targets_global_id(kernel, client):
    token, team, residents = await team_with_members(kernel, client, members=1)
    admin = await client.token("street_admin")
    log = await client.query('{ auditLog(first: 20) { edges { node { actor action target } } } }', token=admin)
    entries = [e["node"] for e in log["auditLog"]["edges"]]
    assert {"actor": entries[0]["actor"], "action": "volunteer.team.created", "target": team} in entries
    assert any(e["action"] == "volunteer.member.added" and e["target"] == team for e in entries)
