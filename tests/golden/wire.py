"""The recorded exchanges of the golden recording (issue #10 "Keep"): sending one recorded
request, reading values out of its answer, and the one normalisation that both the recorder
(`tests.golden.record`) and the replay (`test_recorded_bytes.py`) apply before comparing.

A request is recorded as a template: `{{name}}` stands for a value read from an earlier answer
(a minted token, a login cookie, a CSRF token, a new user's id), so that the same sequence runs
on any fresh demo server.

What the normalisation changes, and nothing else (everything else is compared byte for byte):

1. The server's own base URL (`http://127.0.0.1:<port>`, which differs per run) becomes
   `{base_url}`: in `after_url`/`before_url`, the OpenID configuration, avatar URLs, ...
2. Every value read from an earlier answer (the requests' `{{name}}` values: minted access and
   refresh tokens, id_tokens, codes, login cookies and CSRF tokens, new user ids and uuids)
   becomes `{{name}}` wherever an answer carries it. Only those exact values, and only where
   they stand alone (not inside a longer token or number).
3. The rules of `RULES`: values that change from run to run and are not read by a later
   request (instants, durations, countdowns, per-database keys, fresh sessions). Each rule
   replaces one value of one exact shape, in one place (a JSON field, an HTML cell or field, a
   cookie), by a placeholder naming its kind, or keeps its shape with its digits written `#`
   (instants, days, countdowns); a value of another shape (a changed format or precision, a
   `null`, a number where a string was) is left as it is and shows in the diff.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.server import LiveServer

#: Answer headers left out of the recording: they vary per run or per connection, and the
#: body, compared in full, already says what `content-length` would. granian adds
#: `connection: close` when an answer leaves part of a request body unread, depending on how
#: much of it had arrived: the connection's business, not the answer's.
UNRECORDED_HEADERS = frozenset({"date", "server", "content-length", "connection"})

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_INSTANT = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z"


@dataclass(frozen=True)
class Rule:
    """One run-to-run varying value: group 2 of `pattern` (group 1 is the text before it, kept)
    becomes `placeholder`, or, when that is None, keeps its shape with every digit written `#`
    (so that a changed format or precision still shows). Applies to answers to paths starting
    with `path_prefix` (any path when None)."""

    name: str
    pattern: re.Pattern[str]
    placeholder: str | None = None
    path_prefix: str | None = None

    def apply(self, text: str) -> str:
        def replace(m: re.Match[str]) -> str:
            value = re.sub(r"\d", "#", m.group(2)) if self.placeholder is None else self.placeholder
            return m.group(1) + value

        return self.pattern.sub(replace, text)


RULES: tuple[Rule, ...] = (
    # JSON instants of the server clock: link times, the clock itself, journal entries, token
    # expiries in the export (the demo world is loaded at start-up, so they follow wall time).
    Rule("json instant",
         re.compile(rf'("(?:connected_at|now|at|expires_at)":")({_INSTANT})(?=")')),
    Rule("json epoch", re.compile(r'("(?:connected_at|now_epoch)":)(\d{10}\.\d+)(?=[,}])'),
         "<epoch>"),
    Rule("journal duration", re.compile(r'("duration_ms":)(\d+\.\d+)(?=[,}])'), "<ms>"),
    Rule("quota day", re.compile(r'("day":")(\d{4}-\d\d-\d\d)(?=")')),
    # The seconds left of a live token count down while the replay runs.
    Rule("token countdown", re.compile(r'("expires_in":)(\d+)(?=[,}])'),
         path_prefix="/v1/user/access_token_info"),
    # The id_token signing key (RSA 2048) is generated per database.
    Rule("jwks modulus", re.compile(r'("n":")([A-Za-z0-9_-]{342})(?=")'), "<modulus>",
         path_prefix="/.well-known/jwks.json"),
    Rule("jwks key id", re.compile(r'("kid":")([0-9a-f]{16})(?=")'), "<kid>",
         path_prefix="/.well-known/jwks.json"),
    # The console's pages show the server clock, and the journal page its entries' times.
    Rule("html instant", re.compile(rf'(>|value=")({_INSTANT})(?=[<"])')),
    Rule("html journal duration", re.compile(r'(<td class="num">)(\d+\.\d+)(?=</td><td>)'),
         "<ms>", path_prefix="/console/journal"),
    # A fresh session per page that is not read again: its cookie and the forms' CSRF token.
    Rule("login session cookie", re.compile(r"(talksocial_login=)([A-Za-z0-9_-]{43})(?=;)"),
         "<session>"),
    Rule("console session cookie",
         re.compile(r"(talksocial_console=)([A-Za-z0-9_-]{32}\.[ao]\.\d{10}\.[0-9a-f]{64})(?=;)"),
         "<session>"),
    Rule("login csrf field", re.compile(r'(name="csrf_token" value=")([A-Za-z0-9_-]{43})(?=")'),
         "<csrf>"),
    Rule("console csrf field", re.compile(r'(name="csrf_token" value=")([0-9a-f]{64})(?=")'),
         "<csrf>"),
)


@dataclass(frozen=True)
class Capture:
    """A value a later request needs, read from an answer: group 1 of `pattern` searched in
    the body (`source="body"`) or in one header (`source="header:location"`)."""

    name: str
    source: str
    pattern: str

    def read(self, response: httpx.Response) -> str:
        if self.source == "body":
            text = response.text
        else:
            text = "\n".join(response.headers.get_list(self.source.removeprefix("header:")))
        found = re.search(self.pattern, text)
        if found is None:
            raise AssertionError(
                f"capture {self.name!r}: {self.pattern!r} not in the {self.source} of "
                f"{response.request.method} {response.request.url}:\n{text[:2000]}"
            )
        return found.group(1)

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "source": self.source, "pattern": self.pattern}

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> Capture:
        return cls(data["name"], data["source"], data["pattern"])


def resolve(template: str, values: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def _standing_alone(value: str) -> re.Pattern[str]:
    """`value` not inside a longer token or number."""
    return re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(value)}(?![A-Za-z0-9_-])")


def normalise(text: str, *, path: str, base_url: str, values: Mapping[str, str]) -> str:
    """The text of an answer (body or header value) with its run-dependent parts replaced (the
    module docstring lists them)."""
    text = re.sub(re.escape(base_url) + r"(?!\d)", "{base_url}", text)
    for name, value in sorted(values.items(), key=lambda item: -len(item[1])):
        text = _standing_alone(value).sub("{{" + name + "}}", text)
    for rule in RULES:
        if rule.path_prefix is None or path.startswith(rule.path_prefix):
            text = rule.apply(text)
    return text


def request_template(
    method: str, path: str, headers: Sequence[tuple[str, str]] = (), body: str | None = None
) -> dict[str, Any]:
    return {"method": method, "path": path, "headers": [list(h) for h in headers], "body": body}


def send(
    client: httpx.Client, request: Mapping[str, Any], values: Mapping[str, str]
) -> httpx.Response:
    """The recorded request, its `{{name}}` values filled in, sent as it is: no redirect is
    followed and no cookie is kept (a recorded request names its cookies itself)."""
    path = resolve(request["path"], values)
    headers = [(name, resolve(value, values)) for name, value in request["headers"]]
    body = request["body"]
    content = resolve(body, values).encode("utf-8") if body is not None else None
    client.cookies.clear()
    response = client.request(
        request["method"], path, headers=headers, content=content, follow_redirects=False
    )
    client.cookies.clear()
    sent = response.request.url.raw_path.decode("ascii")
    assert sent == path, f"httpx changed the path: {path!r} went out as {sent!r}"
    return response


def answer(
    response: httpx.Response, *, path: str, base_url: str, values: Mapping[str, str]
) -> dict[str, Any]:
    """What the recording keeps of an answer, normalised."""

    def norm(text: str) -> str:
        return normalise(text, path=path, base_url=base_url, values=values)

    headers = [
        [name.decode("latin-1").lower(), norm(value.decode("latin-1"))]
        for name, value in response.headers.raw
        if name.decode("latin-1").lower() not in UNRECORDED_HEADERS
    ]
    recorded: dict[str, Any] = {"status": response.status_code, "headers": headers}
    try:
        recorded["body"] = norm(response.content.decode("utf-8"))
    except UnicodeDecodeError:
        recorded["body_base64"] = base64.b64encode(response.content).decode("ascii")
    return recorded


def replay_client(server: LiveServer) -> httpx.Client:
    """One keep-alive connection for the whole sequence (a new client per request costs more
    than the request)."""
    return server.client()


def exchange(
    client: httpx.Client, base_url: str, step: Mapping[str, Any], values: dict[str, str]
) -> tuple[httpx.Response, dict[str, Any]]:
    """Sends one step's request, reads its captures into `values`, and returns the answer and
    what the recording keeps of it."""
    response = send(client, step["request"], values)
    for capture in step.get("captures", []):
        values[capture["name"]] = Capture.from_json(capture).read(response)
    path = resolve(step["request"]["path"], values)
    return response, answer(response, path=path, base_url=base_url, values=values)
