"""doctor against moto's S3 server: credentials, bucket, the write probe, public reads."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from storectl import env as envmod
from storectl.providers import s3, s3_api
from testing.s3_server import BUCKET, REGION, S3Servers
from testing.tcp import tcp_peer
from tests.conftest import Result, run


def s3_env(servers: S3Servers, **extra: str) -> dict[str, str]:
    env = {
        "S3_BUCKET": BUCKET,
        "S3_REGION": REGION,
        "S3_ENDPOINT": servers.auth_endpoint,
        "S3_FILE_URL": f"{servers.open_endpoint}/{BUCKET}",
        "S3_ACCESS_KEY_ID": servers.access_key,
        "S3_SECRET_ACCESS_KEY": servers.secret_key,
    }
    env.update(extra)
    return env


def doctor(env: dict[str, str], *args: str) -> Result:
    return run("doctor", "--only", "s3", "--format", "json", "--timeout", "5", *args, env=env)


def by_check(result: Result) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in result.json()["checks"] if not c["check"].startswith("s3.")}


def probe_objects(endpoint: str) -> list[str]:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="AKIAOPEN",
        aws_secret_access_key="open",
    )
    listing = client.list_objects_v2(Bucket=BUCKET, Prefix=s3.PROBE_PREFIX)
    return [item["Key"] for item in listing.get("Contents", [])]


def test_all_green_on_the_open_server(s3_servers: S3Servers) -> None:
    env = s3_env(s3_servers, S3_ENDPOINT=s3_servers.open_endpoint)
    result = doctor(env)
    assert result.exit_code == 0, result.stdout
    checks = by_check(result)
    assert list(checks) == ["bucket", "write", "public-read", "cleanup"]
    assert all(c["status"] == "ok" for c in checks.values())
    assert probe_objects(s3_servers.open_endpoint) == []  # the probe object is gone


def test_credentials_checked_and_object_deleted(s3_servers: S3Servers) -> None:
    # The auth server cannot serve anonymous reads (moto answers them 500): public-read fails,
    # and the probe object is still deleted afterwards.
    result = doctor(s3_env(s3_servers, S3_FILE_URL=f"{s3_servers.auth_endpoint}/{BUCKET}"))
    checks = by_check(result)
    assert checks["bucket"]["status"] == "ok"
    assert checks["write"]["status"] == "ok"
    assert checks["public-read"]["status"] == "fail"
    assert checks["cleanup"]["status"] == "ok"
    assert s3_servers.secret_key not in result.stdout


def test_no_write(s3_servers: S3Servers) -> None:
    result = doctor(s3_env(s3_servers), "--no-write")
    assert result.exit_code == 0, result.stdout
    checks = by_check(result)
    assert checks["bucket"]["status"] == "ok"
    assert checks["write"]["status"] == "skip"
    assert "public-read" not in checks


def test_wrong_secret(s3_servers: S3Servers) -> None:
    result = doctor(s3_env(s3_servers, S3_SECRET_ACCESS_KEY="wrong" * 8))
    assert result.exit_code == 1
    bucket = by_check(result)["bucket"]
    assert (bucket["status"], bucket["stage"]) == ("fail", "AUTH")
    assert "SignatureDoesNotMatch" in bucket["summary"]


def test_unknown_access_key(s3_servers: S3Servers) -> None:
    bucket = by_check(doctor(s3_env(s3_servers, S3_ACCESS_KEY_ID="AKIAUNKNOWN0000000")))["bucket"]
    assert (bucket["stage"], bucket["summary"].split(":")[0]) == ("AUTH", "InvalidAccessKeyId")


def test_missing_bucket(s3_servers: S3Servers) -> None:
    bucket = by_check(doctor(s3_env(s3_servers, S3_BUCKET="no-such-bucket")))["bucket"]
    assert (bucket["status"], bucket["stage"]) == ("fail", "NOT_FOUND")
    assert "S3_BUCKET" in bucket["hint"]


def test_credentials_without_permissions(s3_servers: S3Servers) -> None:
    env = s3_env(
        s3_servers,
        S3_ACCESS_KEY_ID=s3_servers.denied_access_key,
        S3_SECRET_ACCESS_KEY=s3_servers.denied_secret_key,
    )
    checks = by_check(doctor(env))
    assert (checks["bucket"]["status"], checks["bucket"]["stage"]) == ("warn", "PERMISSION")
    assert (checks["write"]["status"], checks["write"]["stage"]) == ("fail", "PERMISSION")
    assert "s3:PutObject" in checks["write"]["hint"]


def test_object_not_publicly_readable(s3_servers: S3Servers) -> None:
    env = s3_env(
        s3_servers, S3_ENDPOINT=s3_servers.open_endpoint, S3_FILE_URL=s3_servers.forbidden_files
    )
    checks = by_check(doctor(env))
    read = checks["public-read"]
    assert (read["status"], read["stage"]) == ("fail", "PERMISSION")
    assert "not publicly readable" in read["summary"]
    assert checks["cleanup"]["status"] == "ok"
    assert probe_objects(s3_servers.open_endpoint) == []


def test_file_url_pointing_elsewhere(s3_servers: S3Servers) -> None:
    env = s3_env(
        s3_servers,
        S3_ENDPOINT=s3_servers.open_endpoint,
        S3_FILE_URL=f"{s3_servers.open_endpoint}/other-bucket",
    )
    read = by_check(doctor(env))["public-read"]
    assert (read["status"], read["stage"]) == ("fail", "CONFIG")
    assert "does not point at bucket shop" in read["summary"]


def test_endpoint_refused(s3_servers: S3Servers) -> None:
    with tcp_peer("close") as port:
        pass
    bucket = by_check(doctor(s3_env(s3_servers, S3_ENDPOINT=f"http://127.0.0.1:{port}")))["bucket"]
    assert (bucket["status"], bucket["stage"]) == ("fail", "CONNECT")


def test_endpoint_that_never_answers(s3_servers: S3Servers) -> None:
    with tcp_peer("silent") as port:
        result = doctor(
            s3_env(s3_servers, S3_ENDPOINT=f"http://127.0.0.1:{port}"), "--timeout", "1"
        )
    check = result.json()["checks"][-1]
    assert (check["status"], check["stage"]) == ("fail", "TIMEOUT")


def _client_error(code: str, status: int, headers: dict[str, str] | None = None) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": code},
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers or {}},
    }
    return ClientError(response, "PutObject")


@pytest.mark.parametrize(
    ("error", "stage", "words"),
    [
        (_client_error("AccessControlListNotSupported", 400), "CONFIG", "acl: false"),
        (
            _client_error("301", 301, {"x-amz-bucket-region": "eu-central-1"}),
            "CONFIG",
            "S3_REGION=eu-central-1",
        ),
    ],
)
def test_classification_of_errors_moto_does_not_produce(
    error: ClientError, stage: str, words: str
) -> None:
    """AWS answers these; moto does not, so the classifier is checked on AWS's error shapes."""
    env = envmod.load(env_files=(), process_env={"S3_BUCKET": "shop", "S3_REGION": "us-east-1"})
    got_stage, _summary, hint = s3_api.classify(error, env)
    assert got_stage.value == stage
    assert words in hint
