"""S3 file storage: active when S3_BUCKET is set (Medusa's file-s3 provider), else local files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from storectl.env import Env
from storectl.model import Check, Finding, Severity, Stage, Status, finding
from storectl.net import limits
from storectl.net.deadline import Deadline
from storectl.providers.base import Endpoint, EnvVar, ProbeCheck, ProbeOptions, Provider
from storectl.providers.probe import Steps, network_stage
from storectl.providers.s3_api import (
    MEDUSA_ACL,
    bounded_http,
    classify,
    error_parts,
    make_client,
    service,
)
from storectl.providers.values import is_http_url, url_unparseable

NAME = "s3"

ENV_VARS = (
    EnvVar("S3_BUCKET", "bucket that holds uploaded files", required=True),
    EnvVar("S3_FILE_URL", "public base URL of the bucket's files", required=True),
    EnvVar("S3_ACCESS_KEY_ID", "access key id", required=True),
    EnvVar(
        "S3_SECRET_ACCESS_KEY",
        "secret access key",
        required=True,
        secret=True,
        user="S3_ACCESS_KEY_ID",
    ),
    EnvVar("S3_REGION", "bucket region (auto for Cloudflare R2)", required=True),
    EnvVar("S3_ENDPOINT", "endpoint for non-AWS storage: MinIO, DO Spaces, R2, Supabase"),
)


def lint(env: Env) -> Iterator[Finding]:
    if not env.is_set("S3_BUCKET"):
        return
    for spec in ENV_VARS:
        if spec.required and not env.is_set(spec.name):
            yield finding(
                NAME,
                "missing-var",
                Severity.ERROR,
                f"S3_BUCKET is set but {spec.name} ({spec.description}) is not",
                hint=f"set {spec.name} in the backend env file",
                source=env.source("S3_BUCKET"),
            )
    for name in ("S3_FILE_URL", "S3_ENDPOINT"):
        unparseable = url_unparseable(env.value(name)) if env.is_set(name) else None
        if unparseable is not None:
            yield finding(
                NAME,
                "url-unparseable",
                Severity.ERROR,
                f"{name} cannot be parsed: {unparseable}",
                hint=f"write {name} as https://host[/path]",
                source=env.source(name),
            )
        elif env.is_set(name) and not is_http_url(env.value(name)):
            yield finding(
                NAME,
                "url-invalid",
                Severity.ERROR,
                f"{name} is not an http(s) URL",
                hint=f"write {name} as https://host[/path]",
                source=env.source(name),
            )
    endpoint = env.value("S3_ENDPOINT")
    if endpoint and is_http_url(endpoint):
        label = service(endpoint)
        if label != "AWS S3":
            yield finding(
                NAME,
                "path-style",
                Severity.INFO,
                f"S3_ENDPOINT points at {label}: requests need path-style addressing, "
                "and S3_FILE_URL must then include the bucket (https://host/<bucket>)",
                hint="set forcePathStyle in the file-s3 options when the service needs it",
                source=env.source("S3_ENDPOINT"),
            )
        if label == "Cloudflare R2" and env.value("S3_REGION") != "auto":
            yield finding(
                NAME,
                "r2-region",
                Severity.WARNING,
                "Cloudflare R2 expects S3_REGION=auto",
                hint="set S3_REGION=auto",
                source=env.source("S3_REGION") or env.source("S3_ENDPOINT"),
            )


# --- live probe -----------------------------------------------------------------------------

PROBE_PREFIX = "storectl-probe/"


def probe(env: Env, options: ProbeOptions) -> list[Check]:
    bucket = env.value("S3_BUCKET")
    steps = Steps(NAME, bucket)
    missing = [s.name for s in ENV_VARS if s.required and not env.is_set(s.name)]
    if missing:
        steps.fail(
            "bucket",
            Stage.CONFIG,
            f"cannot check: {', '.join(missing)} not set",
            f"set {', '.join(missing)} (see the lint findings)",
        )
        return steps.checks
    deadline = Deadline(options.timeout)
    try:
        with bounded_http(deadline) as http:
            client = make_client(env, deadline, http)
            if not _bucket(client, bucket, env, steps):
                return steps.checks
            if options.write:
                _write_probe(client, http, bucket, env, steps)
            else:
                steps.add(
                    "write", Status.SKIP, "--no-write: upload, public read and delete not tried"
                )
    except Exception as exc:  # noqa: BLE001 - SDK errors end here, as a result
        step = "write" if any(c.check == "bucket" for c in steps.checks) else "bucket"
        stage, summary, hint = classify(exc, env)
        steps.fail(step, stage, summary, hint)
    return steps.checks


def _bucket(client: Any, bucket: str, env: Env, steps: Steps) -> bool:
    """HeadBucket; returns whether the write probe should go on."""
    from botocore.exceptions import ClientError

    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        status, _code, _headers = error_parts(exc)
        if status != 403:
            stage, summary, hint = classify(exc, env)
            steps.fail("bucket", stage, summary, hint)
            return False
        # HEAD answers carry no body: ask again with a GET to learn why (a wrong secret, an
        # unknown key, or credentials that only lack s3:ListBucket, which Medusa never needs).
        try:
            client.get_object(Bucket=bucket, Key=f"{PROBE_PREFIX}does-not-exist")
        except ClientError as again:
            stage, summary, hint = classify(again, env)
            if stage is Stage.AUTH:
                steps.fail("bucket", stage, summary, hint)
                return False
        steps.warn(
            "bucket",
            Stage.PERMISSION,
            f"HeadBucket on {bucket} is forbidden: the credentials lack s3:ListBucket",
            "Medusa does not need s3:ListBucket; the write probe below shows what it does need",
        )
        return True
    steps.ok("bucket", f"{bucket} exists and the credentials reach it")
    return True


def _write_probe(client: Any, http: Any, bucket: str, env: Env, steps: Steps) -> None:
    import uuid

    key = f"{PROBE_PREFIX}{uuid.uuid4().hex}.txt"
    body = f"storectl write probe {uuid.uuid4().hex}\n".encode()
    client.put_object(Bucket=bucket, Key=key, Body=body, ACL=MEDUSA_ACL, ContentType="text/plain")
    try:
        steps.ok("write", f"put {key} with ACL {MEDUSA_ACL}, as Medusa uploads")
        _public_read(http, env, key, body, steps)
    finally:
        try:
            client.delete_object(Bucket=bucket, Key=key)
            steps.ok("cleanup", f"deleted {key}")
        except Exception as exc:  # noqa: BLE001 - reported, the probe's other results stand
            stage, summary, _hint = classify(exc, env)
            steps.warn(
                "cleanup",
                stage,
                f"could not delete {key}: {summary}",
                f"delete {key} by hand and grant s3:DeleteObject (Medusa deletes files too)",
            )


def _public_read(http: Any, env: Env, key: str, body: bytes, steps: Steps) -> None:
    """Fetch the object anonymously at S3_FILE_URL/<key>, as a shopper's browser would.

    On the probe's bounded client (botocore's requests went through it too, so a kept-alive
    connection to the same host is reused; the GET itself carries no credentials): a drip or
    an endless body at S3_FILE_URL ends at the deadline or at limits.MAX_BODY."""
    import httpx

    url = f"{env.value('S3_FILE_URL').rstrip('/')}/{key}"
    try:
        http.cookies.clear()  # anonymous: not even a cookie the API's answers may have set
        answer = http.get(url)
        status, content = answer.status_code, answer.content
    except limits.LimitExceeded as exc:
        steps.fail(
            "public-read",
            Stage(exc.stage),
            f"S3_FILE_URL: {exc.message}",
            "S3_FILE_URL must be the public base URL of the bucket's files",
        )
        return
    except (httpx.HTTPError, OSError, ValueError) as exc:
        net = network_stage(exc) or (Stage.CONNECT, str(exc) or type(exc).__name__)
        steps.fail(
            "public-read",
            net[0],
            f"S3_FILE_URL: {net[1]}",
            "S3_FILE_URL must be the public base URL of the bucket's files",
        )
        return
    _judge_public_read(status, content == body, env.value("S3_BUCKET"), steps)


def _judge_public_read(status: int, same: bool, bucket: str, steps: Steps) -> None:
    """What the anonymous GET's status (and whether it served our bytes) says about the bucket."""
    if status == 200 and same:
        steps.ok("public-read", "the object is readable anonymously at S3_FILE_URL")
    elif status == 200:
        steps.fail(
            "public-read",
            Stage.CONFIG,
            "S3_FILE_URL answers 200 but serves other content for the probe object",
            f"point S3_FILE_URL at bucket {bucket}'s public URL",
        )
    elif status in (401, 403):
        steps.fail(
            "public-read",
            Stage.PERMISSION,
            f"{status}: uploaded files are not publicly readable: product "
            "images will not load in the storefront",
            "allow public reads (turn off Block Public Access for ACLs, or add a bucket policy "
            "granting s3:GetObject), or serve the files through a CDN and point S3_FILE_URL at it",
        )
    elif status == 404:
        steps.fail(
            "public-read",
            Stage.CONFIG,
            f"404: S3_FILE_URL does not point at bucket {bucket}",
            f"set S3_FILE_URL to the base URL of {bucket} (path-style: <endpoint>/{bucket})",
        )
    else:
        steps.fail(
            "public-read",
            Stage.PROTOCOL,
            f"{status} from S3_FILE_URL for the probe object",
            "check S3_FILE_URL",
        )


#: The live checks `probe` may report (doctor --list-checks).
CHECKS = (
    ProbeCheck("bucket", "the credentials reach the bucket in its region (HeadBucket)"),
    ProbeCheck(
        "write",
        "one object goes up under storectl-probe/ (--no-write: skipped)",
        writes=True,
        sends="PutObject under storectl-probe/",
    ),
    ProbeCheck("public-read", "S3_FILE_URL serves the object to anyone, as storefronts need"),
    ProbeCheck("cleanup", "the probe object was deleted again", writes=True, sends="DeleteObject"),
)


PROVIDER = Provider(
    checks=CHECKS,
    name=NAME,
    title="S3 file storage",
    activation="S3_BUCKET",
    env_vars=ENV_VARS,
    modules=("@medusajs/medusa/file-s3",),
    fallback="local file storage (@medusajs/medusa/file-local)",
    lint=lint,
    probe=probe,
    endpoint=Endpoint("S3_ENDPOINT"),
    shareable=True,  # reads only its own variables
)
