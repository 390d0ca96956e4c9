"""botocore's Paginator with a given paginator definition, for liftlog's tests of the definition format.

stdin:  {"endpoint": str, "region": str, "operation": str, "input": {...}, "definition": {...}, "runs": [PaginationConfig]}
stdout: [{"full": build_full_result(), "resume": resume_token}]
"""
import json
import sys

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.paginate import Paginator

request = json.load(sys.stdin)
client = boto3.client(
    "gamelift",
    endpoint_url=request["endpoint"],
    region_name=request["region"],
    aws_access_key_id="AKIDLIFTLOGTEST",
    aws_secret_access_key="secret",
    config=Config(retries={"total_max_attempts": 1}),
)
operation = request["operation"]
paginator = Paginator(
    getattr(client, xform_name(operation)),
    request["definition"],
    client.meta.service_model.operation_model(operation),
)


def run(config):
    pages = paginator.paginate(**request["input"], PaginationConfig=config)
    return {"full": pages.build_full_result(), "resume": pages.resume_token}


json.dump([run(config) for config in request["runs"]], sys.stdout, default=str)
