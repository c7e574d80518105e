"""Kakao Login's routes: the login server (`/oauth/*`) and OpenID Connect discovery."""

from __future__ import annotations

from starlette.routing import Route

from talksocial.oauth import views


def routes() -> list[Route]:
    return [
        Route("/oauth/authorize", views.authorize, methods=["GET"]),
        Route("/oauth/login", views.login, methods=["POST"]),
        Route("/oauth/signup", views.signup, methods=["POST"]),
        Route("/oauth/consent", views.consent, methods=["POST"]),
        Route("/oauth/logout", views.logout, methods=["GET"]),
        Route("/oauth/token", views.token, methods=["POST"]),
        Route("/oauth/tokeninfo", views.tokeninfo, methods=["POST"]),
        Route("/.well-known/openid-configuration", views.openid_configuration, methods=["GET"]),
        Route("/.well-known/jwks.json", views.jwks, methods=["GET"]),
    ]
