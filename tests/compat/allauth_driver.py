"""django-allauth's Kakao provider, unmodified, in a minimal Django site: `url` starts the login
(GET /accounts/kakao/login/) and prints where allauth sends the browser; `complete QUERY` hands
the callback to allauth (code exchange at https://kauth.kakao.com/oauth/token, profile from
https://kapi.kakao.com/v2/user/me, the user signed up) and prints the social account. The
session lives in the site's SQLite database between the steps."""

from __future__ import annotations

import json
import os
import sys
from urllib.parse import parse_qsl

import django
import resolve_kakao  # noqa: F401  (Kakao's names resolve to talksocial)
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="talksocial-compat",
    ALLOWED_HOSTS=["testserver"],
    ROOT_URLCONF=__name__,
    USE_TZ=True,
    INSTALLED_APPS=[
        "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
        "django.contrib.messages", "allauth", "allauth.account", "allauth.socialaccount",
        "allauth.socialaccount.providers.kakao",
    ],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "allauth.account.middleware.AccountMiddleware",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3",
                           "NAME": os.environ["COMPAT_DJANGO_DB"]}},
    AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend",
                             "allauth.account.auth_backends.AuthenticationBackend"],
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
                "OPTIONS": {"context_processors": ["django.template.context_processors.request"]}}],
    SOCIALACCOUNT_PROVIDERS={
        "kakao": {"APP": {"client_id": os.environ["KAKAO_CLIENT_ID"], "secret": "", "key": ""}}
    },
    SOCIALACCOUNT_LOGIN_ON_GET=True,
    SOCIALACCOUNT_AUTO_SIGNUP=True,
    ACCOUNT_EMAIL_VERIFICATION="none",
)
django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import include, path  # noqa: E402

urlpatterns = [path("accounts/", include("allauth.urls"))]
COOKIE = os.environ["COMPAT_SESSION_FILE"]


def main() -> None:
    if sys.argv[1] == "url":
        call_command("migrate", verbosity=0)
        client = Client()
        response = client.get("/accounts/kakao/login/")
        assert response.status_code == 302, response.content[:500]
        with open(COOKIE, "w", encoding="utf-8") as f:
            f.write(client.cookies["sessionid"].value)
        print(json.dumps({"url": response["Location"]}))
        return
    from allauth.socialaccount.models import SocialAccount

    client = Client()
    with open(COOKIE, encoding="utf-8") as f:
        client.cookies["sessionid"] = f.read()
    response = client.get("/accounts/kakao/login/callback/", dict(parse_qsl(sys.argv[2])))
    account = SocialAccount.objects.filter(provider="kakao").first()
    if account is None:
        raise SystemExit(f"no social account: {response.status_code} {response.content[:800]!r}")
    print(json.dumps({"uid": account.uid, "extra_data": account.extra_data,
                      "email": account.user.email, "status": response.status_code}))


if __name__ == "__main__":
    main()
