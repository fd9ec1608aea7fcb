// Browser test of the gatehouse Frontend App (an OAuth 2.1 public client and
// OpenID Connect relying party), in Debian's Chromium driven by
// playwright-core (no browser download).
//
//   GH_APP_URL   the app, e.g. http://127.0.0.1:9002 (gatehouse serve --app-listen)
//   GH_USER      a user the Authorization Server knows
//   GH_PASSWORD  that user's password
//   GH_NAME      that user's name claim (the app shows it)
//   GH_OUT       folder for screenshots (created; default: a temp folder)
//   GH_SCENARIO  main (sign in, API, rotation, reuse detection, sign out)
//                expiry (server runs with a short --refresh-ttl: expired session, sign in again)
//                oidc (ID token checks: a tampered or foreign id_token is refused; sign out
//                through the issuer's end_session_endpoint, signed out there too)
//   GH_REFRESH_TTL  seconds, the server's --refresh-ttl in the expiry scenario (default 3)
//   GH_CHROMIUM  the browser (default /usr/bin/chromium)
//
// Prints "ok - ..." / "not ok - ..." per check, then "browser: N passed, N failed";
// exits 1 when a check failed, 2 on a usage error.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { chromium } from 'playwright-core';

const APP = new URL(process.env.GH_APP_URL || 'http://127.0.0.1:9002').origin;
const USER = process.env.GH_USER || '';
const PASSWORD = process.env.GH_PASSWORD || '';
const NAME = process.env.GH_NAME || '';
const SCENARIO = process.env.GH_SCENARIO || 'main';
const REFRESH_TTL = Number(process.env.GH_REFRESH_TTL || 3);
const OUT = process.env.GH_OUT || mkdtempSync(join(tmpdir(), 'gh-browser-out-'));
const CHROMIUM = process.env.GH_CHROMIUM || '/usr/bin/chromium';
const SCENARIO_BUDGET_MS = 58000;
const STEP_MS = 10000;

if (!USER || !PASSWORD || !NAME || !['main', 'expiry', 'oidc'].includes(SCENARIO)) {
    console.error('usage: GH_APP_URL=.. GH_USER=.. GH_PASSWORD=.. GH_NAME=.. [GH_OUT=dir] ' +
        '[GH_SCENARIO=main|expiry|oidc] node tests/browser/app.test.mjs');
    process.exit(2);
}

/* ---------- tiny TAP-like harness ---------- */

let passed = 0;
let failed = 0;

class Abort extends Error {}

