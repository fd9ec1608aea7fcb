// A browser relying party nobody here wrote, oidc-client-ts (UserManager:
// authorization code + PKCE, nonce, /userinfo), in Debian's Chromium driven
// by playwright-core, against a running gatehouse. The page (tests/rp/spa/)
// is served by a small static server this script starts on 127.0.0.1.
//
// What oidc-client-ts checks itself (v3, ResponseValidator): state, the
// nonce of the id_token, its sub, and that /userinfo names the same sub. It
// does not verify the id_token's signature, iss, aud or exp: it takes the
// token from the token endpoint over the back channel (the tests of the
// Frontend App and of openid-client check those).
//
// Environment: GH_ISSUER, GH_SPA_CLIENT (a public client with redirect URI
// http://127.0.0.1:GH_SPA_PORT/callback.html and that origin), GH_SPA_PORT,
// GH_USER, GH_PASSWORD, GH_NAME, GH_EMAIL; GH_OUT for screenshots,
// GH_CHROMIUM (default /usr/bin/chromium). Prints "ok - ..." / "not ok - ..."
// lines and "N passed, N failed"; exit status 1 when a check failed.
import { readFileSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const env = (k) => {
    const v = process.env[k];
    if (!v) {
        console.error(`${k} is not set`);
        process.exit(2);
    }
    return v;
};
const ISSUER = env('GH_ISSUER');
const CLIENT = env('GH_SPA_CLIENT');
const PORT = Number(env('GH_SPA_PORT'));
const USER = env('GH_USER');
const PASSWORD = env('GH_PASSWORD');
const NAME = env('GH_NAME');
const EMAIL = env('GH_EMAIL');
const OUT = process.env.GH_OUT || mkdtempSync(join(tmpdir(), 'gh-spa-out-'));
const CHROMIUM = process.env.GH_CHROMIUM || '/usr/bin/chromium';
const SPA = `http://127.0.0.1:${PORT}`;
const HERE = dirname(fileURLToPath(import.meta.url));
const STEP_MS = 10000;

let passed = 0;
let failed = 0;
class Abort extends Error {}
function result(ok, name, detail) {
    if (ok) {
        passed++;
        console.log(`ok - ${name}`);
    } else {
        failed++;
        console.log(`not ok - ${name}${detail ? ` # ${String(detail).split('\n')[0]}` : ''}`);
    }
}
async function check(name, fn, { critical = false } = {}) {
    try {
        if ((await fn()) === false) throw new Error('condition false');
        result(true, name);
        return true;
    } catch (e) {
        result(false, name, e.message);
        if (critical) throw new Abort(name);
        return false;
    }
}
function expect(cond, msg) {
    if (!cond) throw new Error(msg);
}

/* ---------- the static server of the page ---------- */

const FILES = {
    '/': ['spa/index.html', 'text/html'],
    '/callback.html': ['spa/index.html', 'text/html'],
    '/spa.js': ['spa/spa.js', 'text/javascript'],
    '/oidc-client-ts.min.js': ['node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js', 'text/javascript'],
};
const server = createServer((req, res) => {
    const path = new URL(req.url, SPA).pathname;
    if (path === '/config.json') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ issuer: ISSUER, client_id: CLIENT }));
        return;
    }
    const f = FILES[path];
    if (!f) {
        res.writeHead(404).end();
        return;
    }
    res.writeHead(200, { 'content-type': `${f[1]}; charset=utf-8`, 'cache-control': 'no-store' });
    res.end(readFileSync(join(HERE, f[0])));
});

/* ---------- what the page did ---------- */

const seen = { authorize: [], token: [], userinfo: [], endSession: [], pageErrors: [] };
let meta = null;

function watch(context) {
    context.on('request', (req) => {
        const url = req.url();
        if (!meta) return;
        if (url.startsWith(`${meta.authorization_endpoint}?`)) seen.authorize.push(url);
        if (url === meta.token_endpoint && req.method() === 'POST') seen.token.push(req.postData() || '');
        if (url === meta.userinfo_endpoint && req.method() !== 'OPTIONS') {
            seen.userinfo.push(req.headers().authorization || '');
        }
        if (meta.end_session_endpoint && url.startsWith(`${meta.end_session_endpoint}?`)) seen.endSession.push(url);
    });
}

