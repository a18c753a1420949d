"""moto's S3 server over HTTP: one with credential checking on, one open for anonymous reads."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import boto3
import pytest

from testing.procs import free_port, http_server, process

BUCKET = "shop"
REGION = "us-east-1"
#: moto checks signatures once this many requests have been served: the set-up below.
_SETUP_ACTIONS = 7


@dataclass(frozen=True)
class S3Servers:
    auth_endpoint: str  # credential checking on: signatures and IAM policies enforced
    open_endpoint: str  # no credential checking: anonymous GETs work (public-read tests)
    forbidden_files: str  # a files host that refuses anonymous reads (403), like a private bucket
    access_key: str
    secret_key: str
    denied_access_key: str  # a valid key of a user without any S3 permission
    denied_secret_key: str


@contextmanager
def _moto_server(port: int, log: Path, auth: bool) -> Iterator[None]:
    env = {k: v for k, v in os.environ.items() if k != "INITIAL_NO_AUTH_ACTION_COUNT"}
    if auth:
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(_SETUP_ACTIONS)
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with process(argv, port, log, env=env):
        yield


class _Forbidden(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's hook name
        body = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _setup(endpoint: str) -> tuple[str, str, str, str]:
    """The first requests, before moto starts checking: users, keys, a policy, the bucket."""
    session = boto3.session.Session(
        aws_access_key_id="AKIASETUP", aws_secret_access_key="setup", region_name=REGION
    )
    iam = session.client("iam", endpoint_url=endpoint)
    iam.create_user(UserName="shop")
    key = iam.create_access_key(UserName="shop")["AccessKey"]
    policy = iam.create_policy(
        PolicyName="s3-all",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    iam.attach_user_policy(UserName="shop", PolicyArn=policy["Policy"]["Arn"])
    iam.create_user(UserName="nobody")
    denied = iam.create_access_key(UserName="nobody")["AccessKey"]
    session.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
    return (
        key["AccessKeyId"],
        key["SecretAccessKey"],
        denied["AccessKeyId"],
        denied["SecretAccessKey"],
    )


@pytest.fixture(scope="session")
def s3_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Servers]:
    folder = tmp_path_factory.mktemp("moto")
    auth_port, open_port = free_port(), free_port()
    with ExitStack() as stack:
        stack.enter_context(_moto_server(auth_port, folder / "auth.log", auth=True))
        stack.enter_context(_moto_server(open_port, folder / "open.log", auth=False))
        forbidden = stack.enter_context(http_server(_Forbidden))
        auth_endpoint = f"http://127.0.0.1:{auth_port}"
        open_endpoint = f"http://127.0.0.1:{open_port}"
        keys = _setup(auth_endpoint)
        boto3.client(
            "s3",
            endpoint_url=open_endpoint,
            region_name=REGION,
            aws_access_key_id="AKIAOPEN",
            aws_secret_access_key="open",
        ).create_bucket(Bucket=BUCKET)
        yield S3Servers(
            auth_endpoint,
            open_endpoint,
            forbidden,
            *keys,
        )
