#!/usr/bin/python3
"""Validate JSON documents against a definition of OpenRouter's schema.

usage: schema_check.py SCHEMA_PATH DEF_NAME FILE...
Each FILE holds one JSON document. Prints one line per file:
  ok FILE
  invalid FILE: <path>: <message>   (one line per error)
Exit status 0 when all are valid, 1 otherwise, 2 on usage/setup errors.
"""
import json
import sys


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        import jsonschema
    except ImportError:
        print("schema_check: python3-jsonschema is not installed "
              "(apt-get install python3-jsonschema)", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    name = argv[2]
    if name not in schema.get("$defs", {}):
        print("schema_check: no definition %r in the schema" % name,
              file=sys.stderr)
        return 2
    root = dict(schema)
    root["$ref"] = "#/$defs/" + name
    cls = jsonschema.validators.validator_for(schema)
    validator = cls(root)
    bad = 0
    for path in argv[3:]:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        errors = sorted(validator.iter_errors(doc), key=lambda e: e.path)
        if not errors:
            print("ok %s" % path)
            continue
        bad += 1
        for e in errors[:10]:
            where = "$" + "".join("[%r]" % p if isinstance(p, int) else
                                  "." + str(p) for p in e.path)
            print("invalid %s: %s: %s" % (path, where, e.message[:300]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
