"""Calls operations of seclake's AWS services with boto3, as given users, and reports how each answered.

Input (JSON on stdin):
  endpoint, region: where seclake listens
  users: {name: [access key id, secret]}
  calls: [{"service": "kms", "op": "Decrypt"}, ...]
  fixtures: {"*": {member: value}, "<service>": {member: value}, "<service>.<op>": {member: value}}
Each call's input holds the operation's required members (by its botocore model) and the members the
fixtures name for that operation; a member's value is the most specific fixture for its name, or a value made
from its shape (an enum's first value, a string of the minimal length, the smallest number, one element of a
list). A value {"$b64": "..."} is a blob.

Output (JSON on stdout): [{"user", "service", "op", "code", "message", "status"}]: code "OK" when the call
succeeded, "Errors:<code>" when it succeeded but its items failed (S3 DeleteObjects), else the error code
(the HTTP status for bodiless errors such as HEAD's).
"""
import base64
import datetime
import json
import sys

import boto3
import botocore.config
import botocore.exceptions
import botocore.session


def main():
    req = json.load(sys.stdin)
    fixtures = req["fixtures"]
    session = botocore.session.get_session()
    out = []
    for user, (key, secret) in req["users"].items():
        clients = {}
        for call in req["calls"]:
            svc, op = call["service"], call["op"]
            if svc not in clients:
                cfg = botocore.config.Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"},
                                             signature_version="s3v4" if svc == "s3" else None)
                clients[svc] = boto3.client(svc, endpoint_url=req["endpoint"], region_name=req["region"],
                                            aws_access_key_id=key, aws_secret_access_key=secret, config=cfg)
            client = clients[svc]
            model = session.get_service_model(svc)
            try:
                op_model = model.operation_model(op)
            except Exception as e:  # noqa: BLE001 - reported, not hidden
                out.append({"user": user, "service": svc, "op": op, "code": "NoSuchOperationInModel", "message": str(e)})
                continue
            named = {}
            for scope in ("*", svc, svc + "." + op):
                named.update(fixtures.get(scope, {}))
            params = build(op_model.input_shape, named, svc + "." + op, fixtures) if op_model.input_shape else {}
            res = {"user": user, "service": svc, "op": op}
            try:
                resp = client._make_api_call(op, params)
                res["code"] = "OK"
                errors = resp.get("Errors") if isinstance(resp, dict) else None
                if errors:  # a batch whose items failed one by one (S3 DeleteObjects)
                    res["code"] = "Errors:" + errors[0].get("Code", "")
                    res["message"] = errors[0].get("Message", "")
            except botocore.exceptions.ClientError as e:
                err = e.response.get("Error", {})
                res["code"] = err.get("Code", "")
                res["message"] = err.get("Message", "")
                res["status"] = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            except botocore.exceptions.ParamValidationError as e:
                res["code"], res["message"] = "ParamValidationError", str(e)
            out.append(res)
    json.dump(out, sys.stdout)


def build(shape, named, opkey, fixtures):
    """The required members of a structure, and the members the operation's own fixtures name."""
    own = fixtures.get(opkey, {})
    params = {}
    for name, member in shape.members.items():
        if name in shape.required_members or name in own:
            params[name] = value(name, member, named)
    return params


def value(name, shape, named):
    if name in named:
        return convert(named[name], shape)
    t = shape.type_name
    if t == "structure":
        return {n: value(n, m, named) for n, m in shape.members.items() if n in shape.required_members}
    if t == "list":
        n = max(shape.metadata.get("min", 1), 1)
        return [value(name, shape.member, named) for _ in range(n)]
    if t == "map":
        return {"k": "v"} if shape.metadata.get("min", 0) > 0 else {}
    if t == "string":
        if shape.enum:
            return shape.enum[0]
        return "x" * max(shape.metadata.get("min", 1), 1)
    if t in ("integer", "long"):
        return max(shape.metadata.get("min", 1), 1)
    if t == "boolean":
        return False
    if t == "blob":
        return b"x"
    if t == "timestamp":
        return datetime.datetime.now(datetime.timezone.utc)
    return None


def convert(v, shape):
    if isinstance(v, dict) and "$b64" in v:
        return base64.b64decode(v["$b64"])
    if shape.type_name == "blob" and isinstance(v, str):
        return v.encode()
    return v


if __name__ == "__main__":
    main()
