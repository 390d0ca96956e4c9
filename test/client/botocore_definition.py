"""botocore's Paginator with a given paginator definition, for liftlog's tests of the definition format.

stdin:  {"endpoint": str, "region": str, "operation": str, "input": {...}, "definition": {...}, "runs": [PaginationConfig]}
stdout: [{"full": build_full_result(), "resume": resume_token}]
"""
import json
import sys

from botocore import xform_name
from botocore.paginate import Paginator

from liftlog_boto3 import gamelift_client

request = json.load(sys.stdin)
client = gamelift_client(request)
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
