// @auth/core (Auth.js) with its Kakao provider, unmodified, as a site at http://localhost:3000
// would run it: `url` fetches the CSRF token and posts the sign-in, printing where Auth.js sends
// the browser; `complete QUERY` hands the callback to Auth.js (code exchange, /v2/user/me) and
// prints the session it then reports. The cookies are kept in a file between the steps.
'use strict';
const fs = require('fs');
const { Auth } = require('@auth/core');
const Kakao = require('@auth/core/providers/kakao').default;

const ORIGIN = 'http://localhost:3000';
const jar = process.env.COMPAT_SESSION_FILE;
const config = {
  providers: [Kakao({ clientId: process.env.KAKAO_CLIENT_ID, clientSecret: 'unused' })],
  secret: 'talksocial-compat-secret-talksocial-compat-secret',
  trustHost: true,
  basePath: '/auth',
};

function loadCookies() {
  try { return JSON.parse(fs.readFileSync(jar, 'utf8')); } catch { return {}; }
}

async function call(path, init = {}) {
  const cookies = loadCookies();
  const headers = new Headers(init.headers || {});
  headers.set('cookie', Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; '));
  const response = await Auth(new Request(ORIGIN + path, { ...init, headers }), config);
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    const value = pair.slice(at + 1);
    if (/max-age=0/i.test(line) || value === '') delete cookies[name]; else cookies[name] = value;
  }
  fs.writeFileSync(jar, JSON.stringify(cookies));
  return response;
}

async function main() {
  const [step, query] = process.argv.slice(2);
  if (step === 'url') {
    const { csrfToken } = await (await call('/auth/csrf')).json();
    const response = await call('/auth/signin/kakao', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken, callbackUrl: ORIGIN + '/' }).toString(),
    });
    console.log(JSON.stringify({ url: response.headers.get('location') }));
    return;
  }
  const callback = await call('/auth/callback/kakao?' + query);
  const location = callback.headers.get('location');
  const session = await (await call('/auth/session')).json();
  console.log(JSON.stringify({ status: callback.status, location, session }));
}

main().catch((err) => { console.error(err && (err.stack || err)); process.exitCode = 1; });
