"""Every body the emulator answers the seven session paths with validates
against the official response shapes (.ci/official-responses.schema.json),
for every order, filters, refresh with a JWT user token, and validation
errors with their official codes (run by .ci/official-shapes)."""
import json
import pathlib
import sys
import urllib.error
import urllib.request

from jsonschema import Draft202012Validator

base, token = sys.argv[1], sys.argv[2]
schema = json.loads((pathlib.Path(__file__).parent / "official-responses.schema.json").read_text())
Draft202012Validator.check_schema(schema)
checked = {}


def validator(name):
    return Draft202012Validator(
        {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{name}"},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{base}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    return status, (json.loads(text) if text else None)


def post(path, body, shape, status=200):
    got, answer = call("POST", path, body)
    assert got == status, (path, body, got, answer)
    errors = sorted(validator(shape).iter_errors(answer), key=str)
    assert not errors, f"{path} {body}: {shape} shape violated:\n" + "\n".join(
        f"  at {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10]
    )
    checked[shape] = checked.get(shape, 0) + 1
    return answer


# A user whose session has a JWT user token, claims, an audience and a client id.
state = call("GET", "/_emulator/state")[1]
jwt = "eyJhbGciOiJSUzI1NiJ9." + "eyJzdWIiOiJqd3QifQ" * 60 + ".c2lnbmF0dXJl"
state["users"].append({
    "id": "svc:ops/o'brien bot", "email": "bot@acme.de", "username": "bot", "enabled": False,
    "profile": {"department": "ops"},
    "sessions": [{
        "id": "pmt_jwtjwtjwtjwtjwtjwtjwtjwtjwtjwt22", "user_token": jwt,
        "refresh_token": "ptr_jwtjwtjwtjwtjwtjwtjwtjwtjwtjwt22",
        "created_at": "2026-11-23T03:00:00Z", "expire": "2099-01-01T00:00:00Z", "scopes": ["ops"],
        "audience": ["web"], "client_id": "psa_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a",
        "claims": {"tier": 3, "beta": True, "org": {"id": "org_1", "roles": ["admin"]}},
    }],
})
assert call("PUT", "/_emulator/state", state)[0] == 204

# The service list: every order, paged, and with filters.
for order_by in ["id", "created_at", "type", "identity", "email", "expire", "active_token_id"]:
    for order in ["asc", "desc"]:
        last = None
        while True:
            body = {"order": order, "order_by": order_by, "size": 7}
            if last:
                body["last"] = last
            last = post("/v2/session/list", body, "service_list")["result"].get("last")
            if not last:
                break
for filter in [
    {"email__contains": ["@", "example"]},
    {"enabled": False},
    {"username": "bot"},
    {"profile_department": "ops"},
    {"profile_department__exists": False},
    {"type__in": ["session"], "scopes": ["ops"]},
    {"created_at__gt": "2026-01-01T00:00:00Z", "expire__lte": "2099-01-01T00:00:00Z"},
]:
    post("/v2/session/list", {"filter": filter}, "service_list")

# The client calls, with every user's token.
users = call("GET", "/_emulator/state")[1]["users"]
for user in users:
    if user["sessions"]:
        post("/v2/client/session/list", {"token": user["sessions"][0]["user_token"], "size": 2}, "client_list")
fresh = post(
    "/v2/client/session/refresh",
    {"refresh_token": "ptr_jwtjwtjwtjwtjwtjwtjwtjwtjwtjwt22", "user_token": jwt},
    "refresh",
)["result"]
rotated = fresh["active_token"]["token"]
post("/v2/client/session/list", {"token": rotated}, "client_list")
post("/v2/client/session/refresh", {"refresh_token": fresh["refresh_token"]["token"]}, "refresh")
many = next(u for u in users if len(u["sessions"]) >= 3)
mine = many["sessions"]
post("/v2/client/session/invalidate", {"token": mine[0]["user_token"], "session_id": mine[1]["id"]}, "empty")
post("/v2/client/session/logout", {"token": mine[0]["user_token"]}, "empty")
post("/v2/session/invalidate", {"session_id": mine[2]["id"], "user_initiated": True}, "empty")
post("/v2/session/logout", {"user_id": "svc:ops/o'brien bot"}, "empty")

# Validation errors carry the official codes.
for path, body in [
    ("/v2/session/list", {"size": 0}),
    ("/v2/session/list", {"order": "sideways"}),
    ("/v2/session/list", {"filter": {"created_at__gt": "yesterday"}}),
    ("/v2/session/list", {"filter": {"nickname": "al"}}),
    ("/v2/session/list", {"filter": {"profile_first_name": "al"}}),
    ("/v2/session/list", {"filter": {"profile_phone__exists": "yes"}}),
    ("/v2/session/list", {"filter": None}),
    ("/v2/session/invalidate", {}),
    ("/v2/session/invalidate", {"session_id": ""}),
    ("/v2/session/logout", {"user_id": "a\nb"}),
    ("/v2/client/session/logout", {"token": ["x"]}),
]:
    post(path, body, "validation_error", status=400)

print("official shapes hold: " + ", ".join(f"{n} {shape}" for shape, n in sorted(checked.items())))
