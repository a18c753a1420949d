"""The S3 client: the only user of botocore. One botocore session per process, every request
through the bounded transport, and what its errors mean for a Medusa store (`classify`)."""

from __future__ import annotations

import threading
from typing import Any

from storectl.env import Env
from storectl.model import Stage
from storectl.net import limits
from storectl.net.deadline import Deadline
from storectl.providers.probe import TRUST_HINT, network_stage, tls_context
from storectl.providers.values import split_url

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


#: The ACL Medusa's file-s3 provider puts on every upload.
MEDUSA_ACL = "public-read"


_SESSION_LOCK = threading.Lock()
_SESSIONS: list[Any] = []


def _session() -> Any:
    """The process's one botocore session (call with _SESSION_LOCK held)."""
    if not _SESSIONS:
        import botocore.session

        _SESSIONS.append(botocore.session.get_session())
    return _SESSIONS[0]


def bounded_http(deadline: Deadline) -> Any:
    """The probe's one HTTP client (net/transport.bounded_client): botocore's requests and the
    anonymous read of S3_FILE_URL share its connections (one connection when the endpoint
    keeps it alive and S3_FILE_URL is on the same host)."""
    from storectl.net import transport

    return transport.bounded_client(
        deadline,
        ssl_context=tls_context(),
        timeout=deadline.remaining(),
        headers={"User-Agent": "storectl"},
    )


def make_client(env: Env, deadline: Deadline, http: Any = None) -> Any:
    """A botocore S3 client for the store's bucket, every request sent on `http` (a bounded
    client; a new one when None), under `deadline`."""
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
        client, deadline, timeout=deadline.remaining(), ssl_context=tls_context(), http=http
    )
    return client


def error_parts(exc: Any) -> tuple[int, str, dict[str, str]]:
    response = getattr(exc, "response", {}) or {}
    meta = response.get("ResponseMetadata", {})
    return (
        int(meta.get("HTTPStatusCode", 0)),
        str(response.get("Error", {}).get("Code", "")),
        meta.get("HTTPHeaders", {}) or {},
    )


def classify(exc: Exception, env: Env) -> tuple[Stage, str, str]:
    """(stage, summary, hint) for a botocore or socket error (or a limit S3 broke)."""
    if isinstance(exc, limits.LimitExceeded):
        return (
            Stage(exc.stage),
            f"S3_ENDPOINT: {exc.message}",
            "is S3_ENDPOINT an S3-compatible API answering at full speed? Or raise --timeout",
        )
    status, code, headers = error_parts(exc)
    verdict = (
        _by_code(code, status, env) or _by_region(status, headers, env) or _by_network(exc, env)
    )
    if verdict is not None:
        return verdict
    if code:
        return Stage.PROTOCOL, f"{code}: {exc}", "see the storage provider's error reference"
    return Stage.PROTOCOL, f"{type(exc).__name__}: {exc}", "check S3_ENDPOINT"


def _by_code(code: str, status: int, env: Env) -> tuple[Stage, str, str] | None:
    """What S3's error code (or a bare 403/404 status) says went wrong, if it says."""
    bucket = env.value("S3_BUCKET")
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
    return None


def _by_region(status: int, headers: dict[str, str], env: Env) -> tuple[Stage, str, str] | None:
    """A redirect or 400 that names the bucket's real region."""
    region = headers.get("x-amz-bucket-region")
    if status in (301, 400) and region:
        return (
            Stage.CONFIG,
            f"bucket {env.value('S3_BUCKET')} is in region {region}, not {env.value('S3_REGION')}",
            f"set S3_REGION={region}",
        )
    return None


def _by_network(exc: Exception, env: Env) -> tuple[Stage, str, str] | None:
    """Missing credentials, or a socket/TLS/timeout error on the way to the endpoint."""
    from botocore import exceptions as bx

    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return Stage.CONFIG, "no credentials", "set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY"
    net = network_stage(exc)
    if net is None and isinstance(exc, bx.ConnectTimeoutError | bx.ReadTimeoutError):
        net = (Stage.TIMEOUT, "no answer in time")
    if net is None and isinstance(exc, bx.EndpointConnectionError):
        net = (Stage.CONNECT, "cannot connect")
    if net is None:
        return None
    stage, reason = net
    where = env.value("S3_ENDPOINT") or f"AWS S3 ({env.value('S3_REGION')})"
    hint = TRUST_HINT if "certificate" in reason else "check S3_ENDPOINT and S3_REGION"
    return stage, f"{where}: {reason}", hint