function report(ok, name, detail) {
    if (ok) {
        passed++;
        console.log(`ok - ${name}`);
    } else {
        failed++;
        console.log(`not ok - ${name}${detail ? ` # ${String(detail).split('\n')[0]}` : ''}`);
    }
    return ok;
}

/* Runs one check; a throw fails it. critical: a failure ends the scenario. */
async function check(name, fn, { critical = false } = {}) {
    try {
        const r = await fn();
        if (r === false) throw new Error('condition false');
        report(true, name);
        return true;
    } catch (e) {
        report(false, name, e.message);
        if (critical) throw new Abort(name);
        return false;
    }
}

function expect(cond, msg) {
    if (!cond) throw new Error(msg);
}

function finish(code) {
    console.log(`browser: ${passed} passed, ${failed} failed`);
    process.exit(code ?? (failed ? 1 : 0));
}

const watchdog = setTimeout(() => {
    report(false, `scenario '${SCENARIO}' finished within ${SCENARIO_BUDGET_MS / 1000} s`);
    finish(1);
}, SCENARIO_BUDGET_MS);

/* ---------- what the page did ---------- */

const seen = {
    requests: [], /* every URL the page asked for */
    tokens: [], /* every access/refresh/ID token the token endpoint handed out */
    authorizeUrls: [], /* every authorization request the page sent */
    tokenResponses: [], /* {grant, status, body} */
    revocations: [], /* statuses of POST /revoke */
    dpopProofs: { token: 0, api: 0 }, /* requests the page sent with a DPoP header */
    pageErrors: [],
    cspErrors: [],
};
let cfg = null;
let nonceSent = '';

function watch(context) {
    context.on('request', (req) => {
        seen.requests.push(req.url());
        if (cfg && req.url().startsWith(`${cfg.authorization_endpoint}?`)) seen.authorizeUrls.push(req.url());
        if (cfg && req.headers().dpop) {
            if (req.url() === cfg.token_endpoint) seen.dpopProofs.token++;
            if (req.url().startsWith(`${cfg.api_base}/api/`)) seen.dpopProofs.api++;
        }
    });
    context.on('response', async (res) => {
        const req = res.request();
        if (!cfg || req.method() !== 'POST') return;
        const url = res.url().split('?')[0];
        if (url === cfg.revocation_endpoint) seen.revocations.push(res.status());
        if (url !== cfg.token_endpoint) return;
        const grant = new URLSearchParams(req.postData() || '').get('grant_type');
        let body = null;
        try {
            body = await res.json();
        } catch {
            body = null;
        }
        if (body?.access_token) seen.tokens.push(body.access_token);
        if (body?.refresh_token) seen.tokens.push(body.refresh_token);
        if (body?.id_token) seen.tokens.push(body.id_token);
        seen.tokenResponses.push({ grant, status: res.status(), body });
    });
}

function watchPage(page) {
    page.on('pageerror', (e) => seen.pageErrors.push(`${page.url()}: ${e.message}`));
    page.on('console', (msg) => {
        if (msg.type() === 'error' && /Content.Security.Policy/i.test(msg.text())) {
            seen.cspErrors.push(`${page.url()}: ${msg.text()}`);
        }
    });
}

const fpOf = (token) => createHash('sha256').update(token).digest('base64url').slice(0, 8);
/* The store key of a refresh token, as pkce.js refreshKey computes it. */
const rtKey = (token) => Buffer.concat([Buffer.from(token.slice(0, 12), 'base64url').subarray(0, 8),
    createHash('sha256').update(token).digest().subarray(0, 24)]).toString('base64url');
const text = async (page, sel) => ((await page.locator(sel).textContent()) || '').trim();
const visible = (page, sel) => page.locator(sel).isVisible().catch(() => false);
const shot = (page, name) => page.screenshot({ path: join(OUT, `${SCENARIO}-${name}.png`), fullPage: true });

async function lastToken(grant) {
    const deadline = Date.now() + STEP_MS;
    for (;;) {
        const r = [...seen.tokenResponses].reverse().find((x) => x.grant === grant);
        if (r || Date.now() > deadline) return r;
        await new Promise((ok) => setTimeout(ok, 50));
    }
}

/*
 * From a click on #signin / #signin-again until the app shows the signed-in
 * view: fills the login form and allows consent when the server shows them,
 * and copes with a server that remembers the browser and skips both.
 * refusal: the app is expected to refuse the sign-in instead; returns its
 * notice as seenSteps.refused.
 */
async function completeSignIn(page, tag, { refusal = false } = {}) {
    const deadline = Date.now() + 20000;
    const seenSteps = { login: 0, consent: 0, refused: '' };
    while (Date.now() < deadline) {
        try {
            const origin = new URL(page.url()).origin;
            if (origin === APP) {
                if (await visible(page, '#view-signed-in')) {
                    if (refusal) throw new Abort('the app signed in although it should have refused');
                    return seenSteps;
                }
                if (await visible(page, '#session-ended')) {
                    seenSteps.refused = await text(page, '#session-ended-text');
                    if (refusal) return seenSteps;
                    throw new Abort(`the app shows: ${seenSteps.refused}`);
                }
            } else if (await visible(page, 'input[name="username"]')) {
                expect(seenSteps.login === 0, `the login form came back: ${page.url()}`);
                seenSteps.login++;
                await shot(page, `${tag}-login-page`).catch(() => {});
                await page.fill('input[name="username"]', USER);
                await page.fill('input[name="password"]', PASSWORD);
                const form = page.locator('form', { has: page.locator('input[name="password"]') });
                const submit = form.locator('button[type="submit"], input[type="submit"], button:not([type])');
                await Promise.all([
                    page.waitForEvent('framenavigated', { timeout: STEP_MS }).catch(() => {}),
                    (await submit.count()) ? submit.first().click() : page.press('input[name="password"]', 'Enter'),
                ]);
                continue;
            } else if (await visible(page, 'button[name="decision"][value="allow"]')) {
                expect(seenSteps.consent === 0, 'the consent page came back');
                seenSteps.consent++;
                await shot(page, `${tag}-consent-page`).catch(() => {});
                await Promise.all([
                    page.waitForEvent('framenavigated', { timeout: STEP_MS }).catch(() => {}),
                    page.click('button[name="decision"][value="allow"]'),
                ]);
                continue;
            }
        } catch (e) {
            if (e instanceof Abort || /came back/.test(e.message)) throw e;
            /* navigation in progress: the page went away under us, look again */
        }
        await page.waitForTimeout(100);
    }
    throw new Error(`sign-in did not finish within 20 s; the page is at ${page.url()}`);
}

/* #user shows the name claim (from /userinfo), #user-id the user name. */
async function signedInAs(page) {
    await page.locator('#user').filter({ hasText: NAME }).waitFor({ timeout: STEP_MS });
    const id = await text(page, '#user-id');
    expect(id === USER, `#user-id shows '${id}', expected '${USER}'`);
    return true;
}

/* The claims of a JWT, unverified (the app does the verifying). */
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

/* No token value anywhere the page can persist it. IndexedDB holds the
 * DPoP key pair only (RFC 9449), its private key not extractable. */
async function storageHoldsNoTokens(page) {
    const dump = await page.evaluate(async () => {
        const all = [];
        for (const s of [localStorage, sessionStorage]) {
            for (let i = 0; i < s.length; i++) all.push(`${s.key(i)}=${s.getItem(s.key(i))}`);
        }
        const names = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [];
        const dbs = names.filter((n) => n !== 'gatehouse-dpop');
        const keys = names.includes('gatehouse-dpop') ? await new Promise((resolve) => {
            const open = indexedDB.open('gatehouse-dpop');
            open.onsuccess = () => {
                const db = open.result;
                if (!db.objectStoreNames.contains('keys')) { db.close(); resolve([]); return; }
                const req = db.transaction('keys').objectStore('keys').getAll();
                req.onsuccess = () => { db.close(); resolve(req.result); };
                req.onerror = () => { db.close(); resolve(['unreadable']); };
            };
            open.onerror = () => resolve(['unopenable']);
        }) : [];
        for (const k of keys) {
            const ok = k && k.privateKey instanceof CryptoKey && k.privateKey.extractable === false &&
                k.publicKey instanceof CryptoKey;
            all.push(ok ? '' : `gatehouse-dpop holds something else: ${String(k).slice(0, 40)}`);
            if (!ok) dbs.push('gatehouse-dpop (not a non-extractable key pair)');
        }
        return { all, cookie: document.cookie, dbs, session: sessionStorage.length };
    });
    expect(seen.tokens.length > 0, 'no token response was seen');
    for (const t of seen.tokens) {
        for (const v of [...dump.all, dump.cookie]) expect(!v.includes(t), `a token is stored: ${v.slice(0, 40)}…`);
    }
    expect(dump.dbs.length === 0, `IndexedDB databases exist: ${dump.dbs.join(', ')}`);
    expect(dump.session === 0, `sessionStorage still holds ${dump.session} item(s) after the callback`);
    return true;
}

/* ---------- DPoP (RFC 9449): tokens copied out of the page are useless ---------- */

/* A DPoP proof signed by a key of this test process: another client. */
function foreignProof(htm, url, accessToken) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
    const u = new URL(url);
    const claims = { jti: randomBytes(16).toString('base64url'), htm, htu: u.origin + u.pathname,
        iat: Math.floor(Date.now() / 1000) };
    if (accessToken) claims.ath = createHash('sha256').update(accessToken).digest('base64url');
    const input = `${Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } }))
        .toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const sig = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${sig.toString('base64url')}`;
}

