#!/usr/bin/env python3
"""boto3 against a liftlog in strict auth mode (signatures verified).

Usage: boto3_strict.py ENDPOINT REGION FLEET_ARN ACCESS_KEY_ID SECRET

Prints one JSON object, one entry per case: the events read with the right secret, and for a
wrong secret, an unknown key, a date 20 minutes old, and a body altered after signing, the error
boto3 raised (code, message, HTTP status). "presigned" is ListFleets called through a URL made by
generate_presigned_url (the signature in the query string, sent with the headers it signed).
"""
import datetime as dt
import json
import sys
import urllib.request

import boto3
import botocore.auth
from botocore.exceptions import ClientError
from boto3_walks import line


def client(endpoint, region, key, secret):
    return boto3.client("gamelift", region_name=region, endpoint_url=endpoint,
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=botocore.config.Config(retries={"max_attempts": 1}))


def attempt(call):
    try:
        return {"ok": call()}
    except ClientError as err:
        return {"code": err.response["Error"]["Code"], "message": err.response["Error"]["Message"],
                "status": err.response["ResponseMetadata"]["HTTPStatusCode"]}


def main():
    endpoint, region, fleet, key, secret = sys.argv[1:6]
    out = {}
    good = client(endpoint, region, key, secret)
    events = lambda c: [line(e) for e in c.describe_fleet_events(FleetId=fleet)["Events"]]  # noqa: E731
    out["right"] = attempt(lambda: events(good))
    out["wrong_secret"] = attempt(lambda: events(client(endpoint, region, key, secret + "x")))
    out["unknown_key"] = attempt(lambda: events(client(endpoint, region, "AKIDNOBODYKNOWS", secret)))

    real_now = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda *a, **k: real_now(*a, **k) - dt.timedelta(minutes=20)
    out["stale"] = attempt(lambda: events(client(endpoint, region, key, secret)))
    botocore.auth.get_current_datetime = real_now

    altered = client(endpoint, region, key, secret)

    def alter(request, **_):
        request.body = request.body.replace(b'"Limit": 5', b'"Limit": 6')

    altered.meta.events.register("before-send.gamelift", alter)
    out["altered"] = attempt(lambda: altered.describe_fleet_events(FleetId=fleet, Limit=5)["Events"])

    url = good.generate_presigned_url("list_fleets", Params={}, HttpMethod="POST")
    request = urllib.request.Request(url, data=b"", method="POST", headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "GameLift.ListFleets"})
    with urllib.request.urlopen(request) as response:
        out["presigned"] = {"url": url.split("?")[0], "query": sorted(p.split("=")[0] for p in url.split("?")[1].split("&")),
                            "body": json.loads(response.read())}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
