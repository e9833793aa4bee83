"""Drives gitgate's API with python-gitlab, as an existing GitLab script would.

Run by python-gitlab.test.ts with the system /usr/bin/python3 and
-W error (any python-gitlab warning, such as a URL mismatch, fails the run).
Reads GITGATE_URL and GITGATE_TOKEN (an administrator token with api and
sudo), and GITGATE_REFS_PROJECT (a project with branches main and feature/x
and tag v1.0), GITGATE_FEATURE_SHA and GITGATE_SSH_URL (what the API should
say of it); prints one JSON object with what the test then hands to git:
tokens it made, among them a restricted one and one minted by a token.
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

# Restricted tokens (issue 16): the administrator creates one for dev with
# every limit; the API answers and lists it back with the same fields.
RESTRICTED = {
    "projects": [project.id],
    "namespaces": ["dev", "Root"],
    "allowed_ips": ["127.0.0.1", "10.0.0.0/8", "2001:db8::/32"],
    "push_refs": ["refs/heads/bot/*", "refs/tags/v*"],
    "allow_force_push": False,
    "allow_ref_deletion": False,
}
EXPECTED = dict(RESTRICTED, namespaces=["dev", "root"], parent_token_id=None)
deploy = dev.personal_access_tokens.create(
    dict(RESTRICTED, name="deploy", scopes=["write_repository"], projects=["root/demo-project"])
)
assert {k: getattr(deploy, k) for k in EXPECTED} == EXPECTED, deploy.asdict()
listed = {t.name: t for t in gl.personal_access_tokens.list(user_id=dev.id, get_all=True)}
assert {k: getattr(listed["deploy"], k) for k in EXPECTED} == EXPECTED, listed["deploy"].asdict()
assert listed["ci"].projects is None and listed["ci"].allowed_ips is None and listed["ci"].allow_force_push is True
try:
    dev.personal_access_tokens.create({"name": "bad", "scopes": ["api"], "allowed_ips": ["10.0.0.300"]})
    raise AssertionError("expected a 400")
except gitlab.exceptions.GitlabCreateError as err:
    assert err.response_code == 400 and "allowed_ips" in err.error_message, (err.response_code, err.error_message)


def create_own_token(client, data):
    """POST /user/personal_access_tokens: python-gitlab 3.x has no manager for it."""
    return client.http_post("/user/personal_access_tokens", post_data=data)


# Attenuation: dev's ci token mints a narrower token for a step it does not trust.
step = create_own_token(
    as_dev, {"name": "step", "scopes": ["write_repository"], "projects": ["root/demo-project"], "allow_ref_deletion": False}
)
assert step["token"].startswith("glpat-") and step["parent_token_id"] == ci.id, step
assert step["projects"] == [project.id] and step["scopes"] == ["write_repository"], step
assert [t.parent_token_id for t in gl.personal_access_tokens.list(user_id=dev.id, get_all=True) if t.name == "step"] == [ci.id]
# A token without the api scope mints nothing; one with it, nothing broader than itself.
as_step = gitlab.Gitlab(url, private_token=step["token"])
try:
    create_own_token(as_step, {"name": "grandchild", "scopes": ["write_repository"]})
    raise AssertionError("expected a 403")
except gitlab.exceptions.GitlabHttpError as err:
    assert err.response_code == 403, err.response_code
try:
    create_own_token(as_dev, {"name": "wider", "scopes": ["write_repository", "sudo"]})
    raise AssertionError("expected a 403")
except gitlab.exceptions.GitlabHttpError as err:
    assert err.response_code == 403 and "sudo" in err.error_message, (err.response_code, err.error_message)

# What CI tools read of a repository: clone URLs, default branch, branches and tags.
tools = gl.projects.get(os.environ["GITGATE_REFS_PROJECT"])
assert tools.default_branch == "main", tools.default_branch
assert tools.ssh_url_to_repo == os.environ["GITGATE_SSH_URL"], tools.ssh_url_to_repo
assert sorted(b.name for b in tools.branches.list(get_all=True)) == ["feature/x", "main"]
# per_page=1: python-gitlab follows the Link header from page to page.
assert sorted(b.name for b in tools.branches.list(per_page=1, get_all=True)) == ["feature/x", "main"]
assert [b.name for b in tools.branches.list(search="feat", get_all=True)] == ["feature/x"]
feature = tools.branches.get("feature/x")
assert feature.name == "feature/x" and feature.merged is False and feature.default is False, feature.asdict()
assert feature.commit["id"] == os.environ["GITGATE_FEATURE_SHA"], feature.commit
main_branch = tools.branches.get("main")
assert main_branch.default is True and main_branch.merged is False and main_branch.can_push is True
assert [t.name for t in tools.tags.list(get_all=True)] == ["v1.0"]
try:
    tools.branches.get("no/such-branch")
    raise AssertionError("expected a 404")
except gitlab.exceptions.GitlabGetError as err:
    assert err.response_code == 404, err.response_code

# Sudo: the administrator acts as dev.
assert gl.http_get("/user", sudo="dev")["username"] == "dev"

rotated = rotate(gl, ci.id)
assert rotated["name"] == "ci" and rotated["token"] != ci.token
rotated_deploy = rotate(gl, deploy.id)
assert {k: rotated_deploy[k] for k in EXPECTED} == EXPECTED, rotated_deploy

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
            "child_token": step["token"],
            "restricted_token": rotated_deploy["token"],
            "version": [version, revision],
        }
    )
)
