#!/usr/bin/env python3
"""Walks a fleet's event log with boto3's own DescribeFleetEvents paginator.

Usage: boto3_walks.py ENDPOINT REGION WALKS_JSON

WALKS_JSON is a list of {"name", "fleet", "config"} where config is a PaginationConfig. With
MaxItems in it, the walk resumes from each result's NextToken (StartingToken) until there is none,
as a script that reads a log in chunks would. Prints one JSON object per walk on its own line:
{"name", "lines", "requests", "resumptions", "seconds"}; each event is one line
"EventId | EventCode | ResourceId | EventTime ms | Count | log or - | Message" for the caller to compare.
All walks run in this one process: starting Python per walk would cost more than the walks.
"""
import datetime as dt
import json
import sys
import time

import boto3

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def line(event):
    ms = round((event["EventTime"] - EPOCH) / dt.timedelta(milliseconds=1))
    fields = [event["EventId"], event["EventCode"], event["ResourceId"], ms, event.get("Count", 1),
              "log" if "PreSignedLogUrl" in event else "-", event["Message"]]
    return " | ".join(str(f) for f in fields)


def main():
    endpoint, region, walks = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    client = boto3.client("gamelift", region_name=region, endpoint_url=endpoint,
                          aws_access_key_id="AKIDLIFTLOGTEST", aws_secret_access_key="secret")
    requests = [0]

    def count(**_):
        requests[0] += 1

    client.meta.events.register("after-call.gamelift.DescribeFleetEvents", count)
    paginator = client.get_paginator("describe_fleet_events")
    for walk in walks:
        requests[0] = 0
        started = time.monotonic()
        config = dict(walk["config"])
        lines, resumptions = [], 0
        if "MaxItems" in config:
            while True:
                result = paginator.paginate(FleetId=walk["fleet"], PaginationConfig=config).build_full_result()
                lines.extend(line(e) for e in result.get("Events", []))
                if "NextToken" not in result:
                    break
                config["StartingToken"] = result["NextToken"]
                resumptions += 1
        else:
            for page in paginator.paginate(FleetId=walk["fleet"], PaginationConfig=config):
                lines.extend(line(e) for e in page.get("Events", []))
        print(json.dumps({"name": walk["name"], "lines": lines, "requests": requests[0],
                          "resumptions": resumptions, "seconds": round(time.monotonic() - started, 1)}),
              flush=True)


if __name__ == "__main__":
    main()