async function dpopChecks(page) {
    const last = () => [...seen.tokenResponses].filter((x) => x.status === 200).pop().body;
    await check('DPoP: the app\'s tokens are DPoP-bound (token_type DPoP, cnf.jkt)', () => {
        const body = last();
        expect(body.token_type === 'DPoP', `token_type ${body.token_type}`);
        expect(typeof claimsOf(body.access_token).cnf?.jkt === 'string', 'no cnf.jkt');
        return true;
    });
    await check('DPoP: the app sends a proof with each token and API request', () => {
        expect(seen.dpopProofs.token > 0, 'no DPoP header on POST /token');
        expect(seen.dpopProofs.api > 0, 'no DPoP header on the API call');
        return true;
    });
    await check('DPoP: a copied access token fails at the API (as Bearer, and with another key)', async () => {
        const at = last().access_token;
        const url = `${cfg.api_base}/api/me`;
        const bearer = await page.request.get(url, { headers: { Authorization: `Bearer ${at}` } });
        expect(bearer.status() === 401, `as Bearer: ${bearer.status()}`);
        expect((bearer.headers()['www-authenticate'] || '').startsWith('DPoP'),
            `challenge '${bearer.headers()['www-authenticate']}'`);
        const other = await page.request.get(url, {
            headers: { Authorization: `DPoP ${at}`, DPoP: foreignProof('GET', url, at) } });
        expect(other.status() === 401, `with another key: ${other.status()}`);
    });
    await check('DPoP: a copied refresh token fails at /token (no proof, another key)', async () => {
        const rt = last().refresh_token;
        const form = { grant_type: 'refresh_token', refresh_token: rt, client_id: cfg.client_id };
        const bare = await page.request.post(cfg.token_endpoint, { form });
        expect(bare.status() === 400 && (await bare.json()).error === 'invalid_grant',
            `without a proof: ${bare.status()}`);
        const other = await page.request.post(cfg.token_endpoint, {
            form, headers: { DPoP: foreignProof('POST', cfg.token_endpoint) } });
        expect(other.status() === 400 && (await other.json()).error === 'invalid_grant',
            `with another key: ${other.status()}`);
    });
    await check('DPoP: the refusals left the session alone (the app still refreshes and calls the API)', async () => {
        const rot = Number(await text(page, '#rotations'));
        await page.click('#refresh');
        await page.locator('#rotations').filter({ hasText: String(rot + 1) }).waitFor({ timeout: STEP_MS });
        await page.locator('#api-result').evaluate((el) => { el.textContent = ''; });
        await page.click('#call-api');
        await page.locator('#api-result').filter({ hasText: '"sub"' }).waitFor({ timeout: STEP_MS });
    });
}

