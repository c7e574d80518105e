"""`KakaoClient` and `AsyncKakaoClient`: one `_BaseClient` builds every request and parses every
answer; the twins only send, and spell out each call.

Credentials: a call made for a user sends `Authorization: Bearer {access_token}`, a call made
for the app (`talk_profiles`, `unlink(target_id=...)`) sends `Authorization: KakaoAK {admin
key}`; never both. Requests go to `api_base_url` (kapi) or `auth_base_url` (kauth) only:
`iter_friends` takes nothing but the query of `after_url`, and redirects are never followed, so
a token is never sent to another host.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx

from talksocial import __version__
from talksocial.client import _wire
from talksocial.client._auth import TokenStore, code_challenge_s256, generate_code_verifier
from talksocial.client._auth import generate_state as _generate_state
from talksocial.client._exceptions import ExpiredTokenError, KakaoAuthError
from talksocial.client._models import (
    AccessTokenInfo,
    AuthorizationRequest,
    Friend,
    Friends,
    MessageSendResult,
    OAuthToken,
    ScopeInfo,
    TalkProfile,
    TalkProfiles,
    TokenPair,
    User,
    UserIds,
)
from talksocial.client._templates import Template

KAPI_URL = "https://kapi.kakao.com"
KAUTH_URL = "https://kauth.kakao.com"


@dataclass(frozen=True)
class _Call:
    """One HTTP request, ready for `httpx.Client.request` or its async twin."""

    method: str
    url: str
    headers: Mapping[str, str]
    params: Mapping[str, str] = field(default_factory=dict)
    data: Mapping[str, str] | None = None

    def send_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"headers": dict(self.headers)}
        if self.params:
            kwargs["params"] = dict(self.params)
        if self.data is not None:
            kwargs["data"] = dict(self.data)
        return kwargs


@dataclass(frozen=True)
class _Retry:
    """What to do after an expired token: call again with `access_token`, after refreshing
    with `refresh_token` first when it is set."""

    access_token: str | None = None
    refresh_token: str | None = None


TemplateLike = Template | Mapping[str, Any]


def _template_json(template: TemplateLike) -> dict[str, Any]:
    """A template builder's JSON, or a template object given as a mapping, as it is."""
    if isinstance(template, Mapping):
        return dict(template)
    return template.to_json()


