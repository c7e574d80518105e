// Preloaded (`node --require`) by the compatibility suite: inside this process only, Kakao's two
// host names resolve to the talksocial under test (TALKSOCIAL_COMPAT_ADDR).
'use strict';
const dns = require('dns');
const addr = process.env.TALKSOCIAL_COMPAT_ADDR;
const names = new Set(['kauth.kakao.com', 'kapi.kakao.com']);
const realLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof hostname === 'string' && names.has(hostname.toLowerCase())) {
    return realLookup.call(dns, addr, options, callback);
  }
  return realLookup.call(dns, hostname, options, callback);
};
