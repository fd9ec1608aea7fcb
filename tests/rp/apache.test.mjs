// Apache httpd with mod_auth_openidc (Debian's libapache2-mod-auth-openidc)
// in front of an application, gatehouse as the OpenID Provider, configured
// by contrib/apache-mod_auth_openidc.conf. run.sh starts gatehouse and
// Apache; this script is the application behind Apache (a small HTTP server
// that greets the user named in the OIDC_CLAIM_* headers) and the browser
// (plain HTTP with a cookie jar): protected page -> 302 to gatehouse's
// /authorize -> sign-in form -> consent -> back to Apache's redirect URI ->
// the protected page, now with the user's claims; then logout.
//
// Environment: GH_ISSUER, GH_APACHE (http://127.0.0.1:PORT), GH_APACHE_CLIENT,
// GH_BACKEND_PORT (where Apache proxies to), GH_USER, GH_PASSWORD, GH_NAME,
// GH_EMAIL. Prints "ok - ..." / "not ok - ..." lines and "N passed, N failed".
import { createServer, request } from 'node:http';

const env = (k) => {
    const v = process.env[k];
    if (!v) {
        console.error(`${k} is not set`);
        process.exit(2);
    }
    return v;
};
const ISSUER = env('GH_ISSUER');
const APACHE = env('GH_APACHE');
const CLIENT = env('GH_APACHE_CLIENT');
const BACKEND_PORT = Number(env('GH_BACKEND_PORT'));
const USER = env('GH_USER');
const PASSWORD = env('GH_PASSWORD');
const NAME = env('GH_NAME');
const EMAIL = env('GH_EMAIL');
const REDIRECT = `${APACHE}/oidc/callback`;