class _BaseClient:
    def __init__(
        self,
        *,
        access_token: str | None,
        admin_key: str | None,
        rest_api_key: str | None,
        client_secret: str | None,
        api_base_url: str,
        auth_base_url: str,
        lang: str | None,
        token_store: TokenStore | None,
    ) -> None:
        self.access_token = access_token
        self.admin_key = admin_key
        self.rest_api_key = rest_api_key
        self.client_secret = client_secret
        self.api_base_url = api_base_url.rstrip("/")
        self.auth_base_url = auth_base_url.rstrip("/")
        self.lang = lang
        self.token_store = token_store

    # ---- credentials -------------------------------------------------------------------------

    def _user_token(self) -> str:
        stored = self.token_store.get() if self.token_store is not None else None
        if stored is not None:
            return stored.access_token
        if not self.access_token:
            raise ValueError(
                "this call needs a user's access token: pass access_token= "
                "or a token_store that holds one"
            )
        return self.access_token

    def _require_admin_key(self) -> str:
        if not self.admin_key:
            raise ValueError("this call needs the app's admin key: pass admin_key=")
        return self.admin_key

    def _require_rest_api_key(self) -> str:
        if not self.rest_api_key:
            raise ValueError("this call needs the app's REST API key: pass rest_api_key=")
        return self.rest_api_key

    def _retry_after_expiry(self, used_token: str) -> _Retry | None:
        """Whether, and how, to call again after -401 ACCESS_TOKEN_EXPIRED, as the official SDKs'
        interceptors do: at most once, only through a token store."""
        if self.token_store is None:
            return None
        stored = self.token_store.get()
        if stored is None:
            return None
        if stored.access_token != used_token:
            # Someone refreshed meanwhile: use theirs.
            return _Retry(access_token=stored.access_token)
        if stored.refresh_token is None or self.rest_api_key is None:
            return None
        return _Retry(refresh_token=stored.refresh_token)

    def _refresh_token_or_stored(self, refresh_token: str | None) -> str:
        if refresh_token is not None:
            return refresh_token
        stored = self.token_store.get() if self.token_store is not None else None
        if stored is None or stored.refresh_token is None:
            raise ValueError("no refresh token: pass one, or a token_store that holds one")
        return stored.refresh_token

    def _remember(self, token: OAuthToken, previous_refresh_token: str | None) -> OAuthToken:
        if self.token_store is not None:
            refresh_token = token.refresh_token or previous_refresh_token
            self.token_store.set(TokenPair(token.access_token, refresh_token))
        return token

    def _forget(self) -> None:
        if self.token_store is not None:
            self.token_store.set(None)

    # ---- requests ----------------------------------------------------------------------------

    def _headers(self, authorization: Mapping[str, str]) -> dict[str, str]:
        return {**_wire.ka_headers(__version__, self.lang), **authorization}

    def _user_call(
        self,
        method: str,
        path: str,
        access_token: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> _Call:
        return _Call(
            method,
            self.api_base_url + path,
            self._headers(_wire.bearer_headers(access_token)),
            params or {},
            data,
        )

    def _admin_call(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> _Call:
        return _Call(
            method,
            self.api_base_url + path,
            self._headers(_wire.admin_key_headers(self._require_admin_key())),
            params or {},
            data,
        )

    def _token_call(self, form: Mapping[str, str]) -> _Call:
        return _Call("POST", self.auth_base_url + _wire.TOKEN, self._headers({}), {}, form)

    def _friends_params(
        self,
        offset: int | None,
        limit: int | None,
        order: str | None,
        friend_order: str | None,
    ) -> dict[str, str]:
        return _wire.friends_params(offset, limit, order, friend_order)

    @staticmethod
    def _next_ids_params(page: UserIds, params: Mapping[str, str]) -> dict[str, str] | None:
        """The query of `/v1/user/ids`'s `after_url`; None at the end."""
        if not page.after_url or not page.elements:
            return None
        following = dict(httpx.URL(page.after_url).params.multi_items())
        return None if following == dict(params) else following

    @staticmethod
    def _next_page_params(page: Friends, params: Mapping[str, str]) -> dict[str, str] | None:
        """The query of `after_url`, to be sent to our own base URL; None at the end."""
        if not page.after_url or not page.elements:
            return None
        following = dict(httpx.URL(page.after_url).params.multi_items())
        return None if following == dict(params) else following

    def _code_grant(self, code: str, redirect_uri: str, code_verifier: str | None) -> _Call:
        return self._token_call(
            _wire.code_grant_form(
                client_id=self._require_rest_api_key(),
                client_secret=self.client_secret,
                code=code,
                redirect_uri=redirect_uri,
                code_verifier=code_verifier,
            )
        )

    def _refresh_grant(self, refresh_token: str) -> _Call:
        return self._token_call(
            _wire.refresh_grant_form(
                client_id=self._require_rest_api_key(),
                client_secret=self.client_secret,
                refresh_token=refresh_token,
            )
        )

    @staticmethod
    def _parse(response: httpx.Response) -> Any:
        """The JSON body of a success; the Kakao error of anything else."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if 200 <= response.status_code < 300 and isinstance(body, (dict, list)):
            return body
        raise _wire.error(response.status_code, body, response.text)

    # ---- calls that send nothing -------------------------------------------------------------

    def authorization_url(
        self,
        redirect_uri: str,
        *,
        scope: Sequence[str] | None = None,
        state: str | None = None,
        prompt: Sequence[str] | None = None,
        pkce: bool = True,
        code_verifier: str | None = None,
        nonce: str | None = None,
        login_hint: str | None = None,
    ) -> AuthorizationRequest:
        """The `/oauth/authorize` URL to send the browser to, with a fresh `state` and (unless
        `pkce=False`) a PKCE S256 challenge whose verifier `exchange_code` needs. `prompt`
        lists `login`, `none`, `create`, `select_account`; `login_hint` pre-fills the
        account."""
        state = state if state is not None else _generate_state()
        verifier = (code_verifier or generate_code_verifier()) if pkce else None
        params = _wire.authorize_params(
            client_id=self._require_rest_api_key(),
            redirect_uri=redirect_uri,
            state=state,
            scope=scope,
            prompt=prompt,
            code_challenge=code_challenge_s256(verifier) if verifier is not None else None,
            nonce=nonce,
            login_hint=login_hint,
        )
        url = httpx.URL(self.auth_base_url + _wire.AUTHORIZE, params=params)
        return AuthorizationRequest(url=str(url), state=state, code_verifier=verifier)

    def logout_url(self, logout_redirect_uri: str, *, state: str | None = None) -> str:
        """The `/oauth/logout` URL to send the browser to: it ends the browser's login session
        and comes back to `logout_redirect_uri` (one of the app's registered ones) with
        `state`. The app's tokens are not touched (`logout()` ends those)."""
        params = {"client_id": self._require_rest_api_key(),
                  "logout_redirect_uri": logout_redirect_uri}
        if state is not None:
            params["state"] = state
        return str(httpx.URL(self.auth_base_url + _wire.OAUTH_LOGOUT, params=params))


class KakaoClient(_BaseClient):
    """A blocking client of the Kakao APIs (or of a talksocial server at both base URLs)."""

    def __init__(
        self,
        *,
        access_token: str | None = None,
        admin_key: str | None = None,
        rest_api_key: str | None = None,
        client_secret: str | None = None,
        api_base_url: str = KAPI_URL,
        auth_base_url: str = KAUTH_URL,
        lang: str | None = None,
        token_store: TokenStore | None = None,
        timeout: float | httpx.Timeout = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            access_token=access_token,
            admin_key=admin_key,
            rest_api_key=rest_api_key,
            client_secret=client_secret,
            api_base_url=api_base_url,
            auth_base_url=auth_base_url,
            lang=lang,
            token_store=token_store,
        )
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    def __enter__(self) -> KakaoClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, call: _Call) -> Any:
        return self._parse(self._http.request(call.method, call.url, **call.send_kwargs()))

    def _for_user(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> Any:
        token = self._user_token()
        try:
            return self._send(self._user_call(method, path, token, params, data))
        except ExpiredTokenError as expired:
            retry = self._retry_after_expiry(token)
            if retry is None:
                raise
            if retry.refresh_token is not None:
                try:
                    token = self.refresh(retry.refresh_token).access_token
                except KakaoAuthError as auth_error:
                    raise expired from auth_error
            else:
                assert retry.access_token is not None
                token = retry.access_token
        return self._send(self._user_call(method, path, token, params, data))

    # ---- Talk Social -------------------------------------------------------------------------

    def talk_profile(self) -> TalkProfile:
        """`GET /v1/api/talk/profile`: the user's own Talk profile."""
        return _wire.talk_profile(self._for_user("GET", _wire.TALK_PROFILE))

    def friends(
        self,
        *,
        offset: int | None = None,
        limit: int | None = None,
        order: str | None = None,
        friend_order: str | None = None,
    ) -> Friends:
        """`GET /v1/api/talk/friends`: one page of the user's friends who use the app."""
        params = self._friends_params(offset, limit, order, friend_order)
        return _wire.friends(self._for_user("GET", _wire.TALK_FRIENDS, params))

    def iter_friends(
        self,
        *,
        offset: int | None = None,
        limit: int | None = 100,
        order: str | None = None,
        friend_order: str | None = None,
    ) -> Iterator[Friend]:
        """Every friend from `offset` on, page by page along `after_url`."""
        params: dict[str, str] | None = self._friends_params(offset, limit, order, friend_order)
        while params is not None:
            page = _wire.friends(self._for_user("GET", _wire.TALK_FRIENDS, params))
            yield from page.elements
            params = self._next_page_params(page, params)

    def talk_profiles(
        self, target_ids: Sequence[int], *, viewer_id: int | None = None
    ) -> TalkProfiles:
        """`/v2/api/talk/profiles` with the admin key: the targets' Talk profiles, as the viewer
        sees them when `viewer_id` is given."""
        form = _wire.talk_profiles_form(target_ids, viewer_id)
        return _wire.talk_profiles(
            self._send(self._admin_call("GET", _wire.TALK_PROFILES, data=form))
        )

    # ---- Kakao Login ---------------------------------------------------------------------------

    def exchange_code(
        self, code: str, *, redirect_uri: str, code_verifier: str | None = None
    ) -> OAuthToken:
        """`POST /oauth/token` (authorization_code): the tokens for the redirect's `code`."""
        token = _wire.oauth_token(self._send(self._code_grant(code, redirect_uri, code_verifier)))
        return self._remember(token, None)

    def refresh(self, refresh_token: str | None = None) -> OAuthToken:
        """`POST /oauth/token` (refresh_token), with the token store's refresh token by default."""
        refresh_token = self._refresh_token_or_stored(refresh_token)
        token = _wire.oauth_token(self._send(self._refresh_grant(refresh_token)))
        return self._remember(token, refresh_token)

    def access_token_info(self) -> AccessTokenInfo:
        """`GET /v1/user/access_token_info`."""
        return _wire.access_token_info(self._for_user("GET", _wire.ACCESS_TOKEN_INFO))

    def logout(self, *, target_id: int | None = None) -> int | None:
        """`POST /v1/user/logout`: the user's id; the token store is emptied. With `target_id`
        (admin key): every token of that user in the app ends (the store is kept)."""
        if target_id is not None:
            call = self._admin_call("POST", _wire.LOGOUT, data=_wire.target_form(target_id))
            return _wire.user_id(self._send(call))
        user_id = _wire.user_id(self._for_user("POST", _wire.LOGOUT))
        self._forget()
        return user_id

    def unlink(self, *, target_id: int | None = None) -> int | None:
        """`POST /v1/user/unlink`: the user's own (token), or `target_id`'s with the admin key."""
        if target_id is not None:
            call = self._admin_call("POST", _wire.UNLINK, data=_wire.unlink_form(target_id))
            return _wire.user_id(self._send(call))
        user_id = _wire.user_id(self._for_user("POST", _wire.UNLINK))
        self._forget()
        return user_id

    def scopes(
        self, scopes: Sequence[str] | None = None, *, target_id: int | None = None
    ) -> ScopeInfo:
        """`GET /v2/user/scopes`: the app's consent items and whether the user agreed (the
        token's user, or `target_id`'s with the admin key)."""
        params = _wire.scopes_params(scopes)
        if target_id is not None:
            call = self._admin_call("GET", _wire.SCOPES, {**params, **_wire.target_form(target_id)})
            return _wire.scope_info(self._send(call))
        return _wire.scope_info(self._for_user("GET", _wire.SCOPES, params))

    def revoke_scopes(self, scopes: Sequence[str], *, target_id: int | None = None) -> ScopeInfo:
        """`POST /v2/user/revoke/scopes`: withdraw optional, agreed items."""
        form = _wire.scopes_params(scopes)
        if target_id is not None:
            call = self._admin_call("POST", _wire.REVOKE_SCOPES,
                                    data={**form, **_wire.target_form(target_id)})
            return _wire.scope_info(self._send(call))
        return _wire.scope_info(self._for_user("POST", _wire.REVOKE_SCOPES, data=form))

    def me(
        self, *, property_keys: Sequence[str] | None = None, target_id: int | None = None
    ) -> User:
        """`GET /v2/user/me`: the Kakao Account's own profile (not the Talk profile), of the
        token's user or of `target_id` with the admin key."""
        params = _wire.me_params(property_keys)
        if target_id is not None:
            call = self._admin_call("GET", _wire.ME, {**params, **_wire.target_form(target_id)})
            return _wire.user(self._send(call))
        return _wire.user(self._for_user("GET", _wire.ME, params))

    def app_users(
        self, target_ids: Sequence[int], *, property_keys: Sequence[str] | None = None
    ) -> list[User]:
        """`POST /v2/app/users` (admin key): the users' `/v2/user/me`, in the order asked."""
        form = _wire.app_users_form(target_ids, property_keys)
        return _wire.users(self._send(self._admin_call("POST", _wire.APP_USERS, data=form)))

    def user_ids(
        self, *, limit: int | None = None, from_id: int | None = None, order: str | None = None
    ) -> UserIds:
        """`GET /v1/user/ids` (admin key): one page of the app's user ids."""
        params = _wire.user_ids_params(limit, from_id, order)
        return _wire.user_ids(self._send(self._admin_call("GET", _wire.USER_IDS, params)))

    def iter_user_ids(
        self, *, limit: int | None = 100, from_id: int | None = None, order: str | None = None
    ) -> Iterator[int]:
        """Every user id of the app after `from_id`, page by page along `after_url`."""
        params: dict[str, str] | None = _wire.user_ids_params(limit, from_id, order)
        while params is not None:
            page = _wire.user_ids(self._send(self._admin_call("GET", _wire.USER_IDS, params)))
            yield from page.elements
            params = self._next_ids_params(page, params)

    def update_profile(self, properties: Mapping[str, str]) -> int | None:
        """`POST /v1/user/update_profile`: stores the user's custom properties (keys the app
        declares; another key raises `UserPropertyNotFoundError`)."""
        form = _wire.update_profile_form(properties)
        return _wire.user_id(self._for_user("POST", _wire.UPDATE_PROFILE, data=form))

    # ---- the Talk Message API ----------------------------------------------------------------

    def send_default_memo(self, template: TemplateLike) -> None:
        """`POST /v2/api/talk/memo/default/send`: a template object to the user's own chat."""
        form = _wire.message_form(template_object=_template_json(template))
        self._for_user("POST", _wire.MEMO_DEFAULT, data=form)

    def send_custom_memo(
        self, template_id: int, template_args: Mapping[str, str] | None = None
    ) -> None:
        """`POST /v2/api/talk/memo/send`: a custom template of the app to the user's own chat."""
        form = _wire.message_form(template_id=template_id, template_args=template_args)
        self._for_user("POST", _wire.MEMO_CUSTOM, data=form)

    def send_scrap_memo(
        self,
        request_url: str,
        template_id: int | None = None,
        template_args: Mapping[str, str] | None = None,
    ) -> None:
        """`POST /v2/api/talk/memo/scrap/send`: a web page's preview to the user's own chat."""
        form = _wire.message_form(request_url=request_url, template_id=template_id,
                                  template_args=template_args)
        self._for_user("POST", _wire.MEMO_SCRAP, data=form)

    def send_default_message(
        self, receiver_uuids: Sequence[str], template: TemplateLike
    ) -> MessageSendResult:
        """`POST /v1/api/talk/friends/message/default/send`: a template object to friends."""
        form = _wire.message_form(receiver_uuids=receiver_uuids,
                                  template_object=_template_json(template))
        return _wire.message_send_result(self._for_user("POST", _wire.MESSAGE_DEFAULT,
                                                           data=form))

    def send_custom_message(
        self,
        receiver_uuids: Sequence[str],
        template_id: int,
        template_args: Mapping[str, str] | None = None,
    ) -> MessageSendResult:
        """`POST /v1/api/talk/friends/message/send`: a custom template to friends."""
        form = _wire.message_form(receiver_uuids=receiver_uuids, template_id=template_id,
                                  template_args=template_args)
        return _wire.message_send_result(self._for_user("POST", _wire.MESSAGE_CUSTOM,
                                                           data=form))

    def send_scrap_message(
        self,
        receiver_uuids: Sequence[str],
        request_url: str,
        template_id: int | None = None,
        template_args: Mapping[str, str] | None = None,
    ) -> MessageSendResult:
        """`POST /v1/api/talk/friends/message/scrap/send`: a web page's preview to friends."""
        form = _wire.message_form(receiver_uuids=receiver_uuids, request_url=request_url,
                                  template_id=template_id, template_args=template_args)
        return _wire.message_send_result(self._for_user("POST", _wire.MESSAGE_SCRAP,
                                                           data=form))


class AsyncKakaoClient(_BaseClient):
    """The asyncio twin of `KakaoClient`: the same calls, awaited."""

    def __init__(
        self,
        *,
        access_token: str | None = None,
        admin_key: str | None = None,
        rest_api_key: str | None = None,
        client_secret: str | None = None,
        api_base_url: str = KAPI_URL,
        auth_base_url: str = KAUTH_URL,
        lang: str | None = None,
        token_store: TokenStore | None = None,
        timeout: float | httpx.Timeout = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            access_token=access_token,
            admin_key=admin_key,
            rest_api_key=rest_api_key,
            client_secret=client_secret,
            api_base_url=api_base_url,
            auth_base_url=auth_base_url,
            lang=lang,
            token_store=token_store,
        )
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=False)

    async def __aenter__(self) -> AsyncKakaoClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(self, call: _Call) -> Any:
        return self._parse(await self._http.request(call.method, call.url, **call.send_kwargs()))

    async def _for_user(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> Any:
        token = self._user_token()
        try:
            return await self._send(self._user_call(method, path, token, params, data))
        except ExpiredTokenError as expired:
            retry = self._retry_after_expiry(token)
            if retry is None:
                raise
            if retry.refresh_token is not None:
                try:
                    token = (await self.refresh(retry.refresh_token)).access_token
                except KakaoAuthError as auth_error:
                    raise expired from auth_error
            else:
                assert retry.access_token is not None
                token = retry.access_token
        return await self._send(self._user_call(method, path, token, params, data))

    # ---- Talk Social -------------------------------------------------------------------------

    async def talk_profile(self) -> TalkProfile:
        """`GET /v1/api/talk/profile`: the user's own Talk profile."""
        return _wire.talk_profile(await self._for_user("GET", _wire.TALK_PROFILE))

    async def friends(
        self,
        *,
        offset: int | None = None,
        limit: int | None = None,
        order: str | None = None,
        friend_order: str | None = None,
    ) -> Friends:
        """`GET /v1/api/talk/friends`: one page of the user's friends who use the app."""
        params = self._friends_params(offset, limit, order, friend_order)
        return _wire.friends(await self._for_user("GET", _wire.TALK_FRIENDS, params))

    async def iter_friends(
        self,
        *,
        offset: int | None = None,
        limit: int | None = 100,
        order: str | None = None,
        friend_order: str | None = None,
    ) -> AsyncIterator[Friend]:
        """Every friend from `offset` on, page by page along `after_url`."""
        params: dict[str, str] | None = self._friends_params(offset, limit, order, friend_order)
        while params is not None:
            page = _wire.friends(await self._for_user("GET", _wire.TALK_FRIENDS, params))
            for friend in page.elements:
                yield friend
            params = self._next_page_params(page, params)

    async def talk_profiles(
        self, target_ids: Sequence[int], *, viewer_id: int | None = None
    ) -> TalkProfiles:
        """`/v2/api/talk/profiles` with the admin key: the targets' Talk profiles, as the viewer
        sees them when `viewer_id` is given."""
        form = _wire.talk_profiles_form(target_ids, viewer_id)
        call = self._admin_call("GET", _wire.TALK_PROFILES, data=form)
        return _wire.talk_profiles(await self._send(call))

    # ---- Kakao Login ---------------------------------------------------------------------------

    async def exchange_code(
        self, code: str, *, redirect_uri: str, code_verifier: str | None = None
    ) -> OAuthToken:
        """`POST /oauth/token` (authorization_code): the tokens for the redirect's `code`."""
        call = self._code_grant(code, redirect_uri, code_verifier)
        return self._remember(_wire.oauth_token(await self._send(call)), None)

    async def refresh(self, refresh_token: str | None = None) -> OAuthToken:
        """`POST /oauth/token` (refresh_token), with the token store's refresh token by default."""
        refresh_token = self._refresh_token_or_stored(refresh_token)
        token = _wire.oauth_token(await self._send(self._refresh_grant(refresh_token)))
        return self._remember(token, refresh_token)

    async def access_token_info(self) -> AccessTokenInfo:
        """`GET /v1/user/access_token_info`."""
        return _wire.access_token_info(await self._for_user("GET", _wire.ACCESS_TOKEN_INFO))

    async def logout(self, *, target_id: int | None = None) -> int | None:
        """`POST /v1/user/logout`: the user's id; the token store is emptied. With `target_id`
        (admin key): every token of that user in the app ends (the store is kept)."""
        if target_id is not None:
            call = self._admin_call("POST", _wire.LOGOUT, data=_wire.target_form(target_id))
            return _wire.user_id(await self._send(call))
        user_id = _wire.user_id(await self._for_user("POST", _wire.LOGOUT))
        self._forget()
        return user_id

    async def unlink(self, *, target_id: int | None = None) -> int | None:
        """`POST /v1/user/unlink`: the user's own (token), or `target_id`'s with the admin key."""
        if target_id is not None:
            call = self._admin_call("POST", _wire.UNLINK, data=_wire.unlink_form(target_id))
            return _wire.user_id(await self._send(call))
        user_id = _wire.user_id(await self._for_user("POST", _wire.UNLINK))
        self._forget()
        return user_id

    async def scopes(
        self, scopes: Sequence[str] | None = None, *, target_id: int | None = None
    ) -> ScopeInfo:
        """`GET /v2/user/scopes`: the app's consent items and whether the user agreed (the
        token's user, or `target_id`'s with the admin key)."""
        params = _wire.scopes_params(scopes)
        if target_id is not None:
            call = self._admin_call("GET", _wire.SCOPES, {**params, **_wire.target_form(target_id)})
            return _wire.scope_info(await self._send(call))
        return _wire.scope_info(await self._for_user("GET", _wire.SCOPES, params))

    async def revoke_scopes(self, scopes: Sequence[str], *, target_id: int | None = None) -> ScopeInfo:
        """`POST /v2/user/revoke/scopes`: withdraw optional, agreed items."""
        form = _wire.scopes_params(scopes)
        if target_id is not None:
            call = self._admin_call("POST", _wire.REVOKE_SCOPES,
                                    data={**form, **_wire.target_form(target_id)})
            return _wire.scope_info(await self._send(call))
        return _wire.scope_info(await self._for_user("POST", _wire.REVOKE_SCOPES, data=form))

    async def me(
        self, *, property_keys: Sequence[str] | None = None, target_id: int | None = None
    ) -> User:
        """`GET /v2/user/me`: the Kakao Account's own profile (not the Talk profile), of the
        token's user or of `target_id` with the admin key."""
        params = _wire.me_params(property_keys)
        if target_id is not None:
            call = self._admin_call("GET", _wire.ME, {**params, **_wire.target_form(target_id)})
            return _wire.user(await self._send(call))
        return _wire.user(await self._for_user("GET", _wire.ME, params))

    async def app_users(
        self, target_ids: Sequence[int], *, property_keys: Sequence[str] | None = None
    ) -> list[User]:
        """`POST /v2/app/users` (admin key): the users' `/v2/user/me`, in the order asked."""
        form = _wire.app_users_form(target_ids, property_keys)
        return _wire.users(await self._send(self._admin_call("POST", _wire.APP_USERS, data=form)))

    async def user_ids(
        self, *, limit: int | None = None, from_id: int | None = None, order: str | None = None
    ) -> UserIds:
        """`GET /v1/user/ids` (admin key): one page of the app's user ids."""
        params = _wire.user_ids_params(limit, from_id, order)
        return _wire.user_ids(await self._send(self._admin_call("GET", _wire.USER_IDS, params)))

    async def iter_user_ids(
        self, *, limit: int | None = 100, from_id: int | None = None, order: str | None = None
    ) -> AsyncIterator[int]:
        """Every user id of the app after `from_id`, page by page along `after_url`."""
        params: dict[str, str] | None = _wire.user_ids_params(limit, from_id, order)
        while params is not None:
            call = self._admin_call("GET", _wire.USER_IDS, params)
            page = _wire.user_ids(await self._send(call))
            for user_id in page.elements:
                yield user_id
            params = self._next_ids_params(page, params)

    async def update_profile(self, properties: Mapping[str, str]) -> int | None:
        """`POST /v1/user/update_profile`: stores the user's custom properties (keys the app
        declares; another key raises `UserPropertyNotFoundError`)."""
        form = _wire.update_profile_form(properties)
        return _wire.user_id(await self._for_user("POST", _wire.UPDATE_PROFILE, data=form))

    # ---- the Talk Message API ----------------------------------------------------------------

    async def send_default_memo(self, template: TemplateLike) -> None:
        """`POST /v2/api/talk/memo/default/send`: a template object to the user's own chat."""
        form = _wire.message_form(template_object=_template_json(template))
        await self._for_user("POST", _wire.MEMO_DEFAULT, data=form)

    async def send_custom_memo(
        self, template_id: int, template_args: Mapping[str, str] | None = None
    ) -> None:
        """`POST /v2/api/talk/memo/send`: a custom template of the app to the user's own chat."""
        form = _wire.message_form(template_id=template_id, template_args=template_args)
        await self._for_user("POST", _wire.MEMO_CUSTOM, data=form)

    async def send_scrap_memo(
        self,
        request_url: str,
        template_id: int | None = None,
        template_args: Mapping[str, str] | None = None,
    ) -> None:
        """`POST /v2/api/talk/memo/scrap/send`: a web page's preview to the user's own chat."""
        form = _wire.message_form(request_url=request_url, template_id=template_id,
                                  template_args=template_args)
        await self._for_user("POST", _wire.MEMO_SCRAP, data=form)

    async def send_default_message(
        self, receiver_uuids: Sequence[str], template: TemplateLike
    ) -> MessageSendResult:
        """`POST /v1/api/talk/friends/message/default/send`: a template object to friends."""
        form = _wire.message_form(receiver_uuids=receiver_uuids,
                                  template_object=_template_json(template))
        return _wire.message_send_result(await self._for_user("POST", _wire.MESSAGE_DEFAULT,
                                                           data=form))

    async def send_custom_message(
        self,
        receiver_uuids: Sequence[str],
        template_id: int,
        template_args: Mapping[str, str] | None = None,
    ) -> MessageSendResult:
        """`POST /v1/api/talk/friends/message/send`: a custom template to friends."""
        form = _wire.message_form(receiver_uuids=receiver_uuids, template_id=template_id,
                                  template_args=template_args)
        return _wire.message_send_result(await self._for_user("POST", _wire.MESSAGE_CUSTOM,
                                                           data=form))

    async def send_scrap_message(
        self,
        receiver_uuids: Sequence[str],
        request_url: str,
        template_id: int | None = None,
        template_args: Mapping[str, str] | None = None,
    ) -> MessageSendResult:
        """`POST /v1/api/talk/friends/message/scrap/send`: a web page's preview to friends."""
        form = _wire.message_form(receiver_uuids=receiver_uuids, request_url=request_url,
                                  template_id=template_id, template_args=template_args)
        return _wire.message_send_result(await self._for_user("POST", _wire.MESSAGE_SCRAP,
                                                           data=form))
