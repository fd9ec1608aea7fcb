// Browser test of passkeys on gatehouse's own pages (WebAuthn Level 2), in
// Debian's Chromium driven by playwright-core, with the Chrome DevTools
// Protocol's virtual authenticator (CTAP2, internal transport, resident
// keys, user verification): sign in with the password, add a passkey on
// the account page, sign out, sign in with "Sign in with a passkey" without
// typing a user name (the button, and conditional UI), confirm a password
// session with it (step-up), finish the OAuth code flow (PKCE) and read amr in the
// id_token, remove the passkey; then an authenticator that does not verify
// the user cannot add one.
//
//   GH_ISSUER    the AS, http://localhost:PORT (a host name: an RP ID, and
//                a secure context for WebAuthn)
//   GH_CLIENT    a trusted public client whose redirect URI is
//                GH_ISSUER/healthz (the code is read from the URL)
//   GH_USER, GH_PASSWORD
//   GH_OUT       screenshots (passkey-account.png, passkey-login.png, and
//                their dark variants)
//   GH_CHROMIUM  the browser (default /usr/bin/chromium)
//
// Prints "ok - ..." / "not ok - ..." per check, then "browser: N passed, N failed".

import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const ISSUER = process.env.GH_ISSUER || '';
const CLIENT = process.env.GH_CLIENT || 'pk';
const USER = process.env.GH_USER || '';
const PASSWORD = process.env.GH_PASSWORD || '';
const OUT = process.env.GH_OUT || mkdtempSync(join(tmpdir(), 'gh-passkey-out-'));
const CHROMIUM = process.env.GH_CHROMIUM || '/usr/bin/chromium';
const REDIRECT = `${ISSUER}/healthz`;

if (!ISSUER.startsWith('http://localhost:') || !USER || !PASSWORD) {
    console.error('usage: GH_ISSUER=http://localhost:PORT GH_USER=.. GH_PASSWORD=.. node passkey.test.mjs');
    process.exit(2);
}

let passed = 0;
let failed = 0;
class Abort extends Error {}

function report(ok, name, detail) {
    if (ok) passed++;
    else failed++;
    console.log(`${ok ? 'ok' : 'not ok'} - ${name}${!ok && detail ? ` # ${String(detail).split('\n')[0]}` : ''}`);
}

async function check(name, fn, { critical = false } = {}) {
    try {
        if ((await fn()) === false) throw new Error('condition false');
        report(true, name);
    } catch (e) {
        report(false, name, e.message);
        if (critical) throw new Abort(name);
    }
}

function expect(cond, msg) {
    if (!cond) throw new Error(msg);
}

const watchdog = setTimeout(() => {
    report(false, 'passkey scenario finished within 60 s');
    console.log(`browser: ${passed} passed, ${failed} failed`);
    process.exit(1);
}, 60000);

const b64u = (b) => Buffer.from(b).toString('base64url');
const pageErrors = [];
const cspErrors = [];

/* An authorization request with PKCE; its verifier. */
function authorizeUrl(extra = {}) {
    const verifier = b64u(randomBytes(32));
    const challenge = b64u(createHash('sha256').update(verifier).digest());
    const q = new URLSearchParams({
        response_type: 'code', client_id: CLIENT, redirect_uri: REDIRECT, scope: 'openid',
        state: b64u(randomBytes(8)), code_challenge: challenge, code_challenge_method: 'S256',
        ...extra,
    });
    return { url: `${ISSUER}/authorize?${q}`, verifier };
}

/* The code of the redirect the page ended at, exchanged: the id_token's claims. */
async function exchange(page, verifier) {
    await page.waitForURL((u) => u.href.startsWith(REDIRECT), { timeout: 10000 });
    const code = new URL(page.url()).searchParams.get('code');
    expect(code, `no code in ${page.url()}`);
    const r = await fetch(`${ISSUER}/token`, {
        method: 'POST',
        body: new URLSearchParams({
            grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: CLIENT,
            code_verifier: verifier,
        }),
    });
    const t = await r.json();
    expect(r.status === 200 && t.id_token, `token endpoint said ${r.status} ${JSON.stringify(t)}`);
    return JSON.parse(Buffer.from(t.id_token.split('.')[1], 'base64url').toString());
}

async function passwordSignIn(page) {
    const { url, verifier } = authorizeUrl();
    await page.goto(url);
    await page.fill('#username', USER);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit].primary');
    return exchange(page, verifier);
}

