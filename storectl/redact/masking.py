"""What a secret looks like when printed, and the forms it travels in: which names and values
are secret, passwords inside URLs (even unparseable ones), the masks, and a value's encoded forms
(JSON, URL, base64) that the run's `Redactor` (`storectl.redact`) also scrubs."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

MASK = "****"

# Names whose values are secret even when a provider does not declare them.
_SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|_PASS$|TOKEN|PRIVATE|_API_KEY$|CREDENTIAL)")
# More credential words (issue 20 F), as whole words of the name only: AUTH_CORS, NEXTAUTH_URL
# and PWD (the shell's folder) are not secrets; nor is a setting about one (HMAC_ALGORITHM).
_SECRET_WORD = re.compile(
    r"_PWD(?:_|$)|(?:^|_)(?:DSN|SALT|HMAC|SIGNING)(?:_|$)|(?:^|_)AUTH(?:ORIZATION)?(?:_HEADER)?$"
)
_SETTING = re.compile(r"_(?:ALG|ALGO|ALGORITHM|METHOD|TYPE|ENABLED|MODE|CORS|PATH|TTL)$")
# Values a name-based rule leaves readable: a switch is not a credential (AUTH_ENABLED=true).
_SWITCH = frozenset({"true", "false", "yes", "no", "on", "off"})
# Prefixes of keys that are shown as prefix + last four characters.
_KEY_PREFIX = re.compile(r"^(sk|rk|pk|whsec)_(live_|test_)?")
# Values that are secret whatever the variable is called.
_SECRET_VALUE = re.compile(r"^(sk_|rk_|whsec_)")
# Values shorter than this are not scrubbed from free text: replacing "a" everywhere would
# make every message unreadable, and such a value is not a credential worth the name.
MIN_SCRUB = 4


def is_secret_name(name: str) -> bool:
    """Whether a variable name says its value is secret (STRIPE_API_KEY, SMTP_PASS, DB_PWD,
    SENTRY_DSN, SIGNING_SALT, API_AUTH, ...). WEBHOOK is not among them: STRIPE_WEBHOOK_URL is
    the store's own public endpoint (`storectl env` masks the WEBHOOK names no provider
    declares; webhook URLs that are credentials are caught by their shape)."""
    if name.startswith("NEXT_PUBLIC_"):
        return False
    upper = name.upper()
    if _SECRET_NAME.search(upper):
        return True
    return bool(_SECRET_WORD.search(upper)) and not _SETTING.search(upper)


def looks_secret(value: str) -> bool:
    """Whether a value is a secret by its shape (a Stripe secret or restricted key, a whsec_)."""
    return bool(_SECRET_VALUE.match(value.strip()))


def is_switch(value: str) -> bool:
    """A boolean-like value: a name-based rule does not mask it (AUTH_ENABLED=true)."""
    return value.strip().lower() in _SWITCH


# Shapes that are credentials whatever the name (issue 20 F): a JWT, a PEM private key (also
# inside JSON: a service account), an HTTP credential, a URL carrying a token or signature in
# its query, and the incoming-webhook URLs whose path is the secret.
_JWT = re.compile(r"(?<![\w-])eyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]*")
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_HTTP_CREDENTIAL = re.compile(r"^(Bearer|Token|Bot|Basic)\s+(\S{8,})$", re.IGNORECASE)
_QUERY_PARAM = re.compile(r"([?&#;])([^=&#;]+)=([^&#;]*)")
_SECRET_PARAM = re.compile(
    r"token|secret|signature|passw|credential|(?:api|access|private)[_-]?key|^(?:key|sig|auth|pwd)$",
    re.IGNORECASE,
)
_WEBHOOK_URL = re.compile(
    r"^https?://(?:hooks\.slack\.com/|(?:[\w-]+\.)?discord(?:app)?\.com/api/webhooks/"
    r"|[\w-]+\.webhook\.office\.com/|outlook\.office(?:365)?\.com/webhook"
    r"|hooks\.zapier\.com/|api\.telegram\.org/bot|chat\.googleapis\.com/)",
    re.IGNORECASE,
)


def secret_shaped(value: str) -> bool:
    """Whether a value is a credential by its shape: a Stripe secret (`looks_secret`), a JWT, a
    PEM private key, `Bearer …`/`Basic …`, a URL with a secret query parameter, a webhook URL."""
    stripped = value.strip()
    if looks_secret(stripped):
        return True
    if "eyJ" in stripped and _JWT.search(stripped):
        return True
    if "-----BEGIN" in stripped and _PEM.search(stripped):
        return True
    if " " in stripped and _http_credential(stripped) is not None:
        return True
    if "://" not in stripped:
        return False
    return bool(_WEBHOOK_URL.match(stripped)) or bool(_secret_params(stripped))


def _http_credential(value: str) -> tuple[str, str] | None:
    """(scheme, credential) of `Bearer <token>` or `Basic <base64 of user:password>`."""
    match = _HTTP_CREDENTIAL.match(value)
    if match is None:
        return None
    scheme, credential = match.group(1), match.group(2)
    if scheme.lower() == "basic":  # "Basic membership" is a plan, not a credential
        from base64 import b64decode
        from binascii import Error

        try:
            if b":" not in b64decode(credential, validate=True):
                return None
        except (Error, ValueError):
            return None
    return scheme, credential


def _secret_params(url: str) -> list[str]:
    """The values of a URL's query (and fragment) parameters named like credentials."""
    if not any(mark in url for mark in "?#"):
        return []
    return [
        match.group(3)
        for match in _QUERY_PARAM.finditer(url)
        if match.group(3) and _SECRET_PARAM.search(unquote(match.group(2)))
    ]


