"""Authlib, unmodified, as a generic OpenID Connect client of Kakao: discovery from
https://kauth.kakao.com/.well-known/openid-configuration, an authorization request with a nonce
and PKCE (`url`), then (`complete CALLBACK_URL`) the code exchange, the id_token validated
against the published JWKS (signature, iss, aud, exp, iat, nonce), userinfo, and a refresh."""

from __future__ import annotations

import json
import os
import sys
import warnings

import requests
import resolve_kakao  # noqa: F401  (Kakao's names resolve to talksocial)
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # authlib.jose's deprecation notice
    from authlib.jose import JsonWebKey, jwt
    from authlib.oidc.core import CodeIDToken

ISSUER = "https://kauth.kakao.com"
SESSION = os.environ["COMPAT_SESSION_FILE"]
CLIENT_ID = os.environ["KAKAO_CLIENT_ID"]


def _session(**kwargs: object) -> OAuth2Session:
    return OAuth2Session(
        CLIENT_ID, "", scope="openid", redirect_uri=os.environ["KAKAO_CALLBACK"],
        token_endpoint_auth_method="client_secret_post", code_challenge_method="S256", **kwargs,
    )


def main() -> None:
    metadata = requests.get(ISSUER + "/.well-known/openid-configuration", timeout=10).json()
    if sys.argv[1] == "url":
        nonce, verifier = generate_token(20), generate_token(48)
        url, state = _session().create_authorization_url(
            metadata["authorization_endpoint"], nonce=nonce, code_verifier=verifier
        )
        with open(SESSION, "w", encoding="utf-8") as f:
            json.dump({"state": state, "nonce": nonce, "verifier": verifier}, f)
        print(json.dumps({"url": url}))
        return
    with open(SESSION, encoding="utf-8") as f:
        saved = json.load(f)
    client = _session(state=saved["state"])
    token = client.fetch_token(
        metadata["token_endpoint"], authorization_response=sys.argv[2],
        code_verifier=saved["verifier"],
    )
    jwks = JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
    claims = jwt.decode(
        token["id_token"], jwks, claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "values": [metadata["issuer"]]}},
        claims_params={"nonce": saved["nonce"], "client_id": CLIENT_ID},
    )
    claims.validate(leeway=60)
    userinfo = client.get(metadata["userinfo_endpoint"]).json()
    refreshed = client.refresh_token(metadata["token_endpoint"])
    after = client.get(metadata["userinfo_endpoint"]).json()
    print(json.dumps({
        "metadata": {k: metadata[k] for k in ("issuer", "userinfo_endpoint",
                                             "response_modes_supported")},
        "claims": dict(claims),
        "userinfo": userinfo,
        "refreshed": refreshed["access_token"] != token["access_token"],
        "userinfo_after_refresh": after,
    }))


if __name__ == "__main__":
    main()
