// The other certified provider of the flow-review fixtures: node-oidc-provider
// (panva/node-oidc-provider, OpenID Certified) on 127.0.0.1, with a relying
// party (a browser single-page app, public client, PKCE S256, state, nonce)
// and a Resource API, each on its own origin. Used by record.mjs; nothing
// here is part of gatehouse.
//
// The login form checks one account, "alice", whose password is a throwaway
// test value (FIXTURE_PASSWORD below): it is in the committed HAR files on
// purpose, so that the tests can check that `gatehouse trace import` reduces
// it to nothing.
import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

export const FIXTURE_USER = 'alice';
export const FIXTURE_PASSWORD = 'har-fixture-pw-peer-not-a-secret';

function page(title, body) {
    return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
        `<body><h1>${title}</h1>${body}</body></html>`;
}

async function readForm(req) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/* Login and consent pages of the provider (its "interactions"). */
function interactions(provider) {
    return async (ctx, next) => {
        const m = ctx.path.match(/^\/interaction\/([^/]+)(\/(login|confirm))?$/);
        if (!m) return next();
        const details = await provider.interactionDetails(ctx.req, ctx.res);
        const { uid, prompt, params } = details;
        if (ctx.method === 'GET') {
            ctx.type = 'html';
            ctx.body = prompt.name === 'login'
                ? page('Sign in', `<form method="post" action="/interaction/${uid}/login">` +
                    '<input name="username" autocomplete="username">' +
                    '<input name="password" type="password" autocomplete="current-password">' +
                    '<button type="submit">Sign in</button></form>')
                : page('Allow access?', `<p>${params.client_id} asks for: ${params.scope}</p>` +
                    `<form method="post" action="/interaction/${uid}/confirm">` +
                    '<button type="submit" name="decision" value="allow">Allow</button></form>');
            return undefined;
        }
        const form = await readForm(ctx.req);
        let result;
        if (m[3] === 'login') {
            if (form.get('username') !== FIXTURE_USER || form.get('password') !== FIXTURE_PASSWORD) {
                ctx.status = 401;
                ctx.type = 'html';
                ctx.body = page('Sign in failed', '<p>Wrong username or password.</p>');
                return undefined;
            }
            result = { login: { accountId: FIXTURE_USER } };
        } else {
            const grant = details.grantId ? await provider.Grant.find(details.grantId)
                : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
            const d = prompt.details;
            if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
            if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
            result = { consent: { grantId: await grant.save() } };
        }
        const to = await provider.interactionResult(ctx.req, ctx.res, result,
            { mergeWithLastSubmission: true });
        ctx.status = 303;
        ctx.redirect(to);
        return undefined;
    };
}

/* The relying party: one page, its script, and the callback route. */
function rpPage(issuer, api) {
    return `<!doctype html><html><head><meta charset="utf-8"><title>Review RP</title></head><body>
<h1>Review RP</h1>
<button id="signin">Sign in</button>
<div id="signed-in" hidden><span id="user"></span>
<button id="api">Call API</button> <button id="userinfo">Userinfo</button>
<button id="refresh">Refresh</button> <button id="signout">Sign out</button></div>
<pre id="out"></pre>
<script type="module">
const ISSUER = ${JSON.stringify(issuer)}, API = ${JSON.stringify(api)};
const CLIENT = 'review-spa', REDIRECT = location.origin + '/callback';
const $ = (id) => document.getElementById(id);
const b64url = (b) => btoa(String.fromCharCode(...new Uint8Array(b)))
    .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
const rand = () => b64url(crypto.getRandomValues(new Uint8Array(32)));
let meta = null, tokens = null, step = 0;
const out = (text) => { $('out').textContent = (++step) + ' ' + text; };
async function discover() {
    meta = meta || await (await fetch(ISSUER + '/.well-known/openid-configuration')).json();
    return meta;
}
async function post(url, fields) {
    const res = await fetch(url, { method: 'POST', body: new URLSearchParams(fields),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    return { status: res.status, body: await res.json().catch(() => null) };
}
$('signin').onclick = async () => {
    const m = await discover();
    const p = { verifier: rand(), state: rand(), nonce: rand() };
    sessionStorage.setItem('pending', JSON.stringify(p));
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(p.verifier));
    const q = new URLSearchParams({ response_type: 'code', client_id: CLIENT, redirect_uri: REDIRECT,
        scope: 'openid offline_access', state: p.state, nonce: p.nonce, prompt: 'consent',
        code_challenge: b64url(digest), code_challenge_method: 'S256' });
    location.assign(m.authorization_endpoint + '?' + q);
};
async function callback() {
    const q = new URLSearchParams(location.search);
    const p = JSON.parse(sessionStorage.getItem('pending') || 'null');
    sessionStorage.removeItem('pending');
    history.replaceState(null, '', '/');
    const m = await discover();
    if (!p || q.get('state') !== p.state) return out('state mismatch');
    if (q.get('iss') !== m.issuer) return out('iss mismatch (RFC 9207)');
    const r = await post(m.token_endpoint, { grant_type: 'authorization_code', code: q.get('code'),
        redirect_uri: REDIRECT, client_id: CLIENT, code_verifier: p.verifier });
    if (r.status !== 200) return out('code exchange failed: ' + r.status);
    tokens = r.body;
    await (await fetch(m.jwks_uri)).json();
    const claims = JSON.parse(atob(tokens.id_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    if (claims.nonce !== p.nonce) return out('nonce mismatch');
    $('user').textContent = claims.sub;
    $('signin').hidden = true;
    $('signed-in').hidden = false;
    out('signed in');
}
async function bearer(url) {
    const res = await fetch(url, { headers: { Authorization: 'Bearer ' + tokens.access_token } });
    out(url + ' ' + res.status + ' ' + await res.text());
}
$('api').onclick = () => bearer(API + '/api/me');
$('userinfo').onclick = async () => bearer((await discover()).userinfo_endpoint);
$('refresh').onclick = async () => {
    const r = await post(meta.token_endpoint, { grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token, client_id: CLIENT });
    if (r.status === 200) tokens = { ...tokens, ...r.body };
    out('refresh ' + r.status);
};
$('signout').onclick = async () => {
    await post(meta.revocation_endpoint, { token: tokens.refresh_token,
        token_type_hint: 'refresh_token', client_id: CLIENT });
    const q = new URLSearchParams({ id_token_hint: tokens.id_token, client_id: CLIENT,
        post_logout_redirect_uri: location.origin + '/' });
    tokens = null;
    location.assign(meta.end_session_endpoint + '?' + q);
};
if (location.pathname === '/callback') callback();
</script></body></html>`;
}

