"""Where the server-drawn placeholder avatars live (the console draws them, `console.avatars`;
the demo world points its profiles at them)."""

from __future__ import annotations

from urllib.parse import quote

PATH_PREFIX = "/_talksocial/avatars/"
#: Longer seeds are cut; an avatar shows two characters at most.
MAX_SEED = 200


def avatar_path(seed: str) -> str:
    """The avatar's path on this server, the seed percent-encoded (any text is a seed)."""
    # A "/" would end the path segment even percent-encoded (the route sees the decoded path).
    seed = seed[:MAX_SEED].replace("/", " ").strip() or "?"
    return PATH_PREFIX + quote(seed, safe="") + ".svg"
