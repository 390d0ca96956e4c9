#!/usr/bin/env python3
"""Walks GameLift paginators with boto3's own Paginator, for the paginator tests.

stdin:  {"endpoint": str, "region": str, "walks": [{"operation": "ListAliases", "input": {...}, "config": {...}}]}
stdout: [{"result": <build_full_result() with timestamps as epoch seconds>, "pages": int}]
"""
import datetime as dt
import json
import sys

import botocore

from liftlog_boto3 import gamelift_client

request = json.load(sys.stdin)
client = gamelift_client(request)


def plain(value):
    if isinstance(value, dt.datetime):
        return round(value.timestamp(), 3)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def walk(spec):
    paginator = client.get_paginator(botocore.xform_name(spec["operation"]))
    pages = list(paginator.paginate(**spec["input"], PaginationConfig=spec["config"]))
    full = paginator.paginate(**spec["input"], PaginationConfig=spec["config"]).build_full_result()
    return {"result": plain(full), "pages": len(pages)}


json.dump([walk(spec) for spec in request["walks"]], sys.stdout)
