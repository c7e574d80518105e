// openid-client, unmodified, as a generic OpenID Connect client of Kakao: discovery from
// https://kauth.kakao.com, an authorization request with PKCE and a nonce (`url`), then
// (`complete CALLBACK_URL`) the code grant with id_token validation, userinfo and a refresh.
'use strict';
const fs = require('fs');
const client = require('openid-client');

const session = process.env.COMPAT_SESSION_FILE;

async function main() {
  const [step, callbackUrl] = process.argv.slice(2);
  const config = await client.discovery(
    new URL('https://kauth.kakao.com'), process.env.KAKAO_CLIENT_ID, undefined, client.None(),
  );
  if (step === 'url') {
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: process.env.KAKAO_CALLBACK,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
    });
    fs.writeFileSync(session, JSON.stringify({ verifier, nonce }));
    console.log(JSON.stringify({ url: url.href }));
    return;
  }
  const saved = JSON.parse(fs.readFileSync(session, 'utf8'));
  const tokens = await client.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: saved.verifier, expectedNonce: saved.nonce, idTokenExpected: true,
  });
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  console.log(JSON.stringify({
    claims, userinfo, refreshed: refreshed.access_token !== tokens.access_token,
  }));
}

main().catch((err) => { console.error(err && (err.stack || err)); process.exitCode = 1; });
