"""The Stripe double's /v1/webhook_endpoints: list, create (the secret only in this answer),
retrieve, update and delete, with Stripe's validation of URLs and event types."""

from __future__ import annotations

import secrets
import time
from typing import Any

from testing.http_double import JsonHandler
from testing.stripe_data import (
    KNOWN_EVENTS,
    MAX_ENDPOINTS,
    Answer,
    Key,
    StripeState,
    bad_limit,
    error,
    unknown,
)


class EndpointRoutes(JsonHandler):
    """The webhook endpoint routes of `StripeHandler`, one scope (account and mode) at a time."""

    state: StripeState

    def _endpoints(self, scope: str) -> list[dict[str, Any]]:
        return self.state.endpoints.setdefault(scope, [])

    def _webhook_endpoints(
        self, scope: str, key: Key, method: str, path: str, params: dict[str, Any]
    ) -> Answer | None:
        """The answer for a /v1/webhook_endpoints route, or None when `path` is not one."""
        if path == "/v1/webhook_endpoints":
            if method == "GET":
                return self._list(scope, params)
            if method == "POST":
                return self._create(scope, key, params)
        if path.startswith("/v1/webhook_endpoints/"):
            endpoint_id = path.rsplit("/", 1)[1]
            return self._one(scope, key, method, endpoint_id, params)
        return None

    def _list(self, scope: str, params: dict[str, Any]) -> Answer:
        extra = set(params) - {"limit", "starting_after", "ending_before"}
        if extra:
            return unknown(sorted(extra)[0])
        if problem := bad_limit(params):
            return problem
        items = sorted(self._endpoints(scope), key=lambda e: e["created"], reverse=True)
        after = params.get("starting_after")
        if after:
            ids = [e["id"] for e in items]
            if after not in ids:
                return _missing(after)
            items = items[ids.index(after) + 1 :]
        page = items[: int(params.get("limit", "10"))]
        return 200, {
            "object": "list",
            "url": "/v1/webhook_endpoints",
            "has_more": len(items) > len(page),
            "data": [_public(e) for e in page],
        }

    def _check_events(self, events: Any) -> Answer | None:
        if not isinstance(events, list) or not events:
            return error(
                400,
                "invalid_request_error",
                "Missing required param: enabled_events.",
                code="parameter_missing",
                param="enabled_events",
            )
        for index, name in enumerate(events):
            if name != "*" and name not in KNOWN_EVENTS:
                return error(
                    400,
                    "invalid_request_error",
                    f"Invalid enabled_events[{index}]: must be one of a known event type",
                    code="parameter_invalid_string",
                    param=f"enabled_events[{index}]",
                )
        return None

    def _check_url(self, key: Key, url: Any) -> Answer | None:
        if not isinstance(url, str) or not url:
            return error(
                400,
                "invalid_request_error",
                "Missing required param: url.",
                code="parameter_missing",
                param="url",
            )
        if key.mode == "live" and not url.startswith("https://"):
            return error(
                400,
                "invalid_request_error",
                "Invalid URL: URL must be publicly accessible and use HTTPS in live mode.",
                code="url_invalid",
                param="url",
            )
        return None

    def _create(self, scope: str, key: Key, params: dict[str, Any]) -> Answer:
        allowed = {"url", "enabled_events", "api_version", "description", "metadata", "connect"}
        extra = set(params) - allowed
        if extra:
            return unknown(sorted(extra)[0])
        problem = self._check_url(key, params.get("url")) or self._check_events(
            params.get("enabled_events")
        )
        if problem:
            return problem
        if len(self._endpoints(scope)) >= MAX_ENDPOINTS:
            return error(
                400,
                "invalid_request_error",
                f"You have reached the maximum of {MAX_ENDPOINTS} test webhook endpoints.",
            )
        endpoint = {
            "id": f"we_{secrets.token_hex(12)}",
            "object": "webhook_endpoint",
            "url": params["url"],
            "enabled_events": list(params["enabled_events"]),
            "status": "enabled",
            "api_version": params.get("api_version"),
            "description": params.get("description"),
            "metadata": dict(params.get("metadata", {})),
            "livemode": key.mode == "live",
            "created": int(time.time() * 1000) + len(self._endpoints(scope)),
            "application": None,
            "secret": f"whsec_{secrets.token_hex(16)}",
            **self.state.create_overrides,
        }
        with self.state.lock:
            self._endpoints(scope).append(endpoint)
        return 200, dict(endpoint)

    def _one(
        self, scope: str, key: Key, method: str, endpoint_id: str, params: dict[str, Any]
    ) -> Answer:
        endpoint = next((e for e in self._endpoints(scope) if e["id"] == endpoint_id), None)
        if endpoint is None:
            return _missing(endpoint_id)
        if method == "GET":
            return 200, _public(endpoint)
        if method == "DELETE":
            with self.state.lock:
                self._endpoints(scope).remove(endpoint)
            return 200, {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}
        if method == "POST":
            return self._update(endpoint, key, params)
        return error(405, "invalid_request_error", f"Unrecognized method {method}")

    def _update(self, endpoint: dict[str, Any], key: Key, params: dict[str, Any]) -> Answer:
        """POST /v1/webhook_endpoints/{id}: only the fields given change."""
        allowed = {"url", "enabled_events", "disabled", "description", "metadata"}
        extra = set(params) - allowed
        if extra:
            return unknown(sorted(extra)[0])
        if "url" in params and (problem := self._check_url(key, params["url"])):
            return problem
        if "enabled_events" in params and (problem := self._check_events(params["enabled_events"])):
            return problem
        if "disabled" in params and params["disabled"] not in ("true", "false"):
            return error(
                400,
                "invalid_request_error",
                "Invalid boolean: disabled",
                code="parameter_invalid_boolean",
                param="disabled",
            )
        with self.state.lock:
            for name in ("url", "description"):
                if name in params:
                    endpoint[name] = params[name]
            if "enabled_events" in params:
                endpoint["enabled_events"] = list(params["enabled_events"])
            if "disabled" in params:
                endpoint["status"] = "disabled" if params["disabled"] == "true" else "enabled"
            if "metadata" in params:
                endpoint["metadata"].update(params["metadata"])
        return 200, _public(endpoint)


def _public(endpoint: dict[str, Any]) -> dict[str, Any]:
    """Retrieve and list never return the secret."""
    return {k: v for k, v in endpoint.items() if k != "secret"}


def _missing(endpoint_id: str) -> Answer:
    return error(
        404,
        "invalid_request_error",
        f"No such webhook endpoint: '{endpoint_id}'",
        code="resource_missing",
        param="id",
    )