let passed = 0;
let failed = 0;
function result(ok, name, detail) {
    if (ok) {
        passed++;
        console.log(`ok - ${name}`);
    } else {
        failed++;
        console.log(`not ok - ${name}${detail ? ` # ${String(detail).replace(/\s+/g, ' ').slice(0, 300)}` : ''}`);
    }
}
async function check(name, fn) {
    try {
        const v = await fn();
        result(v !== false, name, v === false ? 'check returned false' : undefined);
        return v;
    } catch (e) {
        result(false, name, e.message);
        return undefined;
    }
}
function expect(cond, msg) {
    if (!cond) throw new Error(msg);
}
function finish() {
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
}

/* ---------- the application behind Apache ---------- */

const backendSaw = [];
const backend = createServer((req, res) => {
    const claims = {};
    for (const [k, v] of Object.entries(req.headers)) {
        if (k.startsWith('oidc_claim_')) claims[k.slice('oidc_claim_'.length)] = v;
    }
    backendSaw.push({ url: req.url, claims });
    const who = claims.name || '(nobody)';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>protected</title><h1>Hello, ${who.replace(/[<&]/g, '')}</h1>` +
        `<pre>${JSON.stringify(claims).replace(/[<&]/g, '')}</pre>`);
});

/* ---------- the browser: plain HTTP and a cookie jar ---------- */

/* One host (127.0.0.1) for Apache and gatehouse: like a browser, cookies are
 * shared across ports; expired ones are dropped. */
const jar = new Map();
function remember(setCookies) {
    for (const c of setCookies || []) {
        const [pair, ...attrs] = c.split(';');
        const i = pair.indexOf('=');
        const name = pair.slice(0, i).trim();
        const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) ||
            (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()));
        if (gone) jar.delete(name);
        else jar.set(name, pair.slice(i + 1));
    }
}
const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
const unescape = (s) =>
    s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x27;/g, "'").replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>').replace(/&amp;/g, '&');
function formFields(html) {
    const out = {};
    for (const m of html.matchAll(/name="([^"]+)" value="([^"]*)"/g)) out[m[1]] = unescape(m[2]);
    return out;
}

/*
 * One request of a top-level navigation, as a browser sends it (node's http,
 * not fetch: mod_auth_openidc answers 401 instead of redirecting to the
 * provider when Sec-Fetch-Mode says "cors", which fetch always sends).
 * Resolves to {status, location (a URL or null), body}; follows nothing.
 */
function browse(url, { form, headers = {} } = {}) {
    const body = form ? new URLSearchParams(form).toString() : null;
    return new Promise((ok, bad) => {
        const req = request(url, {
            method: form ? 'POST' : 'GET',
            headers: {
                accept: 'text/html,application/xhtml+xml',
                'sec-fetch-mode': 'navigate',
                'sec-fetch-dest': 'document',
                'user-agent': 'gatehouse-rp-test',
                ...(jar.size ? { cookie: cookieHeader() } : {}),
                ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
                ...headers,
            },
            timeout: 15000,
        }, (res) => {
            remember(res.headers['set-cookie']);
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d) => { text += d; });
            res.on('end', () => ok({
                status: res.statusCode,
                location: res.headers.location ? new URL(res.headers.location, url) : null,
                body: text,
            }));
        });
        req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
        req.on('error', bad);
        req.end(body);
    });
}

/* At gatehouse: the sign-in form (when asked for) and consent; the redirect back. */
async function signInAtIssuer(authUrl) {
    const steps = { login: 0, consent: 0 };
    let res = await browse(authUrl);
    let page = res.status === 200 ? res.body : '';
    if (page.includes('action="/login"')) {
        steps.login++;
        res = await browse(`${ISSUER}/login`, { form: { ...formFields(page), username: USER, password: PASSWORD } });
        page = res.status === 200 ? res.body : '';
    }
    if (page.includes('action="/consent"')) {
        steps.consent++;
        res = await browse(`${ISSUER}/consent`, { form: { ...formFields(page), decision: 'allow' } });
    }
    expect([302, 303].includes(res.status), `gatehouse answered ${res.status} instead of the redirect back`);
    return { back: res.location, steps };
}

/* ---------- the scenario ---------- */

async function main() {
    await new Promise((ok, bad) => backend.once('error', bad).listen(BACKEND_PORT, '127.0.0.1', ok));

    const authUrl = await check('the protected page redirects to gatehouse\'s /authorize ' +
        '(code, PKCE S256, state, nonce, openid)', async () => {
        const res = await browse(`${APACHE}/`);
        expect(res.status === 302, `Apache answered ${res.status}`);
        const u = res.location;
        expect(u && u.href.startsWith(`${ISSUER}/authorize?`), `Location ${u}`);
        const q = u.searchParams;
        expect(q.get('response_type') === 'code' && q.get('client_id') === CLIENT, `query ${q}`);
        expect(q.get('redirect_uri') === REDIRECT, `redirect_uri ${q.get('redirect_uri')}`);
        expect(q.get('code_challenge_method') === 'S256' && q.get('code_challenge'), 'no S256 challenge');
        expect(q.get('state') && q.get('nonce'), 'state and nonce');
        expect((q.get('scope') || '').split(' ').includes('openid'), `scope ${q.get('scope')}`);
        return u.href;
    });
    if (!authUrl) finish();

    const back = await check('sign-in and consent at gatehouse lead back to Apache with code, state and iss',
        async () => {
            const { back: u } = await signInAtIssuer(authUrl);
            expect(u.href.startsWith(`${REDIRECT}?`), `redirect to ${u.href}`);
            expect(u.searchParams.get('code') && u.searchParams.get('state') &&
                u.searchParams.get('iss') === ISSUER, `redirect to ${u.href}`);
            return u.href;
        });
    if (!back) finish();

    await check('mod_auth_openidc redeems the code, checks the id_token, and sends the browser on', async () => {
        const res = await browse(back);
        const text = res.body.replace(/<[^>]*>/g, ' ');
        expect(res.status === 302, `Apache answered ${res.status}: ${text.slice(0, 200)}`);
        expect(res.location?.href === `${APACHE}/`, `Location ${res.location}`);
    });

    await check('the protected page names the user, from the claims Apache passes on', async () => {
        const res = await browse(`${APACHE}/`);
        const { body } = res;
        expect(res.status === 200, `status ${res.status}: ${body.slice(0, 200)}`);
        expect(body.includes(`Hello, ${NAME}`), `page: ${body.slice(0, 300)}`);
        const c = backendSaw.at(-1).claims;
        expect(c.sub === USER && c.email === EMAIL && c.preferred_username === USER && c.iss === ISSUER &&
            c.aud === CLIENT, `claims ${JSON.stringify(c)}`);
    });

    await check('a client\'s own OIDC_CLAIM_name header never reaches the application', async () => {
        const res = await browse(`${APACHE}/again`, { headers: { 'OIDC_CLAIM_name': 'Mallory' } });
        const { body } = res;
        expect(res.status === 200 && body.includes(`Hello, ${NAME}`) && !body.includes('Mallory'),
            `status ${res.status}: ${body.slice(0, 200)}`);
    });

    await check('logout at the redirect URI ends the Apache session', async () => {
        const res = await browse(`${REDIRECT}?logout=${encodeURIComponent(`${APACHE}/`)}`);
        expect([302, 303].includes(res.status), `logout answered ${res.status}`);
        const to = res.location;
        const meta = await (await fetch(`${ISSUER}/.well-known/openid-configuration`)).json();
        if (meta.end_session_endpoint) {
            expect(to.href.startsWith(`${meta.end_session_endpoint}?`), `logout went to ${to.href}`);
        } else {
            expect(to.href === `${APACHE}/`, `logout went to ${to.href}`);
        }
        const again = await browse(`${APACHE}/`);
        expect(again.status === 302 && again.location.href.startsWith(`${ISSUER}/authorize?`),
            `after logout the protected page answered ${again.status}`);
    });
    backend.close();
    finish();
}

setTimeout(() => {
    result(false, 'the Apache scenario finished within 60 s');
    finish();
}, 60000).unref();
main().catch((e) => {
    result(false, 'the Apache scenario ran to the end', e.message);
    finish();
});