def secret_parts(value: str) -> list[str]:
    """The credentials inside a secret-shaped value, which may also travel alone: a URL's
    token parameters, the token of `Bearer …`, a JWT inside a longer text."""
    stripped = value.strip()
    parts = [*_secret_params(stripped)] if "://" in stripped else []
    credential = _http_credential(stripped) if " " in stripped else None
    if credential is not None:
        parts.append(credential[1])
    if "eyJ" in stripped:
        parts.extend(match.group(0) for match in _JWT.finditer(stripped))
    return [part for part in parts if len(part) >= MIN_SCRUB]


def _mask_shape(value: str) -> str:
    """The printable form of a secret-shaped value: what is not secret stays readable."""
    credential = _http_credential(value) if " " in value else None
    if credential is not None:
        return f"{credential[0]} {MASK}"
    if "://" in value and _WEBHOOK_URL.match(value):
        head = value.split("://", 1)
        return f"{head[0]}://{head[1].partition('/')[0]}/{MASK}"
    if "://" in value and _secret_params(value):
        return _QUERY_PARAM.sub(
            lambda m: (
                f"{m.group(1)}{m.group(2)}={MASK}"
                if m.group(3) and _SECRET_PARAM.search(unquote(m.group(2)))
                else m.group(0)
            ),
            value,
        )
    return MASK


# A URL's start as a user writes it: an optional scheme, then up to three slashes. A value
# counts as URL-like only when it has a scheme followed by "/" or starts with ":" (a URL whose
# scheme was forgotten, `:pw@host:6379`); `mailto:` and `Name <a@b>` never match.
_URL_START = re.compile(r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):(?P<slashes>/{1,3})|(?=:))")
_SCHEMES_WITHOUT_SLASHES = re.compile(r"^(redis|rediss|postgres|postgresql|mysql|amqp|mongodb)s?:")


def split_userinfo(value: str) -> tuple[str, str, str] | None:
    """(scheme part, userinfo, after the last `@`) of a URL-like value holding `@`, else None.

    Userinfo is everything between the scheme (and its slashes) and the LAST `@`: a password
    holding `/`, `#`, `?` or `@` makes `urlsplit` misread it, and it must still be found."""
    stripped = value.strip()
    if "@" not in stripped:
        return _cut_userinfo(stripped)
    match = _URL_START.match(stripped)
    if match is None:
        # `redis:pw@host`: a known scheme without its slashes is still a URL with a password.
        known = _SCHEMES_WITHOUT_SLASHES.match(stripped)
        if known is None:
            return None
        match_end = known.end()
    else:
        match_end = match.end()
    head, rest = stripped[:match_end], stripped[match_end:]
    userinfo, _, hostpart = rest.rpartition("@")
    if not userinfo:
        return None
    return head, userinfo, hostpart


def _cut_userinfo(stripped: str) -> tuple[str, str, str] | None:
    """`redis://:pw` or `redis://user:pw` with no `@` at all: a password whose `@host` was cut
    away (an unquoted `#` in the env file starts a comment, as Medusa's dotenv reads it). The
    text after the first `:` of the authority is the password unless it is a port (digits);
    after a slashless `redis:` the whole rest is."""
    if "," in stripped or " " in stripped:  # a list of origins (CORS), not one URL
        return None
    start = _URL_START.match(stripped)
    found = start or _SCHEMES_WITHOUT_SLASHES.match(stripped)
    if found is None:
        return None
    head_end = found.end()
    segment = stripped[head_end:].partition("/")[0]
    user, colon, candidate = segment.partition(":")
    if not colon and start is None:
        user, candidate = "", segment
    if not candidate or (candidate.isascii() and candidate.isdigit()):
        return None
    return stripped[:head_end], f"{user}:{candidate}", ""