/* ---------- scenarios ---------- */

async function openApp(page) {
    await check('GET /config.json names issuer, endpoints and API', async () => {
        const res = await page.request.get(`${APP}/config.json`);
        expect(res.ok(), `status ${res.status()}`);
        cfg = await res.json();
        for (const k of ['issuer', 'authorization_endpoint', 'token_endpoint', 'revocation_endpoint',
            'client_id', 'redirect_uri', 'post_logout_redirect_uri', 'api_base']) {
            expect(typeof cfg[k] === 'string' && cfg[k], `missing ${k}`);
        }
        cfg.api_base = cfg.api_base.replace(/\/+$/, '');
    }, { critical: true });

    await check('the app page loads with its CSP and shows #signin', async () => {
        const res = await page.goto(`${APP}/`, { timeout: STEP_MS });
        expect(res.ok(), `status ${res.status()}`);
        const csp = res.headers()['content-security-policy'] || '';
        expect(/script-src 'self'/.test(csp), `no strict CSP on the page: '${csp}'`);
        await page.locator('#signin').waitFor({ state: 'visible', timeout: STEP_MS });
    }, { critical: true });

    await check('PKCE S256 matches RFC 7636 appendix B', async () => {
        const got = await page.evaluate(async () => {
            const m = await import('/pkce.js');
            return m.sha256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
        });
        expect(got === 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', `got ${got}`);
    });
    await shot(page, 'signed-out');
}

async function signIn(page, button, label) {
    await check(`${label}: authorization request carries S256 challenge and state`, async () => {
        const [req] = await Promise.all([
            page.waitForRequest((r) => r.url().startsWith(cfg.authorization_endpoint), { timeout: STEP_MS }),
            page.click(button),
        ]);
        const q = new URL(req.url()).searchParams;
        expect(q.get('response_type') === 'code', 'response_type');
        expect(q.get('code_challenge_method') === 'S256', 'code_challenge_method');
        expect(/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') || ''), 'code_challenge');
        expect((q.get('state') || '').length >= 16, 'state');
        expect(q.get('client_id') === cfg.client_id && q.get('redirect_uri') === cfg.redirect_uri,
            'client_id / redirect_uri');
        const scope = (q.get('scope') || '').split(' ');
        expect(scope.includes('openid') && scope.includes('profile'), `scope '${q.get('scope')}'`);
        expect((q.get('nonce') || '').length >= 16 && q.get('nonce') !== q.get('state'), 'nonce');
        nonceSent = q.get('nonce');
    }, { critical: true });
    await check(`${label}: login and consent lead back to the signed-in app`, async () => {
        const steps = await completeSignIn(page, button.replace(/^#/, ''));
        console.log(`# ${label}: login form ${steps.login ? 'filled' : 'skipped'}, ` +
            `consent ${steps.consent ? 'allowed' : 'not shown'}`);
    }, { critical: true });
    await check(`${label}: #user shows the name '${NAME}' and the user name '${USER}'`,
        () => signedInAs(page), { critical: true });
    await check(`${label}: the app checked an id_token carrying the nonce it sent`, async () => {
        const r = await lastToken('authorization_code');
        const c = claimsOf(r.body.id_token);
        expect(c.nonce === nonceSent && c.aud === cfg.client_id && c.iss === cfg.issuer,
            `id_token claims ${JSON.stringify(c)}`);
        const idt = await text(page, '#idt');
        expect(/signature verified/.test(idt) && /nonce/.test(idt), `#idt '${idt}'`);
    });
    await check(`${label}: code and state are gone from the address bar`, () => {
        const u = new URL(page.url());
        expect(u.origin === APP && !u.search.includes('code=') && !u.search.includes('state='), page.url());
        return true;
    });
}

async function scenarioMain(page) {
    await openApp(page);
    await signIn(page, '#signin', 'sign in');
    await check('the code exchange returned a token pair', async () => {
        const r = await lastToken('authorization_code');
        expect(r && r.status === 200 && r.body.refresh_token, `token response ${r?.status}`);
    }, { critical: true });

    await check('#scope and #expires-in are shown', async () => {
        expect((await text(page, '#scope')).length > 0, 'empty scope');
        const s = Number(await text(page, '#expires-in'));
        expect(Number.isInteger(s) && s > 0, `expires-in '${s}'`);
    });
    await check('#rt-fp is the SHA-256 fingerprint, not the token', async () => {
        const rt = (await lastToken('authorization_code')).body.refresh_token;
        const fp = await text(page, '#rt-fp');
        expect(fp === fpOf(rt), `#rt-fp '${fp}', expected '${fpOf(rt)}'`);
        expect(!(await page.content()).includes(rt), 'the refresh token is in the page');
    });
    await check('Call API: #api-result shows the /api/me answer with "sub"', async () => {
        await page.click('#call-api');
        await page.locator('#api-result').filter({ hasText: '"sub"' }).waitFor({ timeout: STEP_MS });
        expect((await text(page, '#api-result')).includes(USER), 'sub is not the user');
    });
    await check('"What just happened" draws this session\'s flow after the step', async () => {
        await page.waitForFunction(() => {
            const img = document.getElementById('flow-img');
            return !img.hidden && img.complete && img.naturalWidth > 300;
        }, null, { timeout: STEP_MS });
        const rt = (await lastToken('authorization_code')).body.refresh_token;
        const own = await page.request.post(`${APP}/flow.svg`, { data: { rt_hash: rtKey(rt) } });
        expect(own.status() === 200, `POST /flow.svg answered ${own.status()}`);
        const svg = await own.text();
        for (const step of ['authorization request', 'code exchange', 'GET /api/me']) {
            expect(svg.includes(step), `the diagram lacks '${step}'`);
        }
        expect(!svg.includes(rt), 'the refresh token is in the diagram');
        const other = await page.request.post(`${APP}/flow.svg`,
            { data: { rt_hash: rtKey(`${rt.slice(0, 12)}${'A'.repeat(31)}`) } });
        expect(other.status() === 404, `a key of no session answered ${other.status()}`);
    });
    await shot(page, 'signed-in');

    const fp1 = await text(page, '#rt-fp');
    const rot1 = Number(await text(page, '#rotations'));
    await check('Refresh now rotates the refresh token (#rt-fp changes, #rotations + 1)', async () => {
        await page.click('#refresh');
        await page.locator('#rotations').filter({ hasText: String(rot1 + 1) }).waitFor({ timeout: STEP_MS });
        const fp2 = await text(page, '#rt-fp');
        expect(fp2 !== fp1, `fingerprint stayed ${fp1}`);
        const note = await text(page, '#rotation-note');
        expect(note.includes(fp1) && note.includes(fp2), `rotation note '${note}'`);
    });
    await check('the API still answers after the refresh', async () => {
        await page.locator('#api-result').evaluate((el) => { el.textContent = ''; });
        await page.click('#call-api');
        await page.locator('#api-result').filter({ hasText: '"sub"' }).waitFor({ timeout: STEP_MS });
    });
    await shot(page, 'after-refresh');
    await check('no token in localStorage, sessionStorage, IndexedDB or cookies', () =>
        storageHoldsNoTokens(page));
    await dpopChecks(page);

    await check('readable at 375 px: no horizontal scrolling, buttons on screen', async () => {
        await page.setViewportSize({ width: 375, height: 812 });
        const m = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth }));
        expect(m.sw <= 375, `page is ${m.sw} px wide`);
        for (const id of ['#call-api', '#refresh', '#signout']) {
            const box = await page.locator(id).boundingBox();
            expect(box && box.x >= 0 && box.x + box.width <= 375, `${id} is off screen`);
        }
        await shot(page, 'phone-375');
        await page.setViewportSize({ width: 1100, height: 900 });
    });

    await check('replaying the rotated refresh token ends the session (reuse detection)', async () => {
        await page.click('#replay-old');
        await page.locator('#status').filter({ hasText: /used twice|revoked/ }).waitFor({ timeout: STEP_MS });
        const r = [...seen.tokenResponses].reverse().find((x) => x.grant === 'refresh_token');
        expect(r.status === 400 && r.body?.error === 'invalid_grant', `server answered ${r.status}`);
        expect(await visible(page, '#signin-again'), '#signin-again is not offered');
        expect(!(await visible(page, '#view-signed-in')), 'still shows the signed-in view');
    });
    await shot(page, 'reused');
    await check('the current refresh token died with its family', async () => {
        const current = [...seen.tokenResponses].filter((x) => x.status === 200).pop().body.refresh_token;
        const res = await page.request.post(cfg.token_endpoint, {
            form: { grant_type: 'refresh_token', refresh_token: current, client_id: cfg.client_id },
        });
        expect(res.status() === 400, `status ${res.status()}`);
    });

    await signIn(page, '#signin-again', 'sign in again');
    await check('Sign out revokes the refresh token and clears the session', async () => {
        const rt = [...seen.tokenResponses].filter((x) => x.status === 200).pop().body.refresh_token;
        await page.click('#signout');
        await page.locator('#signin').waitFor({ state: 'visible', timeout: STEP_MS });
        expect(seen.revocations.includes(200), `revocation answered ${seen.revocations.join(',')}`);
        const res = await page.request.post(cfg.token_endpoint, {
            form: { grant_type: 'refresh_token', refresh_token: rt, client_id: cfg.client_id },
        });
        expect(res.status() === 400, `the revoked token still refreshes: ${res.status()}`);
    });
    await shot(page, 'signed-out-after');
}

async function scenarioExpiry(page) {
    await openApp(page);
    await signIn(page, '#signin', 'sign in');
    const waitMs = REFRESH_TTL * 1000 + 1500;
    console.log(`# waiting ${waitMs / 1000} s, past the refresh token lifetime`);
    await page.waitForTimeout(waitMs);
    await check('a refresh past --refresh-ttl says the session expired', async () => {
        /* The app may already have found out by itself (auto refresh). */
        if (await visible(page, '#refresh')) await page.click('#refresh');
        await page.locator('#status').filter({ hasText: /expired/i }).waitFor({ timeout: STEP_MS });
        const r = [...seen.tokenResponses].reverse().find((x) => x.grant === 'refresh_token');
        expect(r && r.status === 400 && r.body?.error === 'invalid_grant', `server answered ${r?.status}`);
        expect(/expired/i.test(r.body.error_description || ''), `error_description '${r.body.error_description}'`);
    }, { critical: true });
    await check('tokens are cleared and "Sign in again" is offered', async () => {
        expect(await visible(page, '#signin-again'), '#signin-again is not visible');
        expect(!(await visible(page, '#view-signed-in')), 'still shows the signed-in view');
    });
    await shot(page, 'expired');
    const before = seen.tokenResponses.length;
    await signIn(page, '#signin-again', 'sign in again');
    await check('the new session has its own refresh token, rotations back to 0', async () => {
        const r = seen.tokenResponses.slice(before).find((x) => x.grant === 'authorization_code');
        expect(r && r.status === 200, 'no new code exchange');
        expect((await text(page, '#rt-fp')) === fpOf(r.body.refresh_token), '#rt-fp is stale');
        expect((await text(page, '#rotations')) === '0', 'rotations not reset');
    });
    await check('no token in localStorage, sessionStorage, IndexedDB or cookies', () =>
        storageHoldsNoTokens(page));
    await shot(page, 'signed-in-again');
}

/* ---------- the OpenID Connect checks ---------- */

const b64json = (part) => JSON.parse(Buffer.from(part, 'base64url').toString());
const jsonb64 = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');

/* The next token response reaches the page with its id_token rewritten by edit(token, body). */
async function rewriteNextIdToken(page, edit) {
    await page.route((u) => u.href === cfg.token_endpoint, async (route) => {
        const res = await route.fetch();
        const body = await res.json();
        body.id_token = edit(body.id_token, body);
        await route.fulfill({ response: res, json: body });
    }, { times: 1 });
}

/*
 * Signs in with a token response the app must refuse: it shows why (the
 * notice matches `why`), keeps no session, and revokes the refresh token
 * that came with the refused id_token.
 */
async function refusedSignIn(page, label, why, arrange) {
    await check(`${label}: the app refuses the sign-in and says why`, async () => {
        await arrange();
        const before = seen.tokenResponses.length;
        const revokedBefore = seen.revocations.length;
        await page.click((await visible(page, '#signin')) ? '#signin' : '#signin-again');
        const steps = await completeSignIn(page, 'refused', { refusal: true });
        expect(why.test(steps.refused), `the notice says '${steps.refused}'`);
        expect(!(await visible(page, '#view-signed-in')), 'the signed-in view is shown');
        const r = seen.tokenResponses.slice(before).find((x) => x.grant === 'authorization_code');
        expect(r && r.status === 200 && r.body.refresh_token, 'no token response was seen');
        const deadline = Date.now() + STEP_MS;
        while (seen.revocations.length === revokedBefore && Date.now() < deadline) await page.waitForTimeout(50);
        expect(seen.revocations.slice(revokedBefore).includes(200), 'the refresh token was not revoked');
        const res = await page.request.post(cfg.token_endpoint, {
            form: { grant_type: 'refresh_token', refresh_token: r.body.refresh_token, client_id: cfg.client_id },
        });
        expect(res.status() === 400, `the refused response's refresh token still works: ${res.status()}`);
    });
}

async function scenarioOidc(page) {
    await openApp(page);
    await refusedSignIn(page, 'id_token with a changed nonce (signature broken)', /signature does not verify/,
        () => rewriteNextIdToken(page, (t) => {
            const [h, p, sig] = t.split('.');
            return `${h}.${jsonb64({ ...b64json(p), nonce: 'changed-by-the-test' })}.${sig}`;
        }));
    await shot(page, 'refused-signature');
    await refusedSignIn(page, 'validly signed id_token for another nonce', /nonce differs/,
        () => page.route((u) => u.href.startsWith(`${cfg.authorization_endpoint}?`), async (route) => {
            const u = new URL(route.request().url());
            u.searchParams.set('nonce', 'a-nonce-this-tab-never-sent');
            await route.fulfill({ status: 302, headers: { location: u.href } });
        }, { times: 1 }));
    await shot(page, 'refused-nonce');
    await refusedSignIn(page, 'unsigned id_token (alg none)', /alg 'none'/,
        () => rewriteNextIdToken(page, (t) => `${jsonb64({ alg: 'none', typ: 'JWT' })}.${t.split('.')[1]}.`));
    await refusedSignIn(page, 'the access token in place of the id_token', /typ is 'at\+jwt'/,
        () => rewriteNextIdToken(page, (t, body) => body.access_token));

    await signIn(page, '#signin-again', 'sign in');
    await check('the id_token was verified with the issuer\'s key type', async () => {
        const alg = b64json((await lastToken('authorization_code')).body.id_token.split('.')[0]).alg;
        const idt = await text(page, '#idt');
        expect(idt.startsWith(`${alg} signature verified`), `#idt '${idt}' (alg ${alg})`);
    });
    await shot(page, 'signed-in');
    await check('a refresh whose id_token fails its checks ends the session', async () => {
        await rewriteNextIdToken(page, (t) => {
            const [h, p, sig] = t.split('.');
            return `${h}.${jsonb64({ ...b64json(p), sub: 'mallory' })}.${sig}`;
        });
        await page.click('#refresh');
        await page.locator('#session-ended-text').filter({ hasText: 'signature does not verify' })
            .waitFor({ timeout: STEP_MS });
        expect(!(await visible(page, '#view-signed-in')), 'the signed-in view is shown');
    });
    await signIn(page, '#signin-again', 'sign in after the refused refresh');

    const disc = await (await page.request.get(`${cfg.issuer}/.well-known/openid-configuration`)).json();
    await check('the issuer advertises its end_session_endpoint', async () => {
        expect(disc.end_session_endpoint === `${cfg.issuer}/logout`,
            `end_session_endpoint '${disc.end_session_endpoint}'`);
    }, { critical: true });
    await signOutAtIssuer(page, disc.end_session_endpoint);
}

/* Sign out with the issuer's end_session_endpoint (RP-Initiated Logout 1.0). */
async function signOutAtIssuer(page, endpoint) {
    const label = 'Sign out';
    const idToken = [...seen.tokenResponses].filter((x) => x.body?.id_token).pop().body.id_token;
    await check(`${label}: goes to end_session_endpoint with id_token_hint, ` +
        'post_logout_redirect_uri and state', async () => {
        const [req] = await Promise.all([
            page.waitForRequest((r) => r.url().startsWith(`${endpoint}?`), { timeout: STEP_MS }),
            page.click('#signout'),
        ]);
        const q = new URL(req.url()).searchParams;
        expect(q.get('id_token_hint') === idToken, 'id_token_hint is not the latest id_token');
        expect(q.get('post_logout_redirect_uri') === cfg.post_logout_redirect_uri,
            `post_logout_redirect_uri '${q.get('post_logout_redirect_uri')}'`);
        expect((q.get('state') || '').length >= 16, 'state');
        expect(q.get('client_id') === cfg.client_id, 'client_id');
    }, { critical: true });
    await check(`${label}: comes back to the app, signed out`, async () => {
        await page.locator('#status').filter({ hasText: 'of the authorization server' })
            .waitFor({ timeout: STEP_MS });
        expect(await visible(page, '#signin'), '#signin is not shown');
        const u = new URL(page.url());
        expect(u.origin === APP && u.search === '', `the page is at ${page.url()}`);
    });
    await shot(page, 'signed-out-at-issuer');
    await check('after signing out at the issuer, prompt=none from this browser gives login_required',
        async () => {
            const u = new URL(`${cfg.issuer}/authorize`);
            for (const [k, v] of Object.entries({
                response_type: 'code', client_id: cfg.client_id, redirect_uri: cfg.redirect_uri,
                scope: 'openid', state: 'after-logout-state', prompt: 'none',
                code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
                code_challenge_method: 'S256',
            })) u.searchParams.set(k, v);
            /* page.request carries this browser's cookies */
            const res = await page.request.get(u.href, { maxRedirects: 0 });
            const loc = new URL(res.headers().location || 'about:blank');
            expect(res.status() === 302 && loc.searchParams.get('error') === 'login_required',
                `status ${res.status()}, location ${loc.href}`);
        });
    await check('a sign-out response with a state this tab never sent is reported', async () => {
        await page.goto(`${APP}/?state=forged-by-someone-else`);
        await page.locator('#status').filter({ hasText: 'did not ask for' }).waitFor({ timeout: STEP_MS });
        expect(await visible(page, '#signin'), '#signin is not shown');
    });
    await check('after signing out at the issuer, signing in asks for the password again', async () => {
        await page.click('#signin');
        const steps = await completeSignIn(page, 'after-logout');
        expect(steps.login === 1, 'the login form was not shown');
    });
}


async function finalChecks() {
    await check('every request went to the app, the issuer or the API origin', () => {
        const allowed = new Set([APP, new URL(cfg.issuer).origin, new URL(cfg.api_base).origin]);
        const stray = seen.requests.filter((u) => {
            if (/^(data|blob|about|chrome|chrome-extension|devtools):/.test(u)) return false;
            return !allowed.has(new URL(u).origin);
        });
        expect(stray.length === 0, `stray requests: ${[...new Set(stray)].join(' ')}`);
        return true;
    });
    await check('no script errors and no CSP violations on any page', () => {
        const all = [...seen.pageErrors, ...seen.cspErrors];
        expect(all.length === 0, all.join(' | '));
        return true;
    });
}

async function main() {
    mkdirSync(OUT, { recursive: true });
    const profile = mkdtempSync(join(tmpdir(), 'gh-chromium-'));
    let context = null;
    try {
        context = await chromium.launchPersistentContext(profile, {
            executablePath: CHROMIUM,
            headless: true,
            args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync'],
            viewport: { width: 1100, height: 900 },
            timeout: 20000,
        });
        context.setDefaultTimeout(STEP_MS);
        context.setDefaultNavigationTimeout(15000);
        watch(context);
        const page = context.pages()[0] || (await context.newPage());
        watchPage(page);
        try {
            if (SCENARIO === 'main') await scenarioMain(page);
            else if (SCENARIO === 'oidc') await scenarioOidc(page);
            else await scenarioExpiry(page);
        } catch (e) {
            if (!(e instanceof Abort)) report(false, 'scenario ran to the end', e.message);
            else console.log(`# stopped after a failed step: ${e.message}`);
            await shot(page, 'failure').catch(() => {});
        }
        if (cfg) await finalChecks();
    } catch (e) {
        report(false, 'chromium starts', e.message);
    } finally {
        clearTimeout(watchdog);
        if (context) await context.close().catch(() => {});
        rmSync(profile, { recursive: true, force: true });
    }
    console.log(`# screenshots in ${OUT}`);
    finish();
}

main();
