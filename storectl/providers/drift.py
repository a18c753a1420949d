"""What the running backend really loaded, against what the env files say.

The env files storectl reads are not always what the deployed process started with. The admin
API shows three traces of the real configuration: the payment providers it has ever
registered, where an uploaded file lands (S3 or local `/static/`), and whether order mail goes
through the Notification Module. Only conclusive directions are reported as failures.
"""

from __future__ import annotations

import time

from storectl.env import Env
from storectl.model import Check, Stage, Status
from storectl.net.deadline import Deadline
from storectl.providers.base import ProbeOptions
from storectl.providers.medusa_api import STRIPE_PROVIDER, Admin, Query
from storectl.providers.probe import Steps
from storectl.providers.shape import Object, obj, objects
from storectl.providers.sync import admin, failure, has_admin_credentials

#: How many of the newest orders the mail check looks at.
RECENT_ORDERS = 5
#: Notifications read per page, and at most this many pages (newest first).
NOTIFICATION_PAGE = 100
NOTIFICATION_PAGES = 3
#: The probe file's body: recognisable, and harmless if a delete ever fails.
PROBE_BODY = b"storectl upload probe: safe to delete\n"


def checks(env: Env, options: ProbeOptions, deadline: Deadline) -> list[Check]:
    """The Medusa probe's drift checks: providers, files, mail (admin credentials needed)."""
    steps = Steps("medusa", env.value("MEDUSA_BACKEND_URL"))
    if not has_admin_credentials(env):
        return steps.checks  # the probe's admin-auth check already says why
    step = "providers-loaded"
    try:
        with admin(env, deadline) as client:
            client.login()
            if env.is_set("STRIPE_API_KEY"):
                _providers(client, steps)
            step = "files-loaded"
            if options.write:
                _upload(client, env, steps)
            else:
                steps.add(
                    "files-loaded",
                    Status.SKIP,
                    "--no-write: no probe file uploaded, the file storage was not checked",
                )
            step = "mail-recorded"
            _notifications(client, steps)
    except Exception as exc:  # noqa: BLE001 - admin and limit errors end as a result
        stage, summary, hint = failure(exc)
        steps.fail(step, stage, summary, hint)
    return steps.checks


def _providers(client: Admin, steps: Steps) -> None:
    ids = [str(p.get("id")) for p in client.payment_providers() if isinstance(p, dict)]
    if STRIPE_PROVIDER not in ids:
        steps.fail(
            "providers-loaded",
            Stage.CONFIG,
            f"STRIPE_API_KEY is set in the env files, but the backend lists no {STRIPE_PROVIDER}: "
            "this backend has never started with Stripe",
            "redeploy the backend with the env (and the Stripe provider in medusa-config.ts's "
            "payment module)",
        )
    else:
        steps.ok(
            "providers-loaded",
            f"{STRIPE_PROVIDER} is registered (the backend has started with Stripe; providers "
            "stay listed after Stripe is removed, so this does not prove it is loaded now)",
        )


def _multipart(name: str, body: bytes) -> tuple[bytes, str]:
    import secrets

    boundary = f"storectl{secrets.token_hex(12)}"
    data = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + body
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return data, f"multipart/form-data; boundary={boundary}"


def _upload(client: Admin, env: Env, steps: Steps) -> None:
    """Upload one probe file, check where it landed, fetch it anonymously, delete it."""
    name = f"storectl-probe-{int(time.time())}.txt"
    data, content_type = _multipart(name, PROBE_BODY)
    answer = client.call(
        "POST", "/admin/uploads", content=data, headers={"Content-Type": content_type}
    )
    files = answer.get("files")
    first = obj(files[0]) if isinstance(files, list) and files else None
    if first is None or not first.get("id"):
        steps.fail(
            "files-loaded",
            Stage.PROTOCOL,
            "POST /admin/uploads answered no file",
            "see the backend's log",
        )
        return
    file_id, url = str(first["id"]), str(first.get("url") or "")
    try:
        _where(client, env, steps, url)
    finally:
        client.call("DELETE", f"/admin/uploads/{file_id}")


def _where(client: Admin, env: Env, steps: Steps, url: str) -> None:
    s3_url = env.value("S3_FILE_URL").rstrip("/")
    s3_active = env.is_set("S3_BUCKET")
    local = "/static/" in url
    if s3_active and s3_url and not url.startswith(s3_url + "/"):
        where = "local file storage (…/static/…)" if local else url
        steps.fail(
            "files-loaded",
            Stage.CONFIG,
            f"an uploaded file landed in {where}, not under S3_FILE_URL: the backend does not "
            "run the S3 file provider the env files configure",
            "redeploy the backend with the S3_* env (and the S3 provider in medusa-config.ts's "
            "file module)",
        )
        return
    if not s3_active:
        steps.ok(
            "files-loaded",
            "uploads use local file storage (…/static/…), as the env files say (no S3_BUCKET)"
            if local
            else f"uploads land at {url.rsplit('/', 1)[0]}/",
        )
        return
    status = _fetch(client, url)
    if status == 200:
        steps.ok("files-loaded", f"an upload landed under S3_FILE_URL and is public ({s3_url}/)")
    else:
        steps.fail(
            "files-loaded",
            Stage.PERMISSION,
            f"an upload landed under S3_FILE_URL, but fetching it anonymously answered {status}: "
            "the storefront cannot show product images",
            "make the bucket's objects publicly readable (a bucket policy), or fix S3_FILE_URL",
        )


