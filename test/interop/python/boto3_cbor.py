#!/usr/bin/env python3
"""boto3 speaking Smithy RPC v2 CBOR to liftlog (run with AWS_DATA_PATH at a GameLift model that
offers only smithy-rpc-v2-cbor, and a boto3 new enough to speak it).

Usage: boto3_cbor.py ENDPOINT REGION FLEET_ARN JSON_TOKEN

Prints one JSON object: the protocol and requests boto3 used, the fleet's whole event log walked
with the paginator (pages of 9), the page resumed from JSON_TOKEN (a NextToken minted over JSON 1.1)
with its own NextToken, a fleet created, described and deleted, and the errors boto3 raised.
Event lines are "EventId | EventCode | ResourceId | EventTime ms | Count | log or - | Message".
"""
import datetime as dt
import json
import sys

import boto3
from boto3_walks import line


def main():
    endpoint, region, fleet, token = sys.argv[1:5]
    client = boto3.client("gamelift", region_name=region, endpoint_url=endpoint,
                          aws_access_key_id="AKIDLIFTLOGTEST", aws_secret_access_key="secret")
    sent = set()

    def record(request, **_):
        path = request.url[len(endpoint):]
        sent.add(f"{path} {request.headers.get('Content-Type', b'').decode()} {request.headers.get('smithy-protocol', b'').decode()}")

    client.meta.events.register("before-send.gamelift", record)
    out = {"protocol": client.meta.service_model.protocol}

    pages = client.get_paginator("describe_fleet_events").paginate(FleetId=fleet, PaginationConfig={"PageSize": 9})
    out["walk"] = [line(e) for page in pages for e in page["Events"]]

    resumed = client.describe_fleet_events(FleetId=fleet, Limit=25, NextToken=token)
    out["resumed"] = {"lines": [line(e) for e in resumed["Events"]], "NextToken": resumed["NextToken"]}

    build = client.create_build(Name="game", Version="1.0",
                                StorageLocation={"Bucket": "b", "Key": "game.zip", "RoleArn": "arn:aws:iam::111122223333:role/gl"})
    created = client.create_fleet(Name="cbor-fleet", BuildId=build["Build"]["BuildId"], EC2InstanceType="c5.large",
                                  RuntimeConfiguration={"ServerProcesses": [{"LaunchPath": "/local/game/server",
                                                                             "ConcurrentExecutions": 1}]})
    fleet_id = created["FleetAttributes"]["FleetId"]
    described = client.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]
    client.delete_fleet(FleetId=fleet_id)
    out["fleet"] = {"FleetId": fleet_id, "Status": described["Status"], "Name": described["Name"],
                    "CreationTimeIsDatetime": isinstance(described["CreationTime"], dt.datetime),
                    "codes": [e["EventCode"] for e in client.describe_fleet_events(FleetId=fleet_id)["Events"]]}

    errors = []
    for exception, kwargs in [("NotFoundException", {"FleetId": "fleet-00000000-0000-0000-0000-000000000000"}),
                              ("InvalidRequestException", {"FleetId": "not a fleet"})]:
        try:
            client.describe_fleet_events(**kwargs)
            errors.append({"raised": None})
        except getattr(client.exceptions, exception) as err:
            errors.append({"raised": type(err).__name__, "code": err.response["Error"]["Code"],
                           "message": err.response["Error"]["Message"],
                           "status": err.response["ResponseMetadata"]["HTTPStatusCode"]})
    out["errors"] = errors
    out["sent"] = sorted(sent)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
