"""S3 file storage: active when S3_BUCKET is set (Medusa's file-s3 provider), else local files."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from storectl.env import Env
from storectl.model import Check, Finding, Severity, Stage, Status, finding
from storectl.net.deadline import Deadline
from storectl.providers.base import Endpoint, EnvVar, ProbeCheck, ProbeOptions, Provider
from storectl.providers.probe import TRUST_HINT, Steps, network_stage, tls_context
from storectl.providers.values import is_http_url, split_url, url_unparseable

NAME = "s3"

ENV_VARS = (
    EnvVar("S3_BUCKET", "bucket that holds uploaded files", required=True),
    EnvVar("S3_FILE_URL", "public base URL of the bucket's files", required=True),
    EnvVar("S3_ACCESS_KEY_ID", "access key id", required=True),
    EnvVar("S3_SECRET_ACCESS_KEY", "secret access key", required=True, secret=True),
    EnvVar("S3_REGION", "bucket region (auto for Cloudflare R2)", required=True),
    EnvVar("S3_ENDPOINT", "endpoint for non-AWS storage: MinIO, DO Spaces, R2, Supabase"),
)

#: Known S3-compatible services by endpoint host suffix.
_SERVICES = (
    ("r2.cloudflarestorage.com", "Cloudflare R2"),
    ("digitaloceanspaces.com", "DigitalOcean Spaces"),
    ("supabase.co", "Supabase Storage"),
    ("amazonaws.com", "AWS S3"),
)


def service(endpoint: str) -> str:
    """Which storage an S3_ENDPOINT points at; anything unknown is taken for MinIO or similar."""
    parts = split_url(endpoint)
    host = (parts.hostname or "") if parts else ""
    for suffix, label in _SERVICES:
        if host == suffix or host.endswith("." + suffix):
            return label
    return "MinIO or another S3-compatible server"


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
#: The ACL Medusa's file-s3 provider puts on every upload.
MEDUSA_ACL = "public-read"


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
        client = _client(env, deadline)
        if not _bucket(client, bucket, env, steps):
            return steps.checks
        if options.write:
            _write_probe(client, bucket, env, steps, deadline)
        else:
            steps.add("write", Status.SKIP, "--no-write: upload, public read and delete not tried")
    except Exception as exc:  # noqa: BLE001 - SDK errors end here, as a result
        step = "write" if any(c.check == "bucket" for c in steps.checks) else "bucket"
        stage, summary, hint = _classify(exc, env)
        steps.fail(step, stage, summary, hint)
    return steps.checks


_SESSION_LOCK = threading.Lock()
_SESSIONS: list[Any] = []


def _session() -> Any:
    """The process's one botocore session (call with _SESSION_LOCK held)."""
    if not _SESSIONS:
        import botocore.session

        _SESSIONS.append(botocore.session.get_session())
    return _SESSIONS[0]


def _client(env: Env, deadline: Deadline) -> Any:
    from botocore.config import Config

    endpoint = env.value("S3_ENDPOINT") or None
    path_style = bool(endpoint) and service(endpoint or "") != "AWS S3"
    config = Config(
        connect_timeout=deadline.remaining(),
        read_timeout=deadline.remaining(),
        retries={"max_attempts": 1, "mode": "standard"},
        s3={"addressing_style": "path" if path_style else "auto"},
    )
    # Credentials come from the store's env only, never ~/.aws. One botocore session (and its
    # loader's parsed service model) serves every client of the process: a fresh session per
    # client re-reads and re-parses the S3 model, ~150 ms of CPU and ~13 MB each (issue 12).
    with _SESSION_LOCK:  # botocore sessions are not thread-safe; the clients they make are
        client = _session().create_client(
            "s3",
            region_name=env.value("S3_REGION"),
            endpoint_url=endpoint,
            aws_access_key_id=env.value("S3_ACCESS_KEY_ID"),
            aws_secret_access_key=env.get("S3_SECRET_ACCESS_KEY") or "",
            config=config,
        )
    # botocore sends PutObject with `Expect: 100-continue`: a round trip to ask whether it may
    # send a body of a few dozen bytes. The probe's object is tiny; skip the question.
    from botocore.handlers import add_expect_header

    client.meta.events.unregister("before-call.s3", add_expect_header)
    # Every request through the bounded transport: each read by the probe's deadline (its
    # thread stops reading when doctor gives up on it), each body capped at limits.MAX_BODY.
    from storectl.net import sdk

    sdk.install_botocore_limits(
        client, deadline, timeout=deadline.remaining(), ssl_context=tls_context()
    )
    return client


def _error(exc: Any) -> tuple[int, str, dict[str, str]]:
    response = getattr(exc, "response", {}) or {}
    meta = response.get("ResponseMetadata", {})
    return (
        int(meta.get("HTTPStatusCode", 0)),
        str(response.get("Error", {}).get("Code", "")),
        meta.get("HTTPHeaders", {}) or {},
    )


