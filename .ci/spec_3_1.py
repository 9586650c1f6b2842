"""Writes the spec as OpenAPI 3.1, for the tools that read 3.1 (schemathesis
in .ci/conformance): the filter's `x-pattern-properties` become
`patternProperties` with no other key allowed, and `nullable` becomes a
`null` type. Usage: spec_3_1.py IN.yaml OUT.yaml"""
import sys

import yaml


def convert(node):
    if isinstance(node, list):
        return [convert(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: convert(v) for k, v in node.items()}
    if "x-pattern-properties" in node:
        node["patternProperties"] = node.pop("x-pattern-properties")
        node["additionalProperties"] = False
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


if __name__ == "__main__":
    spec = convert(yaml.safe_load(open(sys.argv[1])))
    spec["openapi"] = "3.1.0"
    yaml.safe_dump(spec, open(sys.argv[2], "w"), sort_keys=False)
