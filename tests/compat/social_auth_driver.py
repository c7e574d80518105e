"""social-auth-core's KakaoOAuth2 backend, unmodified, in the two steps of a login: `url` prints
the authorization URL; `complete QUERY` runs the backend's auth_complete (state check, code
exchange at https://kauth.kakao.com/oauth/token, https://kapi.kakao.com/v2/user/me) and prints
the user id and details. The strategy is the framework's part (a Django or Flask site has its
own); the one here keeps its session in a file between the steps."""

from __future__ import annotations

import json
import os
import sys
from urllib.parse import parse_qsl

import resolve_kakao  # noqa: F401  (first: Kakao's names resolve to talksocial)
from social_core.backends.kakao import KakaoOAuth2
from social_core.strategy import BaseStrategy

SESSION = os.environ["COMPAT_SESSION_FILE"]


class Strategy(BaseStrategy):
    def __init__(self, data: dict[str, str]) -> None:
        super().__init__(storage=None)
        self.data = data
        try:
            with open(SESSION, encoding="utf-8") as f:
                self.session = json.load(f)
        except FileNotFoundError:
            self.session = {}

    def _save(self) -> None:
        with open(SESSION, "w", encoding="utf-8") as f:
            json.dump(self.session, f)

    def get_setting(self, name):  # type: ignore[no-untyped-def]
        settings = {
            "SOCIAL_AUTH_KAKAO_KEY": os.environ["KAKAO_CLIENT_ID"],
            "SOCIAL_AUTH_KAKAO_SECRET": "",
        }
        return settings[name]

    def request_data(self, merge=True):  # type: ignore[no-untyped-def]
        return self.data

    def session_get(self, name, default=None):  # type: ignore[no-untyped-def]
        return self.session.get(name, default)

    def session_set(self, name, value):  # type: ignore[no-untyped-def]
        self.session[name] = value
        self._save()

    def session_pop(self, name):  # type: ignore[no-untyped-def]
        value = self.session.pop(name, None)
        self._save()
        return value

    def build_absolute_uri(self, path=None):  # type: ignore[no-untyped-def]
        return path

    def authenticate(self, backend, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Where a site's pipeline would create or find its user: report what the backend got.
        response = kwargs["response"]
        details = backend.get_user_details(response)
        return {"id": backend.get_user_id(details, response), "details": details}


def main() -> None:
    step = sys.argv[1]
    data = dict(parse_qsl(sys.argv[2])) if step == "complete" else {}
    backend = KakaoOAuth2(Strategy(data), redirect_uri=os.environ["KAKAO_CALLBACK"])
    if step == "url":
        print(json.dumps({"url": backend.auth_url()}))
    else:
        print(json.dumps(backend.auth_complete()))


if __name__ == "__main__":
    main()