def url_password(value: str) -> str | None:
    """The password inside a URL's userinfo (`redis://:pw@host`), or None.

    Also for URLs that cannot be parsed (`:pw@host:6379`, `redis:/:pw@host`, a password
    holding `/` or `#`): those are secrets too, and must be masked wherever they appear."""
    parts = split_userinfo(value)
    if parts is None:
        return None
    _user, colon, password = parts[1].partition(":")
    if not colon or not password:
        return None
    return unquote(password)


def url_parseable(value: str) -> bool:
    """Whether a URL-like value reads the same to `urlsplit` (and so to redis-py, httpx and
    Medusa) as to us: `scheme://`, an ASCII port, and the whole userinfo inside the netloc.
    Values that are not URL-like at all (no `scheme:/`, no leading `:`) count as parseable."""
    from urllib.parse import urlsplit

    stripped = value.strip()
    match = _URL_START.match(stripped)
    if match is None:
        return _SCHEMES_WITHOUT_SLASHES.match(stripped) is None or "@" not in stripped
    if not match.group("scheme") or len(match.group("slashes")) < 2:
        return False
    try:
        parts = urlsplit(stripped)
        port_text = parts.netloc.rpartition("@")[2].rpartition("]")[2].partition(":")[2]
        if port_text and not (port_text.isascii() and port_text.isdigit()):
            return False
        _ = parts.port
    except ValueError:
        return False
    found = split_userinfo(stripped)
    if found is not None and parts.netloc.rpartition("@")[0] != found[1]:
        return False  # `/`, `#` or `?` inside the password: urlsplit cut the netloc short
    return True


def mask_url(value: str) -> str:
    """A URL with its password replaced by the mask: `redis://:****@host:6379`.

    A URL that cannot be parsed is masked from after its scheme to its last `@`
    (`redis:/****@host`, `****@host:6379`): which part is the password is then a guess."""
    parts = split_userinfo(value)
    if parts is None:
        return value
    head, userinfo, hostpart = parts
    if "@" not in value:  # the host was cut away: all that is left after the scheme is secret
        return f"{head}{MASK}"
    user, colon, _password = userinfo.partition(":")
    if not colon:
        return value
    if not url_parseable(value):
        return f"{head}{MASK}@{hostpart}"
    return f"{head}{user}:{MASK}@{hostpart}"


def mask(value: str) -> str:
    """The printable form of a secret: keys keep prefix and last four, the rest is masked."""
    stripped = value.strip()
    if url_password(stripped) is not None:
        return mask_url(stripped)
    match = _KEY_PREFIX.match(stripped)
    if match:
        prefix = match.group(0)
        body = stripped[len(prefix) :]
        if len(body) >= 12:
            return f"{prefix}…{body[-4:]}"
        return f"{prefix}…"
    return _mask_shape(stripped)


def display(name: str, value: str, *, secret: bool = False) -> str:
    """How a variable's value is shown: masked when secret, and URLs never with a password."""
    if secret or (is_secret_name(name) and not is_switch(value)) or secret_shaped(value):
        return mask(value)
    if url_password(value) is not None:
        return mask_url(value)
    return value


def json_escaped(text: str) -> set[str]:
    """How `text` reads inside a JSON string: `\\"`, `\\\\`, `\\uXXXX` for control and
    non-ASCII characters (or not), `\\/` (some encoders), and JSON inside JSON."""
    import json

    once = {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
    forms = set(once)
    for form in once:
        forms.add(form.replace("/", "\\/"))
        forms.add(json.dumps(form)[1:-1])
    return forms


def url_encoded(text: str) -> set[str]:
    """How `text` reads in a URL or a form body: quote (with and without `/` safe), quote_plus."""
    from urllib.parse import quote_plus

    return {quote(text, safe=""), quote(text), quote_plus(text), quote_plus(text, safe="")}


def base64_forms(payload: bytes) -> set[str]:
    """The base64 of `payload` alone (padded and not), and the characters that only its bytes
    decide when it sits at each of the three byte offsets inside longer base64 text (an
    Authorization header, an echoed AUTH line): whatever comes before or after it."""
    from base64 import b64encode

    whole = b64encode(payload).decode("ascii")
    forms = {whole, whole.rstrip("=")}
    for shift in range(3):
        encoded = b64encode(b"\0" * shift + payload).decode("ascii")
        first = -(-8 * shift // 6)  # the first character with no bit of the filler
        last = 8 * (shift + len(payload)) // 6  # past the last character wholly inside
        forms.add(encoded[first:last])
    return forms


#: Derived forms (base64 fragments, encodings) shorter than this are not scrubbed: four
#: base64 characters of an unrelated word would be masked in ordinary text.
MIN_DERIVED = 6
