"""The Medusa backend itself: its URL and admin credentials, for live checks and admin changes."""

from __future__ import annotations

from collections.abc import Iterator

from storectl.env import Env
from storectl.providers._checks import is_http_url
from storectl.providers.base import EnvVar, Finding, Provider, Severity, finding

NAME = "medusa"

ENV_VARS = (
    EnvVar("MEDUSA_BACKEND_URL", "URL of the Medusa backend", required=True),
    EnvVar("MEDUSA_ADMIN_API_KEY", "admin secret API key (sent as HTTP Basic)", secret=True),
    EnvVar("MEDUSA_ADMIN_EMAIL", "admin user email (when no API key is set)"),
    EnvVar("MEDUSA_ADMIN_PASSWORD", "admin user password", secret=True),
)


def lint(env: Env) -> Iterator[Finding]:
    if not env.is_set("MEDUSA_BACKEND_URL"):
        return
    if not is_http_url(env.value("MEDUSA_BACKEND_URL")):
        yield finding(
            NAME,
            "url-invalid",
            Severity.ERROR,
            "MEDUSA_BACKEND_URL is not an http(s) URL",
            hint="write it as https://api.example.com (no path)",
            source=env.source("MEDUSA_BACKEND_URL"),
        )
    email, password = env.is_set("MEDUSA_ADMIN_EMAIL"), env.is_set("MEDUSA_ADMIN_PASSWORD")
    if email != password:
        have, lack = (
            ("MEDUSA_ADMIN_EMAIL", "MEDUSA_ADMIN_PASSWORD")
            if email
            else ("MEDUSA_ADMIN_PASSWORD", "MEDUSA_ADMIN_EMAIL")
        )
        yield finding(
            NAME,
            "admin-credentials-incomplete",
            Severity.ERROR,
            f"{have} is set but {lack} is not",
            hint=f"set {lack}, or use MEDUSA_ADMIN_API_KEY (a secret API key) instead",
            source=env.source(have),
        )
    elif email and env.is_set("MEDUSA_ADMIN_API_KEY"):
        yield finding(
            NAME,
            "admin-credentials-both",
            Severity.INFO,
            "both MEDUSA_ADMIN_API_KEY and an admin email/password are set; the API key is used",
            source=env.source("MEDUSA_ADMIN_API_KEY"),
        )
    key = env.value("MEDUSA_ADMIN_API_KEY")
    if key and not key.startswith("sk_"):
        yield finding(
            NAME,
            "api-key-format",
            Severity.WARNING,
            "MEDUSA_ADMIN_API_KEY does not start with sk_: publishable keys (pk_) cannot "
            "use the admin API",
            hint="create a secret key in Admin > Settings > Secret API Keys",
            source=env.source("MEDUSA_ADMIN_API_KEY"),
        )


PROVIDER = Provider(
    name=NAME,
    title="Medusa backend",
    activation="MEDUSA_BACKEND_URL",
    env_vars=ENV_VARS,
    modules=(),
    fallback="no live backend checks (set MEDUSA_BACKEND_URL to check the running backend)",
    lint=lint,
)
