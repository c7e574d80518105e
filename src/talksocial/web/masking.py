"""What the access log and the control plane's journal show of a request's query string: the
values of an allow-list of harmless parameters; every other value (authorization codes, tokens,
secrets, passwords, state, nonces, admin keys, operator tokens, and any parameter nobody thought
of) is written as `***`."""

from __future__ import annotations

from urllib.parse import parse_qsl

MASK = "***"

#: Parameters whose values are shown.
SHOWN_PARAMS = frozenset(
    {
        "offset", "limit", "order", "friend_order", "target_id_type", "viewer_id_type",
        "target_ids", "target_id", "viewer_id", "scope", "scopes", "response_type", "client_id",
        "redirect_uri", "prompt", "grant_type", "property_keys", "secure_resource",
    }
)


def masked_pairs(raw_query: bytes, shown: frozenset[str] = SHOWN_PARAMS) -> list[tuple[str, str]]:
    pairs = parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True)
    return [(name, value if name in shown else MASK) for name, value in pairs]
