"""The boto3 GameLift client the python test helpers use: liftlog's endpoint, the test key, no retries."""
import boto3
from botocore.config import Config


def gamelift_client(request):
    return boto3.client(
        "gamelift",
        endpoint_url=request["endpoint"],
        region_name=request["region"],
        aws_access_key_id="AKIDLIFTLOGTEST",
        aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1}),
    )
