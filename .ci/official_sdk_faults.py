"""The official Python SDK gets through two injected 503s by retrying, and the
emulator's journal shows the three attempts (run by .ci/official-sdk)."""
import json
import sys
import urllib.request

from pangea.config import PangeaConfig
from pangea.services import AuthN

base, token = sys.argv[1], sys.argv[2]


def admin(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{base}/_emulator/{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


admin("DELETE", "journal")
admin("POST", "faults", {"path": "/v2/session/list", "status": 503, "times": 2})

authn = AuthN(token, config=PangeaConfig(base_url_template=base))
response = authn.session.list()
assert response.status == "Success", response.status
assert len(response.result.sessions) == 6, len(response.result.sessions)

journal = admin("GET", "journal")
attempts = [(e["path"], e["status"]) for e in journal]
assert attempts == [("/v2/session/list", 503)] * 2 + [("/v2/session/list", 200)], attempts
first, second, third = (e["request_id"] for e in journal)
assert journal[1]["retried_request_ids"] == first, journal[1]
# pangea-sdk keeps the ids in a set: their order is not defined.
assert sorted(journal[2]["retried_request_ids"].split(",")) == sorted([first, second]), journal[2]
assert admin("GET", "faults") == [], "the rule is used up"
print(f"pangea-sdk retried through 2 injected 503s: {attempts}; retried ids {journal[2]['retried_request_ids']}")
