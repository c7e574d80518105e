"""`talksocial serve` exactly as the command line runs it (same flags, same Granian settings,
same app, middleware and request path), less one start-up step: the control plane's start-up
snapshot for `reset`, which exports the whole world to JSON before serving (about 3 minutes for
the benchmark's 130,000 accounts) and is not on the request path.

    python -m benchmarks.serve <talksocial serve arguments>
"""

from __future__ import annotations

import sys

from talksocial import cli


def main(argv: list[str]) -> int:
    cli._snapshot_startup = lambda url: None  # noqa: SLF001 - see the module docstring
    return cli.main(["serve", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
