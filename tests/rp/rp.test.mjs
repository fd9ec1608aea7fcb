// A real OpenID Connect relying party, panva's openid-client (v6, on
// oauth4webapi and jose), against a running gatehouse: discovery, the
// authorization code flow with PKCE, state and nonce, id_token validation
// (signature against the JWKS, iss, aud, azp, exp, iat, nonce, auth_time
// with maxAge, the RFC 9207 iss of the redirect), /userinfo with the
// subject check, the refresh grant's id_token, and revocation.
//
// The browser part of the flow (sign-in form, consent) is driven with
// plain HTTP: fetch the login page, post username, password and its CSRF
// fields with the cookies it set, post "allow" on the consent page.
//
// Environment: GH_ISSUER, GH_CLIENT (a public client), GH_REDIRECT (its
// redirect URI), GH_USER, GH_PASSWORD, GH_NAME and GH_EMAIL (the user's
// claims). Prints "ok - ..." / "not ok - ..." lines and "N passed, N failed".
import * as client from 'openid-client';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const ISSUER = env('GH_ISSUER');
const CLIENT = env('GH_CLIENT');
const REDIRECT = env('GH_REDIRECT');
const USER = env('GH_USER');
const PASSWORD = env('GH_PASSWORD');
const NAME = env('GH_NAME');
const EMAIL = env('GH_EMAIL');

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
    result(false, name, e && (e.code || e.error) ? `${e.code || ''} ${e.error || ''} ${e.message}` : e);
    return undefined;
  }
}
// fn must throw an error whose code, error, message and cause match want.
async function rejects(name, fn, want) {
  try {
    await fn();
    result(false, name, 'expected an error');
  } catch (e) {
    const text = `${e.code || ''} ${e.error || ''} ${e.message || ''} ${JSON.stringify(e.cause || '')}`;
    result(want.test(text), name, want.test(text) ? undefined : text);
  }
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
const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
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
      cookie: cookieHeader(),
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: body ? new URLSearchParams(body) : undefined,
  });
  remember(res);
  return res;
}
// Runs the sign-in (and consent) for an authorization URL; returns the
// redirect back to the client as a URL.
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

// ---- the relying party ----
const insecure = { execute: [client.allowInsecureRequests] }; // http://127.0.0.1 in tests only
const config = await check('discovery of the issuer (openid-configuration)', () =>
  client.discovery(new URL(ISSUER), CLIENT, undefined, client.None(), insecure));
if (!config) {
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}
const meta = config.serverMetadata();
result(meta.issuer === ISSUER && meta.userinfo_endpoint === `${ISSUER}/userinfo`,
  'metadata names the issuer and the userinfo endpoint');
result(config.serverMetadata().supportsPKCE('S256'), 'metadata says PKCE with S256');

async function flow(nonce, extraChecks = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid profile email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const back = await signIn(url);
  return client.authorizationCodeGrant(config, back, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
    ...extraChecks,
  });
}

const nonce = client.randomNonce();
const tokens = await check('code + PKCE + nonce: token response with a valid id_token', () =>
  flow(nonce, { maxAge: 600 }));
if (tokens) {
  const claims = tokens.claims();
  result(claims.sub === USER && claims.nonce === nonce && claims.aud === CLIENT,
    'id_token: sub, nonce as sent, aud = client id', JSON.stringify(claims));
  result(typeof claims.auth_time === 'number' && typeof claims.sid === 'string' &&
    typeof claims.at_hash === 'string' && claims.azp === CLIENT,
    'id_token: auth_time, sid, at_hash, azp', JSON.stringify(claims));

  const info = await check('userinfo with the subject check', () =>
    client.fetchUserInfo(config, tokens.access_token, claims.sub));
  if (info) {
    result(info.sub === USER && info.name === NAME && info.email === EMAIL &&
      info.email_verified === true && info.preferred_username === USER,
      'userinfo: sub, name, email, email_verified, preferred_username', JSON.stringify(info));
  }
  await rejects('userinfo for another subject is refused by the client',
    () => client.fetchUserInfo(config, tokens.access_token, 'mallory'),
    /OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED/);

  const fresh = await check('refresh grant: rotated tokens and a new id_token', () =>
    client.refreshTokenGrant(config, tokens.refresh_token));
  if (fresh) {
    const c2 = fresh.claims();
    result(c2 && c2.sub === claims.sub && c2.auth_time === claims.auth_time &&
      c2.sid === claims.sid && c2.nonce === undefined,
      'refreshed id_token: same sub, auth_time and sid, no nonce', JSON.stringify(c2));
    result(fresh.refresh_token && fresh.refresh_token !== tokens.refresh_token,
      'refresh token rotated');
    await rejects('the rotated-out refresh token is refused (invalid_grant)',
      () => client.refreshTokenGrant(config, tokens.refresh_token), /invalid_grant/);
    await rejects('the family is revoked after reuse (invalid_grant)',
      () => client.refreshTokenGrant(config, fresh.refresh_token), /invalid_grant/);
    await rejects('userinfo refuses the revoked family\'s access token',
      () => client.fetchUserInfo(config, fresh.access_token, claims.sub),
      /OAUTH_WWW_AUTHENTICATE_CHALLENGE.*"error":"invalid_token"/);
  }
}

// A second sign-in in the same browser: no password (consent again), same session.
const again = await check('second flow in the same browser (single sign-on)', () =>
  flow(client.randomNonce()));
if (again && tokens) {
  const c = again.claims();
  result(c.sid === tokens.claims().sid && c.auth_time === tokens.claims().auth_time,
    'same browser session: same sid and auth_time');
  await check('token revocation (RFC 7009) of the refresh token', () =>
    client.tokenRevocation(config, again.refresh_token));
  await rejects('revoked refresh token is refused',
    () => client.refreshTokenGrant(config, again.refresh_token), /invalid_grant/);
}

// The client's own checks fail closed on a wrong nonce.
await rejects('an unexpected nonce is refused by the client', async () => {
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT, scope: 'openid', state: 's',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256', nonce: 'sent-nonce',
  });
  const back = await signIn(url);
  return client.authorizationCodeGrant(config, back,
    { pkceCodeVerifier: verifier, expectedState: 's', expectedNonce: 'other-nonce' });
}, /OAUTH_JWT_CLAIM_COMPARISON_FAILED/); // the nonce is the one claim that differs

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
