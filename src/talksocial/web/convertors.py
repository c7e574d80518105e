"""Path parameters that are database ids: `{app_id:id64}`.

Starlette's `int` convertor takes any run of digits, and an integer past 64 bits then fails in the
database driver as an internal error. Every stored id is a positive signed 64-bit integer, so a
path naming a larger one names nothing: it converts to 0, which no row has, and the endpoint
answers its ordinary "not found".
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

MAX_ID = 2**63 - 1


def bounded_id(text: str) -> int:
    value = int(text)
    return value if value <= MAX_ID else 0


class Id64Convertor(Convertor[int]):
    regex = "[0-9]{1,30}"  # longer runs of digits match no route (404)

    def convert(self, value: str) -> int:
        return bounded_id(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id64", Id64Convertor())