function listen(server) {
    return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server.address().port)));
}

/* Starts the provider, the RP and the API; resolves to their URLs and stop(). */
export async function startPeer() {
    const rp = createServer();
    const api = createServer();
    const idp = createServer();
    const [rpPort, apiPort, idpPort] = [await listen(rp), await listen(api), await listen(idp)];
    const issuer = `http://127.0.0.1:${idpPort}`;
    const rpOrigin = `http://127.0.0.1:${rpPort}`;
    const apiOrigin = `http://127.0.0.1:${apiPort}`;
    const kp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const provider = new Provider(issuer, {
        clients: [{
            client_id: 'review-spa', token_endpoint_auth_method: 'none', application_type: 'web',
            grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
            redirect_uris: [`${rpOrigin}/callback`], post_logout_redirect_uris: [`${rpOrigin}/`],
        }],
        clientDefaults: { id_token_signed_response_alg: 'ES256' },
        jwks: { keys: [{ ...kp.privateKey.export({ format: 'jwk' }), kid: 'review', alg: 'ES256', use: 'sig' }] },
        scopes: ['openid', 'offline_access'],
        features: {
            devInteractions: { enabled: false },
            revocation: { enabled: true, allowedPolicy: async () => true },
            /* the library's own page loads a web font: this one stays on loopback */
            rpInitiatedLogout: { enabled: true, logoutSource: async (ctx, form) => {
                ctx.body = page('Sign out?', `${form}<button autofocus type="submit" ` +
                    'form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>');
            } },
        },
        ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, RefreshToken: 3600,
            Interaction: 600, Session: 3600, Grant: 3600 },
        pkce: { required: () => true },
        rotateRefreshToken: () => true,
        clientBasedCORS: (ctx, origin) => origin === rpOrigin,
        interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
        findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
        cookies: { keys: ['har-fixture-cookie-key'] },
    });
    provider.use(interactions(provider));
    idp.on('request', provider.callback());
    rp.on('request', (req, res) => {
        const path = new URL(req.url, rpOrigin).pathname;
        if (path !== '/' && path !== '/callback') {
            res.writeHead(404).end();
            return;
        }
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(rpPage(issuer, apiOrigin));
    });
    api.on('request', async (req, res) => {
        const cors = { 'Access-Control-Allow-Origin': rpOrigin,
            'Access-Control-Allow-Headers': 'Authorization', Vary: 'Origin' };
        if (req.method === 'OPTIONS') {
            res.writeHead(204, cors).end();
            return;
        }
        const auth = req.headers.authorization || '';
        /* the API checks the token where the provider says it can: its userinfo endpoint */
        const who = auth.startsWith('Bearer ')
            ? await fetch(`${issuer}/me`, { headers: { Authorization: auth } }) : null;
        if (!who || who.status !== 200) {
            res.writeHead(401, { ...cors, 'WWW-Authenticate': 'Bearer error="invalid_token"' }).end();
            return;
        }
        const { sub } = await who.json();
        res.writeHead(200, { ...cors, 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ sub, api: 'review' }));
    });
    return {
        issuer, rp: rpOrigin, api: apiOrigin,
        stop: () => Promise.all([rp, api, idp].map((s) => new Promise((ok) => {
            s.closeAllConnections();
            s.close(ok);
        }))),
    };
}
