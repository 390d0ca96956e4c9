#!/usr/bin/env python3
"""Adds operations to reference/gamelift-2015-10-01.subset.json from botocore's full GameLift model.

  python3 scripts/reference-subset.py CreateAlias DescribeAlias ...

The subset keeps every operation it already has, gains the named ones, and holds every shape the
operations reach (inputs, outputs, errors and their members), documentation removed. Shapes already
in the subset are kept as they are: they were cut from a newer copy of the model than the one botocore
may ship here, so only shapes the subset lacks are taken from botocore.
"""
import gzip
import json
import os
import sys

import botocore

HERE = os.path.dirname(os.path.abspath(__file__))
SUBSET = os.path.join(HERE, "..", "reference", "gamelift-2015-10-01.subset.json")
FULL = os.path.join(os.path.dirname(botocore.__file__), "data/gamelift/2015-10-01/service-2.json.gz")


def undocumented(node):
    if isinstance(node, dict):
        return {k: undocumented(v) for k, v in node.items() if k != "documentation"}
    if isinstance(node, list):
        return [undocumented(v) for v in node]
    return node


def reached(model, operations):
    """Every shape the operations name, directly or through members."""
    pending = []
    for name in operations:
        op = model["operations"][name]
        pending += [op[k]["shape"] for k in ("input", "output") if k in op]
        pending += [e["shape"] for e in op.get("errors", [])]
    seen = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = model["shapes"][name]
        pending += [m["shape"] for m in shape.get("members", {}).values()]
        pending += [shape[k]["shape"] for k in ("member", "key", "value") if k in shape]
    return seen


def main(added):
    subset = json.load(open(SUBSET))
    full = json.load(gzip.open(FULL))
    unknown = [name for name in added if name not in full["operations"]]
    if unknown:
        sys.exit(f"not operations of the GameLift model: {', '.join(unknown)}")
    for name in added:
        subset["operations"].setdefault(name, undocumented(full["operations"][name]))
    # Shapes new to the subset come from botocore; a shape botocore lacks must already be in the subset.
    merged = {**{k: undocumented(v) for k, v in full["shapes"].items()}, **subset["shapes"]}
    closure = reached({"operations": subset["operations"], "shapes": merged}, subset["operations"])
    subset["shapes"] = {name: merged[name] for name in closure}
    with open(SUBSET, "w") as out:
        out.write(json.dumps(subset, indent=1, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
