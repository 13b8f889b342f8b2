#!/usr/bin/env python3
"""Checks messages against vmig's exported JSON Schemas with the `jsonschema` package.

An independent check that the Swift validator (QAPISchema.validateArguments) and the exported
schemas (QAPISchema.jsonSchemas / `qapi-gen json-schema`) agree; Tests/QAPITests runs it.

Usage: jsonschema-check.py REQUEST.json
REQUEST: {"schemas": {"commands": {NAME: schema}, "events": {NAME: schema}},
          "cases": [{"kind": "commands" | "events", "name": NAME, "instance": VALUE}, ...]}
Prints a JSON array with one boolean per case (true: the instance is valid). Every schema is also
checked against the draft 2020-12 meta-schema; an invalid one ends the run with status 1.
"""
import json
import sys

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as request_file:
        request = json.load(request_file)
    validators = {}
    for kind, schemas in request["schemas"].items():
        for name, schema in schemas.items():
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as error:
                print(f"{kind}/{name}: invalid JSON Schema: {error.message}", file=sys.stderr)
                return 1
            validators[(kind, name)] = Draft202012Validator(schema)
    verdicts = [validators[(case["kind"], case["name"])].is_valid(case["instance"]) for case in request["cases"]]
    json.dump(verdicts, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