const text = async (page, sel) => ((await page.locator(sel).textContent()) || '').trim();
const visible = (page, sel) => page.locator(sel).isVisible().catch(() => false);
const shot = (page, name) => page.screenshot({ path: join(OUT, `spa-${name}.png`), fullPage: true }).catch(() => {});

/* From the click on Sign in until the page is back (login and consent filled in). */
async function completeSignIn(page) {
    const deadline = Date.now() + 20000;
    const steps = { login: 0, consent: 0 };
    while (Date.now() < deadline) {
        try {
            const url = new URL(page.url());
            if (url.origin === SPA && url.pathname === '/') {
                const s = await text(page, '#status');
                if (s !== 'loading') return steps;
            } else if (url.origin !== SPA && (await visible(page, 'input[name="username"]'))) {
                expect(steps.login++ === 0, 'the login form came back');
                await page.fill('input[name="username"]', USER);
                await page.fill('input[name="password"]', PASSWORD);
                await Promise.all([
                    page.waitForEvent('framenavigated', { timeout: STEP_MS }).catch(() => {}),
                    page.press('input[name="password"]', 'Enter'),
                ]);
                continue;
            } else if (url.origin !== SPA && (await visible(page, 'button[name="decision"][value="allow"]'))) {
                expect(steps.consent++ === 0, 'the consent page came back');
                await Promise.all([
                    page.waitForEvent('framenavigated', { timeout: STEP_MS }).catch(() => {}),
                    page.click('button[name="decision"][value="allow"]'),
                ]);
                continue;
            }
        } catch (e) {
            if (/came back/.test(e.message)) throw e;
            /* a navigation is under way: look again */
        }
        await page.waitForTimeout(100);
    }
    throw new Error(`sign-in did not finish within 20 s; the page is at ${page.url()}`);
}

/* Clicks Sign in and waits until the page has left for the issuer (or come straight back). */
async function startSignIn(page) {
    await Promise.all([
        page.waitForURL((u) => u.origin !== SPA || u.pathname === '/callback.html',
            { waitUntil: 'commit', timeout: STEP_MS }),
        page.click('#signin'),
    ]);
}

async function signIn(page, label) {
    await check(`${label}: authorization request with S256, state, nonce, scope openid`, async () => {
        const before = seen.authorize.length;
        await startSignIn(page);
        const url = seen.authorize[before];
        expect(url, 'no authorization request');
        const q = new URL(url).searchParams;
        expect(q.get('response_type') === 'code' && q.get('client_id') === CLIENT, 'response_type / client_id');
        expect(q.get('code_challenge_method') === 'S256' && (q.get('code_challenge') || '').length === 43,
            'code_challenge');
        expect(q.get('state') && q.get('nonce'), 'state and nonce');
        expect((q.get('scope') || '').split(' ').includes('openid'), `scope '${q.get('scope')}'`);
    }, { critical: true });
    let steps = null;
    await check(`${label}: login and consent lead back to the page`, async () => {
        steps = await completeSignIn(page);
        console.log(`# ${label}: login form ${steps.login ? 'filled' : 'skipped'}, consent ${steps.consent ? 'allowed' : 'not shown'}`);
    }, { critical: true });
    return steps;
}

