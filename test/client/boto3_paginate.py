"""Runs boto3's real DescribeFleetEvents paginator against a liftlog server, for the cross-client tests.

stdin:  {"endpoint": str, "region": str, "fleetId": str, "runs": [PaginationConfig]}
stdout: [{"ids": [EventId], "pageSizes": [int], "token": str | null} | {"error": str}]
"""
import json
import sys

from liftlog_boto3 import gamelift_client

request = json.load(sys.stdin)
client = gamelift_client(request)
paginator = client.get_paginator("describe_fleet_events")


def run(config):
    pages = paginator.paginate(FleetId=request["fleetId"], PaginationConfig=config)
    ids, sizes = [], []
    try:
        for page in pages:
            ids.extend(event["EventId"] for event in page["Events"])
            sizes.append(len(page["Events"]))
    except Exception as error:  # reported to the test, which prints it
        return {"error": f"{type(error).__name__}: {error}"}
    return {"ids": ids, "pageSizes": sizes, "token": pages.resume_token}


json.dump([run(config) for config in request["runs"]], sys.stdout)
