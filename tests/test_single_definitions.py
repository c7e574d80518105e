"""One definition each: link creation, user-id/uuid generation, token issuing and the Kakao
error-code table are each written in exactly one module of the server, and every writer calls
it (the copies of these had drifted apart before: one set `Link.position`, another did not).

The detector reads the source with `ast`, by what a function does rather than only by its
name: a function that constructs a `Link(`/`Token(` row (or bulk-inserts one), that assigns a
`user_id`/`uuid` from a random source, or a table of several negative Kakao codes. The client
package is a separate product with its own exception tree and is not scanned."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import talksocial

SERVER = Path(talksocial.__file__).parent
#: Not part of the server: the client imports nothing of it and keeps its own error classes.
NOT_SCANNED = ("client",)

LINK_CREATION = "link creation"
IDS = "user id and uuid generation"
TOKEN_ISSUING = "token issuing"
KAKAO_CODES = "Kakao error-code table"

EXPECTED = {
    LINK_CREATION: {"storage/links.py"},
    IDS: {"storage/ids.py"},
    TOKEN_ISSUING: {"storage/tokens.py"},
    KAKAO_CODES: {"domain/errors.py"},
}

#: Ids are drawn, not constructed: a function named for drawing one is a generator too.
_ID_NAME = re.compile(r"^_?(new|make|gen|generate|draw|random)_(user_id|uuid)")
#: Calls that draw randomness: an id drawn from one of these is an id generator.
_RANDOM_SOURCES = {"randbelow", "getrandbits", "randbits", "token_urlsafe", "token_bytes",
                   "token_hex", "urandom", "uuid4", "randint", "randrange"}
_ID_TARGETS = {"user_id", "uuid"}


def _modules(root: Path) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.split("/")[0] in NOT_SCANNED:
            continue
        yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _constructs(node: ast.AST, model: str) -> bool:
    """`Model(...)` or a bulk `insert(Model)` anywhere under `node`."""
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        name = _called_name(call)
        if name == model:
            return True
        if name == "insert" and any(
            isinstance(arg, ast.Name) and arg.id == model for arg in call.args
        ):
            return True
    return False


def _draws_randomness(node: ast.AST) -> bool:
    return any(
        isinstance(call, ast.Call) and _called_name(call) in _RANDOM_SOURCES
        for call in ast.walk(node)
    )


def _assigns_random_id(node: ast.AST) -> bool:
    """`user_id = <random>`, `(uuid := <random>)` or `Link(..., uuid=<random>)`."""
    for sub in ast.walk(node):
        targets: list[ast.expr] = []
        value: ast.AST | None = None
        if isinstance(sub, ast.Assign):
            targets, value = sub.targets, sub.value
        elif isinstance(sub, (ast.AnnAssign, ast.NamedExpr)) and sub.value is not None:
            targets, value = [sub.target], sub.value
        elif isinstance(sub, ast.keyword) and sub.arg in _ID_TARGETS:
            if _draws_randomness(sub.value):
                return True
            continue
        names = {t.id for t in targets if isinstance(t, ast.Name)} | {
            t.attr for t in targets if isinstance(t, ast.Attribute)
        }
        if names & _ID_TARGETS and value is not None and _draws_randomness(value):
            return True
    return False


def _negative_int(node: ast.AST | None) -> bool:
    return (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    )


def _is_code_table(node: ast.AST) -> bool:
    """A dict literal with several negative codes as keys or as values."""
    if not isinstance(node, ast.Dict):
        return False
    keys = sum(_negative_int(k) for k in node.keys)
    values = sum(_negative_int(v) for v in node.values)
    return max(keys, values) >= 3


def _code_classes(tree: ast.Module) -> int:
    """Classes that carry a negative Kakao code as a class attribute (`code = -402`)."""
    count = 0
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        for stmt in cls.body:
            if (
                isinstance(stmt, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "code" for t in stmt.targets)
                and _negative_int(stmt.value)
            ):
                count += 1
    return count


def definitions(root: Path) -> dict[str, set[str]]:
    """The modules under `root` that define each concept."""
    found: dict[str, set[str]] = {LINK_CREATION: set(), IDS: set(), TOKEN_ISSUING: set(),
                                  KAKAO_CODES: set()}
    for rel, tree in _modules(root):
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if _constructs(node, "Link"):
                    found[LINK_CREATION].add(rel)
                if _ID_NAME.search(node.name) or _assigns_random_id(node):
                    found[IDS].add(rel)
                if _constructs(node, "Token"):
                    found[TOKEN_ISSUING].add(rel)
            if _is_code_table(node):
                found[KAKAO_CODES].add(rel)
        if _code_classes(tree) >= 3:
            found[KAKAO_CODES].add(rel)
        # Module-level code (outside any function) counts too.
        if _assigns_random_id(tree):
            found[IDS].add(rel)
    return found


@pytest.mark.parametrize("concept", sorted(EXPECTED))
def test_each_concept_is_defined_in_exactly_one_module(concept: str) -> None:
    assert definitions(SERVER)[concept] == EXPECTED[concept]


@pytest.mark.parametrize(
    "module",
    ["storage/generate.py", "storage/seed/load.py", "storage/links.py"],
)
def test_the_bulk_writers_draw_ids_with_the_one_function(module: str) -> None:
    """The generator and the seed loader write links in bulk; their ids still come from
    `storage.ids` (the generator passes its seeded random bits)."""
    tree = ast.parse((SERVER / module).read_text(encoding="utf-8"))
    called = {_called_name(c) for c in ast.walk(tree) if isinstance(c, ast.Call)}
    assert {"new_user_id", "new_uuid"} <= called


# --- the detector finds a duplicate ----------------------------------------------------------

_DUPLICATES = {
    LINK_CREATION: '''
def quick_link(session, app, account):
    session.add(Link(app_id=app.id, account_id=account.id, user_id=1, uuid="u"))
''',
    IDS: '''
import secrets

def attach(row):
    row.uuid = secrets.token_urlsafe(24)
''',
    TOKEN_ISSUING: '''
def mint(session, app_id, account_id):
    session.add(Token(token_sha256="x", kind="access", app_id=app_id, account_id=account_id))
''',
    KAKAO_CODES: '''
STATUS = {-401: 401, -402: 403, -501: 400}
''',
}


@pytest.mark.parametrize("concept", sorted(_DUPLICATES))
def test_the_detector_finds_a_deliberate_duplicate(tmp_path: Path, concept: str) -> None:
    tree = tmp_path / "talksocial"
    for rel in sorted(set().union(*EXPECTED.values())):
        target = tree / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((SERVER / rel).read_text(encoding="utf-8"), encoding="utf-8")
    assert definitions(tree) == EXPECTED  # the copied originals alone: one each
    (tree / "api").mkdir(exist_ok=True)
    (tree / "api" / "shortcut.py").write_text(_DUPLICATES[concept], encoding="utf-8")
    assert definitions(tree)[concept] == EXPECTED[concept] | {"api/shortcut.py"}


def test_the_detector_finds_the_old_copies() -> None:
    """The link writers, token issuers and id generators of before, as they were written,
    are each caught."""
    old = '''
def new_user_id(session, app_id):
    while True:
        candidate = secrets.randbelow(2**40) + 10**9
        return candidate

def ensure_link(session, app, account, scopes):
    link = Link(app_id=app.id, account_id=account.id, user_id=new_user_id(session, app.id),
                uuid=secrets.token_urlsafe(24))

def plan(link_rng):
    while (user_id := 10**9 + link_rng.getrandbits(40)) in taken_ids:
        pass

def _load_links(session, new_rows):
    conn.execute(insert(Link), new_rows)

def issue_access_token(session, app, account):
    session.add(Token(token_sha256=sha256_hex(new_token()), kind="access"))
'''
    tree = ast.parse(old)
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert _ID_NAME.search("new_user_id")
    assert _assigns_random_id(functions["ensure_link"])
    assert _assigns_random_id(functions["plan"])
    assert _constructs(functions["ensure_link"], "Link")
    assert _constructs(functions["_load_links"], "Link")
    assert _constructs(functions["issue_access_token"], "Token")