async function shots(page, name) {
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(OUT, `${name}-dark.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
}

async function signOut(page, name) {
    await check(name, async () => {
        await page.goto(`${ISSUER}/account`);
        const mine = page.locator('#sessions li', { hasText: 'This session' });
        await Promise.all([page.waitForURL(`${ISSUER}/account/sessions/signout`), mine.locator('button').click()]);
        await page.waitForSelector('text=Signed out');
    }, { critical: true });
}

async function authenticator(cdp, verified) {
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
            protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal',
            hasResidentKey: true, hasUserVerification: true, isUserVerified: verified,
            automaticPresenceSimulation: true,
        },
    });
    return authenticatorId;
}

async function scenario(page, cdp) {
    const id = await authenticator(cdp, true);
    await check('password sign-in finishes the code flow', async () => {
        const c = await passwordSignIn(page);
        expect(JSON.stringify(c.amr) === '["pwd"]', `amr ${JSON.stringify(c.amr)}`);
    }, { critical: true });

    await check('account page adds a passkey with the virtual authenticator', async () => {
        await page.goto(`${ISSUER}/account`);
        await page.waitForSelector('#passkey-add-button:not([hidden])');
        await page.fill('#passkey-label', 'Chromium test key');
        await Promise.all([page.waitForURL(`${ISSUER}/account/passkeys`), page.click('#passkey-add-button')]);
        const body = await page.textContent('main');
        expect(body.includes('Passkey added'), body.slice(0, 300));
        expect(body.includes('Chromium test key') && body.includes('never used'), body.slice(0, 600));
        const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: id });
        expect(credentials.length === 1 && credentials[0].isResidentCredential, 'no resident credential');
    }, { critical: true });
    await page.goto(`${ISSUER}/account`);
    await shots(page, 'passkey-account');

    await check('step-up: the password session confirms with the passkey; amr pwd hwk user', async () => {
        const { url, verifier } = authorizeUrl({ acr_values: 'urn:gatehouse:acr:mfa' });
        await page.goto(url);
        await page.waitForSelector('#passkey-signin:not([hidden])');
        expect((await page.textContent('h1')).includes('Confirm with your passkey'), 'not the passkey page');
        await shots(page, 'passkey-stepup');
        await page.click('#passkey-signin');
        const c = await exchange(page, verifier);
        expect(JSON.stringify(c.amr) === '["pwd","hwk","user"]', `amr ${JSON.stringify(c.amr)}`);
        expect(c.acr === 'urn:gatehouse:acr:mfa', `acr ${c.acr}`);
    });
    await signOut(page, 'signing this session out on the account page');

    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: id, enabled: false });
    await check('login page offers the passkey (button, conditional UI, CSP)', async () => {
        const { url } = authorizeUrl();
        const r = await page.goto(url);
        expect(r.headers()['content-security-policy'].includes("script-src 'self'"), 'no script-src');
        await page.waitForSelector('#passkey-signin:not([hidden])');
        expect(await page.isVisible('#passkey-signin'), 'button not visible');
        const ac = await page.getAttribute('#username', 'autocomplete');
        expect(ac === 'username webauthn', `autocomplete=${ac}`);
        const cond = await page.evaluate(() => PublicKeyCredential.isConditionalMediationAvailable());
        expect(cond === true, 'conditional mediation unavailable');
    });
    await shots(page, 'passkey-login');
    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: id, enabled: true });

    const amrMfa = (c) => {
        expect(c.sub === USER, `sub ${c.sub}`);
        expect(JSON.stringify(c.amr) === '["hwk","user"]', `amr ${JSON.stringify(c.amr)}`);
        expect(c.acr === 'urn:gatehouse:acr:mfa', `acr ${c.acr}`);
    };
    await check('conditional UI: the passkey from the user name autofill signs in', async () => {
        const { url, verifier } = authorizeUrl();
        await page.goto(url);
        amrMfa(await exchange(page, verifier)); // the virtual authenticator picks it
    });
    await signOut(page, 'signing out again');

    await check('"Sign in with a passkey" without a user name gives a code; amr hwk user, acr mfa', async () => {
        // the button's own ceremony: no conditional request in the way
        await page.addInitScript(() => {
            PublicKeyCredential.isConditionalMediationAvailable = async () => false;
        });
        const { url, verifier } = authorizeUrl();
        await page.goto(url);
        await page.waitForSelector('#passkey-signin:not([hidden])');
        expect((await page.inputValue('#username')) === '', 'a user name was filled in');
        await page.click('#passkey-signin');
        amrMfa(await exchange(page, verifier));
    });

    await check('the passkey is removed on the account page', async () => {
        await page.goto(`${ISSUER}/account`);
        const row = page.locator('#passkey-list li', { hasText: 'Chromium test key' });
        expect((await row.textContent()).includes('last used'), 'not marked used');
        await Promise.all([page.waitForURL(`${ISSUER}/account/passkeys/remove`), row.locator('button', { hasText: 'Remove' }).click()]);
        const body = await page.textContent('main');
        expect(body.includes('Passkey removed') && body.includes('None yet'), body.slice(0, 400));
    });

    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: id });
    const unverified = await authenticator(cdp, false);
    await check('an authenticator that does not verify the user cannot add a passkey', async () => {
        await page.goto(`${ISSUER}/account`);
        await page.waitForSelector('#passkey-add-button:not([hidden])');
        await page.click('#passkey-add-button');
        // the browser refuses (UV required), or the server does: no passkey either way
        await page.waitForFunction(() => {
            const e = document.getElementById('passkey-error');
            return (e && !e.hidden) || document.body.textContent.includes('did not verify you');
        }, null, { timeout: 15000 });
        await page.goto(`${ISSUER}/account`);
        expect((await page.textContent('#passkeys')).includes('None yet'), 'a passkey was added');
    });
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: unverified });
    await check('no script error and no CSP violation on the pages', () => {
        expect(pageErrors.length === 0, pageErrors.join('; '));
        expect(cspErrors.length === 0, cspErrors.join('; '));
    });
}

async function main() {
    mkdirSync(OUT, { recursive: true });
    const profile = mkdtempSync(join(tmpdir(), 'gh-chromium-pk-'));
    let context = null;
    try {
        context = await chromium.launchPersistentContext(profile, {
            executablePath: CHROMIUM,
            headless: true,
            args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync'],
            viewport: { width: 900, height: 800 },
            timeout: 20000,
        });
        context.setDefaultTimeout(10000);
        const page = context.pages()[0] || (await context.newPage());
        page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
        page.on('console', (m) => {
            if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text());
        });
        await page.goto(`${ISSUER}/healthz`);
        const cdp = await context.newCDPSession(page);
        await cdp.send('WebAuthn.enable', { enableUI: false });
        try {
            await scenario(page, cdp);
        } catch (e) {
            if (!(e instanceof Abort)) report(false, 'passkey scenario ran to the end', e.message);
            await page.screenshot({ path: join(OUT, 'passkey-failure.png'), fullPage: true }).catch(() => {});
        }
    } catch (e) {
        report(false, 'chromium starts', e.message);
    } finally {
        clearTimeout(watchdog);
        if (context) await context.close().catch(() => {});
        rmSync(profile, { recursive: true, force: true });
    }
    console.log(`# screenshots in ${OUT}`);
    console.log(`browser: ${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
}

main();
