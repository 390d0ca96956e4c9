#!/usr/bin/env python3
"""boto3 against liftlog over HTTPS.

Usage: boto3_tls.py ENDPOINT REGION FLEET_ID CA_FILE

Prints one JSON object: "trusted" (the fleet's events read with verify=CA_FILE, as
"EventId | EventCode | ... " lines) and "untrusted" (the error class boto3 raised with the
default trust store, which does not know the test CA).
"""
import json
import sys

import boto3
from boto3_walks import line


def client(endpoint, region, verify):
    return boto3.client("gamelift", region_name=region, endpoint_url=endpoint, verify=verify,
                        aws_access_key_id="AKIDLIFTLOGTEST", aws_secret_access_key="secret")


def main():
    endpoint, region, fleet, ca = sys.argv[1:5]
    out = {"trusted": [line(e) for e in client(endpoint, region, ca).describe_fleet_events(FleetId=fleet)["Events"]]}
    try:
        client(endpoint, region, None).describe_fleet_events(FleetId=fleet)
        out["untrusted"] = None
    except Exception as err:  # noqa: BLE001 - the class is what the test checks
        out["untrusted"] = type(err).__name__
    print(json.dumps(out))


if __name__ == "__main__":
    main()
