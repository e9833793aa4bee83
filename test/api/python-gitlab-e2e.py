"""Drives gitgate's API with python-gitlab, as an existing GitLab script would.

Run by python-gitlab.test.ts with the system /usr/bin/python3 and
-W error (any python-gitlab warning, such as a URL mismatch, fails the run).
Reads GITGATE_URL and GITGATE_TOKEN (an administrator token with api and
sudo); prints one JSON object with what the test then hands to git.
"""
import json
import os

import gitlab
import gitlab.const


def self_info(gl):
    """GET /personal_access_tokens/self: a manager method in newer python-gitlab."""
    manager = gl.personal_access_tokens
    if hasattr(manager, "get"):
        return manager.get("self").asdict()
    return gl.http_get("/personal_access_tokens/self")


def rotate(gl, token_id):
    """POST /personal_access_tokens/:id/rotate (python-gitlab >= 4 has .rotate())."""
    manager = gl.personal_access_tokens
    if hasattr(manager, "rotate"):
        return manager.rotate(token_id).asdict()
    return gl.http_post(f"/personal_access_tokens/{token_id}/rotate")


url = os.environ["GITGATE_URL"]
gl = gitlab.Gitlab(url, private_token=os.environ["GITGATE_TOKEN"])
gl.auth()
assert gl.user.username == "root", gl.user.username
# GET /version: python-gitlab answers ("unknown", "unknown") when it fails.
version, revision = gl.version()

dev = gl.users.create(
    {"username": "dev", "name": "Dev Eloper", "email": "dev@example.test", "password": "dev-password-123"}
)
assert dev.state == "active" and dev.is_admin is False
assert gl.users.get(dev.id).username == "dev"
assert [u.username for u in gl.users.list(username="dev")] == ["dev"]
# Following the Link header page by page (per_page=1) must reach every user.
assert sorted(u.username for u in gl.users.list(per_page=1, get_all=True)) == ["dev", "root"]

project = gl.projects.create({"name": "Demo Project", "visibility": "private"})
assert project.path_with_namespace == "root/demo-project"
assert gl.projects.get("root/demo-project").id == project.id

member = project.members.create({"user_id": dev.id, "access_level": gitlab.const.DEVELOPER_ACCESS})
assert member.access_level == 30
member.access_level = gitlab.const.REPORTER_ACCESS
member.save()
assert project.members.get(dev.id).access_level == 20
member.access_level = gitlab.const.DEVELOPER_ACCESS
member.save()
assert [m.username for m in project.members.list(get_all=True)] == ["dev"]

ci = dev.personal_access_tokens.create({"name": "ci", "scopes": ["api", "write_repository"]})
assert ci.token.startswith("glpat-") and sorted(ci.scopes) == ["api", "write_repository"]
temp = dev.personal_access_tokens.create({"name": "temp", "scopes": ["read_repository"]})

listed = gl.personal_access_tokens.list(get_all=True)
assert {ci.id, temp.id} <= {t.id for t in listed}
assert [t.name for t in gl.personal_access_tokens.list(user_id=dev.id, get_all=True)] == ["ci", "temp"]

as_dev = gitlab.Gitlab(url, private_token=ci.token)
as_dev.auth()
assert as_dev.user.username == "dev"
assert self_info(as_dev)["id"] == ci.id
assert [p.path_with_namespace for p in as_dev.projects.list(get_all=True)] == ["root/demo-project"]

# Sudo: the administrator acts as dev.
assert gl.http_get("/user", sudo="dev")["username"] == "dev"

rotated = rotate(gl, ci.id)
assert rotated["name"] == "ci" and rotated["token"] != ci.token

gl.personal_access_tokens.delete(temp.id)

try:
    gl.users.get(999999)
    raise AssertionError("expected a 404")
except gitlab.exceptions.GitlabGetError as err:
    assert err.response_code == 404, err.response_code

bad = gitlab.Gitlab(url, private_token="glpat-not-a-real-token")
try:
    bad.auth()
    raise AssertionError("expected a 401")
except gitlab.exceptions.GitlabAuthenticationError as err:
    assert err.response_code == 401, err.response_code

print(
    json.dumps(
        {
            "http_url_to_repo": project.http_url_to_repo,
            "rotated_token": rotated["token"],
            "old_token": ci.token,
            "deleted_token": temp.token,
            "version": [version, revision],
        }
    )
)
