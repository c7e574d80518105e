// passport-kakao, unmodified, in the two steps of a login: `url` prints where the strategy sends
// the browser; `complete CODE` exchanges the code and reads the profile (GET
// https://kapi.kakao.com/v2/user/me?access_token=...), printing the profile as JSON.
'use strict';
const KakaoStrategy = require('passport-kakao').Strategy;

const [step, code] = process.argv.slice(2);
const strategy = new KakaoStrategy(
  { clientID: process.env.KAKAO_CLIENT_ID, clientSecret: '', callbackURL: process.env.KAKAO_CALLBACK },
  (accessToken, refreshToken, profile, done) => done(null, profile),
);
strategy.redirect = (url) => { console.log(JSON.stringify({ url })); };
strategy.success = (profile) => {
  console.log(JSON.stringify({ id: profile.id, username: profile.username, displayName: profile.displayName }));
};
strategy.fail = (info) => { console.error(JSON.stringify({ fail: info })); process.exitCode = 1; };
strategy.error = (err) => { console.error(String(err && (err.stack || err.message || JSON.stringify(err)))); process.exitCode = 1; };
const req = { query: step === 'complete' ? { code } : {}, body: {}, headers: {}, url: '/', session: {} };
strategy.authenticate(req, {});