def _classify(exc: Exception, env: Env) -> tuple[Stage, str, str]:
    """(stage, summary, hint) for a botocore or socket error (or a limit S3 broke)."""
    from botocore import exceptions as bx

    from storectl.net import limits

    if isinstance(exc, limits.LimitExceeded):
        return (
            Stage(exc.stage),
            f"S3_ENDPOINT: {exc.message}",
            "is S3_ENDPOINT an S3-compatible API answering at full speed? Or raise --timeout",
        )

    bucket = env.value("S3_BUCKET")
    status, code, headers = _error(exc)
    if code == "InvalidAccessKeyId":
        return (
            Stage.AUTH,
            "InvalidAccessKeyId: the storage does not know S3_ACCESS_KEY_ID",
            "copy the access key id of an active key (and check S3_ENDPOINT points at the "
            "right service)",
        )
    if code == "SignatureDoesNotMatch":
        return (
            Stage.AUTH,
            "SignatureDoesNotMatch: S3_SECRET_ACCESS_KEY does not belong to S3_ACCESS_KEY_ID",
            "copy the secret that was shown when the access key was created",
        )
    if code == "AccessControlListNotSupported":
        return (
            Stage.CONFIG,
            f"the bucket has ACLs disabled (Object Ownership: bucket owner enforced), and Medusa "
            f"uploads with ACL {MEDUSA_ACL}",
            "enable ACLs on the bucket (Object Ownership: bucket owner preferred), or set "
            "Medusa's file-s3 option acl: false and make the bucket public with a policy",
        )
    if code in ("AccessDenied", "AllAccessDisabled") or status == 403:
        return (
            Stage.PERMISSION,
            f"AccessDenied: these credentials may not write to {bucket}",
            "grant s3:PutObject, s3:PutObjectAcl, s3:GetObject and s3:DeleteObject on "
            f"arn:aws:s3:::{bucket}/*",
        )
    if code in ("NoSuchBucket", "404") or status == 404:
        return Stage.NOT_FOUND, f"bucket {bucket} does not exist", "check S3_BUCKET and S3_ENDPOINT"
    region = headers.get("x-amz-bucket-region")
    if status in (301, 400) and region:
        return (
            Stage.CONFIG,
            f"bucket {bucket} is in region {region}, not {env.value('S3_REGION')}",
            f"set S3_REGION={region}",
        )
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return Stage.CONFIG, "no credentials", "set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY"
    net = network_stage(exc)
    if net is None and isinstance(exc, bx.ConnectTimeoutError | bx.ReadTimeoutError):
        net = (Stage.TIMEOUT, "no answer in time")
    if net is None and isinstance(exc, bx.EndpointConnectionError):
        net = (Stage.CONNECT, "cannot connect")
    if net is not None:
        stage, reason = net
        where = env.value("S3_ENDPOINT") or f"AWS S3 ({env.value('S3_REGION')})"
        hint = TRUST_HINT if "certificate" in reason else "check S3_ENDPOINT and S3_REGION"
        return stage, f"{where}: {reason}", hint
    if code:
        return Stage.PROTOCOL, f"{code}: {exc}", "see the storage provider's error reference"
    return Stage.PROTOCOL, f"{type(exc).__name__}: {exc}", "check S3_ENDPOINT"


def _bucket(client: Any, bucket: str, env: Env, steps: Steps) -> bool:
    """HeadBucket; returns whether the write probe should go on."""
    from botocore.exceptions import ClientError

    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        status, _code, _headers = _error(exc)
        if status != 403:
            stage, summary, hint = _classify(exc, env)
            steps.fail("bucket", stage, summary, hint)
            return False
        # HEAD answers carry no body: ask again with a GET to learn why (a wrong secret, an
        # unknown key, or credentials that only lack s3:ListBucket, which Medusa never needs).
        try:
            client.get_object(Bucket=bucket, Key=f"{PROBE_PREFIX}does-not-exist")
        except ClientError as again:
            stage, summary, hint = _classify(again, env)
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


def _write_probe(client: Any, bucket: str, env: Env, steps: Steps, deadline: Deadline) -> None:
    import uuid

    key = f"{PROBE_PREFIX}{uuid.uuid4().hex}.txt"
    body = f"storectl write probe {uuid.uuid4().hex}\n".encode()
    client.put_object(Bucket=bucket, Key=key, Body=body, ACL=MEDUSA_ACL, ContentType="text/plain")
    try:
        steps.ok("write", f"put {key} with ACL {MEDUSA_ACL}, as Medusa uploads")
        _public_read(env, key, body, steps, deadline)
    finally:
        try:
            client.delete_object(Bucket=bucket, Key=key)
            steps.ok("cleanup", f"deleted {key}")
        except Exception as exc:  # noqa: BLE001 - reported, the probe's other results stand
            stage, summary, _hint = _classify(exc, env)
            steps.warn(
                "cleanup",
                stage,
                f"could not delete {key}: {summary}",
                f"delete {key} by hand and grant s3:DeleteObject (Medusa deletes files too)",
            )


def _public_read(env: Env, key: str, body: bytes, steps: Steps, deadline: Deadline) -> None:
    """Fetch the object anonymously at S3_FILE_URL/<key>, as a shopper's browser would.

    On the bounded transport (httpx, already loaded for botocore's requests): a drip or an
    endless body at S3_FILE_URL ends at the deadline or at limits.MAX_BODY."""
    import httpx

    from storectl.net import limits, transport

    url = f"{env.value('S3_FILE_URL').rstrip('/')}/{key}"
    try:
        with transport.bounded_client(
            deadline,
            ssl_context=tls_context(),
            timeout=deadline.remaining(),
            headers={"User-Agent": "storectl"},
        ) as http:
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
    bucket = env.value("S3_BUCKET")
    if status == 200 and content == body:
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
    ),
    ProbeCheck("public-read", "S3_FILE_URL serves the object to anyone, as storefronts need"),
    ProbeCheck("cleanup", "the probe object was deleted again", writes=True),
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