async function run(page) {
    await check('the page loads oidc-client-ts and shows "signed out"', async () => {
        await page.goto(`${SPA}/`);
        await page.locator('#status').filter({ hasText: /^signed out$/ }).waitFor({ timeout: STEP_MS });
    }, { critical: true });
    meta = await (await page.request.get(`${ISSUER}/.well-known/openid-configuration`)).json();

    await signIn(page, 'sign in');
    await check('UserManager signed in: the id_token and /userinfo claims in the profile', async () => {
        const status = await text(page, '#status');
        expect(status === 'signed in', `status '${status}', error '${await text(page, '#error')}'`);
        const p = JSON.parse(await text(page, '#profile'));
        expect(p.sub === USER && p.name === NAME && p.email === EMAIL && p.preferred_username === USER,
            `profile ${JSON.stringify(p)}`);
    }, { critical: true });
    await check('the code went to the token endpoint with code_verifier and no secret', async () => {
        const f = new URLSearchParams(seen.token.at(-1) || '');
        expect(f.get('grant_type') === 'authorization_code' && f.get('client_id') === CLIENT, `form ${f}`);
        expect((f.get('code_verifier') || '').length >= 43 && !f.has('client_secret'), `form ${f}`);
    });
    await check('/userinfo was called cross-origin with the bearer access token', () => {
        expect(seen.userinfo.length > 0 && seen.userinfo.at(-1).startsWith('Bearer '), 'no /userinfo call');
    });
    await shot(page, 'signed-in');

    await check('an id_token whose nonce was changed is refused by oidc-client-ts', async () => {
        await page.route((u) => u.href === meta.token_endpoint, async (route) => {
            const res = await route.fetch();
            const body = await res.json();
            const [h, p, sig] = body.id_token.split('.');
            const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
            claims.nonce = 'changed-by-the-test';
            body.id_token = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
            await route.fulfill({ response: res, json: body });
        }, { times: 1 });
        await startSignIn(page);
        await completeSignIn(page);
        const err = await text(page, '#error');
        expect(/signinRedirectCallback: nonce in id_token does not match/.test(err), `#error '${err}'`);
    });
    await shot(page, 'refused-nonce');

    await check('the issuer advertises an end_session_endpoint (RP-Initiated Logout 1.0)', async () => {
        expect(meta.end_session_endpoint === `${meta.issuer}/logout`,
            `end_session_endpoint '${meta.end_session_endpoint}'`);
    });
    if (!meta.end_session_endpoint) return;
    await page.goto(`${SPA}/`);
    await check('signoutRedirect goes to end_session_endpoint with id_token_hint, ' +
        'post_logout_redirect_uri and state', async () => {
        await page.click('#signout');
        await page.locator('#status').filter({ hasText: 'signed out at the issuer' }).waitFor({ timeout: STEP_MS });
        const q = new URL(seen.endSession.at(-1) || `${SPA}/`).searchParams;
        expect(q.get('id_token_hint') && q.get('post_logout_redirect_uri') === `${SPA}/` && q.get('state'),
            `end_session request ${seen.endSession.at(-1)}`);
    });
    await shot(page, 'signed-out');
    await check('after signoutRedirect, signing in asks for the password again', async () => {
        const steps = await signIn(page, 'sign in after sign-out');
        expect(steps.login === 1, 'the login form was not shown');
    });
}

async function main() {
    mkdirSync(OUT, { recursive: true });
    await new Promise((ok, bad) => server.once('error', bad).listen(PORT, '127.0.0.1', ok));
    const profile = mkdtempSync(join(tmpdir(), 'gh-chromium-'));
    let context = null;
    try {
        context = await chromium.launchPersistentContext(profile, {
            executablePath: CHROMIUM,
            headless: true,
            args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync'],
            viewport: { width: 900, height: 700 },
            timeout: 20000,
        });
        context.setDefaultTimeout(STEP_MS);
        watch(context);
        const page = context.pages()[0] || (await context.newPage());
        page.on('pageerror', (e) => seen.pageErrors.push(e.message));
        try {
            await run(page);
        } catch (e) {
            if (!(e instanceof Abort)) result(false, 'oidc-client-ts scenario ran to the end', e.message);
            await shot(page, 'failure');
        }
        result(seen.pageErrors.length === 0, 'no script errors on the page', seen.pageErrors.join(' | '));
    } catch (e) {
        result(false, 'chromium starts', e.message);
    } finally {
        if (context) await context.close().catch(() => {});
        rmSync(profile, { recursive: true, force: true });
        server.close();
    }
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
}

const watchdog = setTimeout(() => {
    result(false, 'oidc-client-ts scenario finished within 60 s');
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(1);
}, 60000);
watchdog.unref();
main();