def _fetch(client: Admin, url: str) -> int:
    response = client.send("GET", url, auth=None)
    status: int = response.status_code
    return status


def _notifications(client: Admin, steps: Steps) -> None:
    orders = objects(
        client.call(
            "GET",
            "/admin/orders",
            params={
                "fields": "id,display_id,email,created_at",
                "order": "-created_at",
                "limit": RECENT_ORDERS,
            },
        ).get("orders")
    )
    if not orders:
        # nothing was proven: a skip with its reason, not a pass (issue 21 C)
        steps.add("mail-recorded", Status.SKIP, "no orders yet: order mail not checked")
        return
    mailed, read_back_to, how = _recorded(client, orders)
    without = [o for o in orders if str(o.get("id")) not in mailed]
    unread = [o for o in without if read_back_to and str(o.get("created_at") or "") < read_back_to]
    without = [o for o in without if o not in unread]
    checked = len(orders) - len(unread)
    note = f" ({how})" if how else ""
    if unread:
        note += (
            f"; {len(unread)} older orders not checked (their notifications lie beyond the "
            f"{NOTIFICATION_PAGES} pages read)"
        )
    if checked and len(without) == checked:
        steps.ok(
            "mail-recorded",
            f"no notifications recorded for the last {checked} orders (info: normal when the "
            "store's mail bypasses the Notification Module, e.g. nodemailer in a subscriber)"
            + note,
        )
    elif without:
        steps.warn(
            "mail-recorded",
            Stage.CONFIG,
            f"{len(without)} of the last {checked} orders have no order-placed notification "
            f"(#{', #'.join(str(o.get('display_id') or o.get('id')) for o in without)})" + note,
            "see the notification provider's errors in the backend's log; "
            "'storectl mail replay' resends order mail",
        )
    elif checked:
        steps.ok(
            "mail-recorded",
            f"each of the last {checked} orders has an order-placed notification" + note,
        )
    else:
        steps.ok("mail-recorded", "order mail not checked" + note)


def _recorded(client: Admin, orders: list[Object]) -> tuple[set[str], str, str]:
    """(ids of the orders with an order-placed notification, how far back the notifications
    were read when the page cap stopped the read ("" when they were read far enough), how).

    Medusa filters notifications by `to`, never by resource_id (2.21.2 answers 400 to
    `resource_id`: api/admin/notifications/validators.js), so ask for the orders' addresses
    and match resource_id in the rows. 2.8.x knows no `to` either (a 400 too): then read the
    newest notifications, newest first, until older than the oldest order or the page cap."""
    emails = sorted({str(o["email"]) for o in orders if o.get("email")})
    oldest = min(str(o.get("created_at") or "") for o in orders)
    params: Query = {"to": emails} if emails else {}
    how = ""
    rows, reached = _newest(client, params, oldest)
    if rows is None:  # `to` refused: Medusa before it had the filter
        how = "matched in the newest notifications: this backend cannot filter by recipient"
        rows, reached = _newest(client, {}, oldest)
    mailed = {str(n.get("resource_id")) for n in rows or [] if _is_order_placed(n)}
    return mailed, reached, how


def _newest(client: Admin, params: Query, oldest: str) -> tuple[list[Object] | None, str]:
    """Notifications newest first, at most NOTIFICATION_PAGES pages, stopping once a page goes
    back past `oldest`: (the rows, or None when a filter in `params` is refused; "" when read
    back far enough, else the time the read stopped at)."""
    rows: list[Object] = []
    for page in range(NOTIFICATION_PAGES):
        query = {**params, "order": "-created_at", "limit": NOTIFICATION_PAGE}
        query["offset"] = page * NOTIFICATION_PAGE
        response = client.send("GET", "/admin/notifications", params=query)
        if params and response.status_code == 400 and "Unrecognized fields" in response.text:
            return None, ""
        found = objects(client.answer(response, "GET", "/admin/notifications").get("notifications"))
        rows += found
        times = [str(n.get("created_at") or "") for n in found]
        if len(found) < NOTIFICATION_PAGE or (times and min(times) < oldest):
            return rows, ""
    return rows, min((str(n.get("created_at") or "") for n in rows), default="")


def _is_order_placed(notification: Object) -> bool:
    words = f"{notification.get('template')} {notification.get('trigger_type')}".lower()
    return any(w in words for w in ("order.placed", "order-placed", "order_placed"))
