"""Generates response bodies of the seven operations from the spec's own
response schemas with hypothesis-jsonschema, for the decode property test
(tests/tests/generated_bodies.rs). Usage: decode_corpus.py OUT.jsonl [COUNT [POOL]].

The spec's OpenAPI 3.0 schemas become JSON Schema (refs, `nullable`, int64
bounds, arrays of at most 4); a success envelope's `status` is pinned to
`Success`, which is what makes it a success. A seeded pass then makes sure the corpus holds what a
lenient decoder must take: `audience: null`, nested `claims`, token `type`s
added later, and unknown fields at every level. Each is counted, and the
script fails if any is missing."""
import copy
import json
import pathlib
import random
import sys

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from spec_3_1 import convert as to_3_1  # noqa: E402
from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema

out = pathlib.Path(sys.argv[1])
total = int(sys.argv[2]) if len(sys.argv) > 2 else 10_500
# Bodies hypothesis-jsonschema generates per operation, recombined below.
POOL = int(sys.argv[3]) if len(sys.argv) > 3 else 150
root = pathlib.Path(__file__).resolve().parent.parent
spec = yaml.safe_load((root / "openapi/authn-session.yaml").read_text())
schemas = spec["components"]["schemas"]
I64 = (-(2**63), 2**63 - 1)


def convert(node):
    """The spec's schemas as JSON Schema for generation: the 3.1 forms
    (spec_3_1.convert), then int64 bounds, no `x-` keys, closed objects and
    short arrays."""
    return generation_form(to_3_1(node))


def generation_form(node):
    if isinstance(node, list):
        return [generation_form(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: generation_form(v) for k, v in node.items() if not k.startswith("x-") and k != "example"}
    if "$ref" in node:
        node["$ref"] = node["$ref"].replace("#/components/schemas/", "#/$defs/")
    if node.get("format") == "password":
        del node["format"]
    if node.get("type") == "integer":
        node.setdefault("minimum", I64[0])
        node.setdefault("maximum", I64[1])
    # Closed here, as generating the keys an open object may add costs hypothesis-jsonschema
    # a merge on every draw; the lenient pass below adds unknown fields instead.
    if "properties" in node:
        node.setdefault("additionalProperties", False)
    if node.get("type") == "array" or "array" in node.get("type", []):
        node.setdefault("maxItems", 4)
    return node


defs = convert(schemas)
for name in ["EmptyResponse", "SessionListResponse", "ClientSessionListResponse", "ClientSessionRefreshResponse"]:
    defs[name]["properties"]["status"] = {"const": "Success"}

OPERATIONS = {}
for path, item in spec["paths"].items():
    op = item["post"]
    ref = spec["components"]["responses"][op["responses"]["200"]["$ref"].split("/")[-1]]
    schema = ref["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    OPERATIONS[op["operationId"]] = schema
assert len(OPERATIONS) == 7, OPERATIONS

rng = random.Random(20261201)
counts = {"audience: null": 0, "nested claims": 0, "unknown token type": 0, "unknown field": 0}


def unknown_value():
    return rng.choice([None, 7, -1.5, True, "x", [1, "two", None], {"nested": {"deep": [True, {"k": "v"}]}}])


def add_unknown(obj):
    if rng.random() < 0.3:
        obj[f"field_added_later_{rng.randrange(1000)}"] = unknown_value()
        counts["unknown field"] += 1


def token_record(token):
    if not isinstance(token, dict):
        return
    if rng.random() < 0.3:
        token["audience"] = None
    if token.get("audience", []) is None:
        counts["audience: null"] += 1
    if rng.random() < 0.3:
        token["claims"] = {"tier": rng.randrange(10), "org": {"id": "org_1", "roles": ["admin", {"scoped": True}]}, "exp": 1.5e9}
    if any(isinstance(v, (dict, list)) for v in token.get("claims", {}).values()):
        counts["nested claims"] += 1
    if rng.random() < 0.2:
        token["type"] = rng.choice(["service_account_pangea", "a_kind_added_later", "ÜNKNOWN"])
    if token.get("type") not in ("client", "service", "service_account", "service_account_client", "service_account_pangea", "session", "user"):
        counts["unknown token type"] += 1
    add_unknown(token)


def lenient(operation, body):
    add_unknown(body)
    result = body.get("result")
    if isinstance(result, dict):
        add_unknown(result)
        for item in result.get("sessions", []):
            add_unknown(item)
            token_record(item.get("active_token"))
        for key in ("refresh_token", "active_token"):
            token_record(result.get(key))
    return body


def inline(node):
    """The schema with every `$ref` replaced by its target (the spec has no
    recursive schema)."""
    if isinstance(node, list):
        return [inline(n) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return inline(defs[node["$ref"].split("/")[-1]])
    return {k: inline(v) for k, v in node.items()}


# hypothesis-jsonschema makes about 15 bodies a second of these schemas, so
# it generates a pool of each operation's bodies, and the corpus recombines
# their parts: an envelope of one, the sessions of others, the token records
# of others. Each part was generated from its schema, so each body is still
# an instance of the operation's response schema.
generated = {}
for operation, name in sorted(OPERATIONS.items()):
    found = []

    @settings(
        max_examples=POOL,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(inline(defs[name])))
    def collect(body):
        found.append(body)

    collect()
    generated[operation] = found
sessions = [s for op in ("session_list", "client_session_list") for b in generated[op] for s in b["result"]["sessions"]]
tokens = [b["result"][k] for b in generated["client_session_refresh"] for k in ("refresh_token", "active_token") if k in b["result"]]
assert sessions and tokens, "the pools hold sessions and token records"

bodies = []
for n in range(total):
    operation = sorted(OPERATIONS)[n % len(OPERATIONS)]
    body = copy.deepcopy(rng.choice(generated[operation]))
    result = body["result"]
    if "sessions" in result:
        result["sessions"] = copy.deepcopy(rng.sample(sessions, rng.randrange(0, 5)))
    if "refresh_token" in result:
        result["refresh_token"] = copy.deepcopy(rng.choice(tokens))
        if "active_token" in result or rng.random() < 0.5:
            result["active_token"] = copy.deepcopy(rng.choice(tokens))
    bodies.append((operation, lenient(operation, body)))

with out.open("w") as f:
    for operation, body in bodies:
        f.write(json.dumps({"operation": operation, "body": body}) + "\n")
missing = [k for k, v in counts.items() if v == 0]
assert not missing, f"the corpus lacks {missing}: {counts}"
print(f"{len(bodies)} bodies for {len(OPERATIONS)} operations in {out}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
