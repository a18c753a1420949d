"""S3 file storage: active when S3_BUCKET is set (Medusa's file-s3 provider), else local files."""

from __future__ import annotations

from collections.abc import Iterator

from storectl.env import Env
from storectl.providers._checks import is_http_url, split_url
from storectl.providers.base import EnvVar, Finding, Provider, Severity, finding

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
        if env.is_set(name) and not is_http_url(env.value(name)):
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


PROVIDER = Provider(
    name=NAME,
    title="S3 file storage",
    activation="S3_BUCKET",
    env_vars=ENV_VARS,
    modules=("@medusajs/medusa/file-s3",),
    fallback="local file storage (@medusajs/medusa/file-local)",
    lint=lint,
)
