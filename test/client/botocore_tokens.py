"""botocore's own token encoding and StartingToken parsing, for liftlog's differential token tests.

stdin:  {"encode": [{"token": {...}, "skip": int | null}], "decode": [str], "inputTokens": [str]}
stdout: {"encoded": [str], "decoded": [{"token": {...}, "skip": int} | {"error": str} | {"crash": str}]}
("error": botocore refuses the token with ValueError; "crash": botocore fails on it in another way.)
"""
import json
import sys

from botocore.paginate import PageIterator, TokenEncoder

request = json.load(sys.stdin)
encoder = TokenEncoder()


def encode(case):
    token = dict(case["token"])
    if case["skip"] is not None:
        token["boto_truncate_amount"] = case["skip"]
    return encoder.encode(token)


def decode(starting_token):
    pages = PageIterator(None, request["inputTokens"], [], None, [], [], "Limit", None, starting_token, None, {})
    try:
        token, skip = pages._parse_starting_token()
    except ValueError as error:
        return {"error": str(error)}
    except Exception as error:  # e.g. AttributeError for base64 JSON that is not an object
        return {"crash": f"{type(error).__name__}: {error}"}
    if not isinstance(token, dict):
        return {"error": f"not a dict: {token!r}"}
    return {"token": token, "skip": skip}


json.dump({"encoded": [encode(c) for c in request["encode"]], "decoded": [decode(t) for t in request["decode"]]}, sys.stdout)
