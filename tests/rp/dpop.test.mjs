// DPoP (RFC 9449) with panva's oauth4webapi as the client, against a
// gatehouse serving with --dpop-nonce and its Resource API: discovery
// (dpop_signing_alg_values_supported), the authorization code flow with
// PKCE and dpop_jkt, the use_dpop_nonce retry at the token endpoint and at
// the API, DPoP-bound refresh with rotation, and the refusals a client
// without the key meets. The sign-in itself is driven over plain HTTP, as
// in rp.test.mjs.
//
// Environment: GH_ISSUER, GH_API (the Resource API's base URL), GH_CLIENT (a
// public client registered with --dpop-bound), GH_REDIRECT, GH_USER,
// GH_PASSWORD. Prints "ok - ..." / "not ok - ..." lines and
// "N passed, N failed".
import * as oauth from 'oauth4webapi';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const ISSUER = env('GH_ISSUER');
const API = env('GH_API');
const CLIENT = env('GH_CLIENT');
const REDIRECT = env('GH_REDIRECT');
const USER = env('GH_USER');
const PASSWORD = env('GH_PASSWORD');

let passed = 0;
let failed = 0;
function result(ok, name, detail) {
  if (ok) {
    passed++;
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`not ok - ${name}${detail ? ` # ${String(detail).replace(/\s+/g, ' ')}` : ''}`);
  }
}
async function check(name, fn) {
  try {
    const v = await fn();
    result(v !== false, name, v === false ? 'check returned false' : undefined);
    return v;
  } catch (e) {
    result(false, name, `${e.code || ''} ${e.error || ''} ${e.message}`);
    return undefined;
  }
}
function done() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

// ---- the browser part, over plain HTTP ----
const jar = new Map();
function remember(res) {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    jar.set(pair.slice(0, i), pair.slice(i + 1));
  }
}
const unescape = (s) =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&#x27;/g, "'").replace(/&amp;/g, '&');
function formFields(html) {
  const out = {};
  for (const m of html.matchAll(/name="([^"]+)" value="([^"]*)"/g)) out[m[1]] = unescape(m[2]);
  return out;
}
async function browse(url, body) {
  const res = await fetch(url, {
    method: body ? 'POST' : 'GET',
    redirect: 'manual',
    headers: {
      cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: body ? new URLSearchParams(body) : undefined,
  });
  remember(res);
  return res;
}
async function signIn(authUrl) {
  let res = await browse(authUrl);
  let page = res.status === 200 ? await res.text() : '';
  if (page.includes('action="/login"')) {
    res = await browse(`${ISSUER}/login`, { ...formFields(page), username: USER, password: PASSWORD });
    page = res.status === 200 ? await res.text() : '';
  }
  if (page.includes('action="/consent"'))
    res = await browse(`${ISSUER}/consent`, { ...formFields(page), decision: 'allow' });
  const loc = res.headers.get('location');
  if (![302, 303].includes(res.status) || !loc) throw new Error(`no redirect (${res.status})`);
  return new URL(loc);
}

// ---- the client ----
const insecure = { [oauth.allowInsecureRequests]: true }; // http://127.0.0.1 in tests only
const client = { client_id: CLIENT };
const auth = oauth.None();
let nonceRetries = 0;

/* Runs request(), and once more when the server asks for a DPoP nonce
 * (oauth4webapi's handle has kept the nonce from the error by then). */
async function withNonceRetry(request, processResponse) {
  try {
    return await processResponse(await request());
  } catch (e) {
    if (!oauth.isDPoPNonceError(e)) throw e;
    nonceRetries++;
    return processResponse(await request());
  }
}

const as = await check('discovery lists dpop_signing_alg_values_supported with ES256', async () => {
  const meta = await oauth.processDiscoveryResponse(new URL(ISSUER),
    await oauth.discoveryRequest(new URL(ISSUER), { ...insecure, algorithm: 'oauth2' }));
  if (!meta.dpop_signing_alg_values_supported?.includes('ES256')) throw new Error('no ES256');
  return meta;
});
if (!as) done();

const keyPair = await oauth.generateKeyPair('ES256');
const DPoP = oauth.DPoP(client, keyPair);
const jkt = await DPoP.calculateThumbprint();

let tokens = await check('code flow with PKCE and dpop_jkt, retried with the server nonce', async () => {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint);
  for (const [k, v] of Object.entries({
    response_type: 'code', client_id: CLIENT, redirect_uri: REDIRECT, scope: 'api',
    state, code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256', dpop_jkt: jkt,
  })) url.searchParams.set(k, v);
  const params = oauth.validateAuthResponse(as, client, await signIn(url), state);
  const t = await withNonceRetry(
    () => oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT, verifier,
      { DPoP, ...insecure }),
    (res) => oauth.processAuthorizationCodeResponse(as, client, res));
  if (t.token_type.toLowerCase() !== 'dpop') throw new Error(`token_type ${t.token_type}`);
  if (nonceRetries < 1) throw new Error('the token endpoint never asked for a nonce');
  return t;
});
if (!tokens) done();

await check('the access token carries cnf.jkt of the key', () => {
  const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url'));
  return claims.cnf?.jkt === jkt;
});

const meUrl = new URL(`${API}/api/me`);
await check('GET /api/me with a DPoP proof, retried with the API nonce', async () => {
  const before = nonceRetries;
  const body = await withNonceRetry(
    () => oauth.protectedResourceRequest(tokens.access_token, 'GET', meUrl, undefined, undefined,
      { DPoP, ...insecure }),
    async (res) => {
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      return res.json();
    });
  if (body.sub !== USER) throw new Error(`sub ${body.sub}`);
  return nonceRetries > before;
});

await check('refresh with DPoP rotates the refresh token and stays bound', async () => {
  const t = await withNonceRetry(
    () => oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token, { DPoP, ...insecure }),
    (res) => oauth.processRefreshTokenResponse(as, client, res));
  if (t.token_type.toLowerCase() !== 'dpop') throw new Error(`token_type ${t.token_type}`);
  if (t.refresh_token === tokens.refresh_token) throw new Error('not rotated');
  tokens = t;
  return true;
});

await check('a client with another key cannot refresh (invalid_grant)', async () => {
  const other = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
  try {
    await withNonceRetry(
      () => oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token,
        { DPoP: other, ...insecure }),
      (res) => oauth.processRefreshTokenResponse(as, client, res));
  } catch (e) {
    if (e.error === 'invalid_grant') return true;
    throw e;
  }
  throw new Error('the refresh succeeded');
});

await check('the access token sent as a Bearer token is refused (401, DPoP challenge)', async () => {
  const res = await fetch(meUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  const c = res.headers.get('www-authenticate') || '';
  return res.status === 401 && c.startsWith('DPoP') && c.includes('algs=');
});

await check('the refusals left the family alone: the key holder refreshes again', async () => {
  const t = await withNonceRetry(
    () => oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token, { DPoP, ...insecure }),
    (res) => oauth.processRefreshTokenResponse(as, client, res));
  return t.token_type.toLowerCase() === 'dpop';
});

done();
