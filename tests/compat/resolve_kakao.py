"""Imported first by the compatibility suite's Python drivers: inside this process only, Kakao's
two host names resolve to the talksocial under test (TALKSOCIAL_COMPAT_ADDR). Nothing outside
the process (no /etc/hosts, no system resolver) is touched."""

from __future__ import annotations

import os
import socket

_ADDR = os.environ["TALKSOCIAL_COMPAT_ADDR"]
_NAMES = {"kauth.kakao.com", "kapi.kakao.com"}
_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
    if isinstance(host, bytes):
        host = host.decode("ascii")
    if isinstance(host, str) and host.lower().rstrip(".") in _NAMES:
        host = _ADDR
    return _real_getaddrinfo(host, port, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo
