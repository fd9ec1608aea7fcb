// Records the HAR fixtures of the flow-review tests (docs/flow-review.md) in
// Debian's Chromium with Playwright's recordHar (never a browser download):
//
//   node tests/har/record.mjs peer OUT.har       node-oidc-provider (peer.mjs)
//   node tests/har/record.mjs gatehouse OUT.har  gatehouse serve --trace (GH_BIN)
//
// Both walk the same scenario: open the app, sign in (login form, consent),
// the code exchange, an API call, two refreshes with rotation (an API call
// between them), sign out (revocation; for the peer also RP-initiated
// logout). The HAR is written as the browser saw it: nothing is scrubbed by
// hand (`gatehouse trace import` must do it); the passwords are throwaway
// test values. For gatehouse, the flow its own recorder saw is then compared
// with the HAR: `gatehouse trace diff <native flow> OUT.har` must say "same".
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GH_BIN = process.env.GH_BIN || join(ROOT, 'build/gatehouse');
const CHROMIUM = process.env.GH_CHROMIUM || '/usr/bin/chromium';
const GH_PASSWORD = 'har-fixture-pw-gatehouse-not-a-secret';
const STEP_MS = 10000;
const [which, out] = process.argv.slice(2);

if (!['peer', 'gatehouse'].includes(which) || !out) {
    console.error('usage: node tests/har/record.mjs peer|gatehouse OUT.har');
    process.exit(2);
}

function freePort() {
    return new Promise((ok) => {
        const s = createServer();
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => ok(port));
        });
    });
}

async function until(fn, what) {
    const end = Date.now() + STEP_MS;
    while (Date.now() < end) {
        if (await fn().catch(() => false)) return;
        await new Promise((ok) => setTimeout(ok, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
}

/* Fills the login form and allows consent, whichever the server shows. */
async function signIn(page, appOrigin, signedIn, password) {
    await until(async () => {
        if (new URL(page.url()).origin === appOrigin && await page.locator(signedIn).isVisible()) return true;
        if (await page.locator('input[name="password"]').isVisible()) {
            await page.fill('input[name="username"]', 'alice');
            await page.fill('input[name="password"]', password);
            await Promise.all([page.waitForNavigation(), page.click('form button[type="submit"]')]);
        } else if (await page.locator('button[name="decision"][value="allow"]').isVisible()) {
            await Promise.all([page.waitForNavigation(),
                page.click('button[name="decision"][value="allow"]')]);
        }
        return false;
    }, 'the signed-in app');
}

async function clickAndWait(page, button, sel, text) {
    if (sel !== '#rotations') await page.locator(sel).evaluate((el) => { el.textContent = ''; });
    const before = await page.locator(sel).textContent();
    await page.click(button);
    await until(async () => {
        const now = await page.locator(sel).textContent();
        return now !== before && (!text || now.includes(text));
    }, `${button} to answer`);
}

async function recordPeer(page) {
    const { FIXTURE_PASSWORD, startPeer } = await import('./peer.mjs');
    const peer = await startPeer();
    try {
        await page.goto(`${peer.rp}/`);
        await page.click('#signin');
        await signIn(page, peer.rp, '#signed-in', FIXTURE_PASSWORD);
        await clickAndWait(page, '#api', '#out', ' 200 ');
        await clickAndWait(page, '#userinfo', '#out', ' 200 ');
        await clickAndWait(page, '#refresh', '#out', 'refresh 200');
        await clickAndWait(page, '#api', '#out', ' 200 ');
        await clickAndWait(page, '#refresh', '#out', 'refresh 200');
        await Promise.all([page.waitForURL(/\/session\/end/), page.click('#signout')]);
        await Promise.all([page.waitForURL(`${peer.rp}/`), page.click('button[name="logout"]')]);
    } finally {
        await page.context().close();
        await peer.stop();
    }
}

function gh(db, ...args) {
    return execFileSync(GH_BIN, ['--db', db, ...args], { encoding: 'utf8' });
}

async function recordGatehouse(page) {
    const dir = mkdtempSync(join(tmpdir(), 'gh-har-'));
    const db = `sqlite:${dir}/gatehouse.db`;
    const [as, api, app] = [await freePort(), await freePort(), await freePort()];
    gh(db, 'init', '--issuer', `http://127.0.0.1:${as}`);
    execFileSync(GH_BIN, ['--db', db, 'user', 'add', '--username', 'alice', '--password-stdin'],
        { input: GH_PASSWORD });
    const server = spawn(GH_BIN, ['--db', db, 'serve', '--listen', `127.0.0.1:${as}`,
        '--api-listen', `127.0.0.1:${api}`, '--app-listen', `127.0.0.1:${app}`, '--trace'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
    const appOrigin = `http://127.0.0.1:${app}`;
    try {
        await until(async () => (await fetch(`${appOrigin}/config.json`)).ok, 'gatehouse serve');
        await page.goto(`${appOrigin}/`);
        await page.click('#signin');
        await signIn(page, appOrigin, '#view-signed-in', GH_PASSWORD);
        await clickAndWait(page, '#call-api', '#api-result', '"sub"');
        await clickAndWait(page, '#refresh', '#rotations', '1');
        await clickAndWait(page, '#call-api', '#api-result', '"sub"');
        await clickAndWait(page, '#refresh', '#rotations', '2');
        await page.click('#signout');
        await page.locator('#signin').waitFor({ state: 'visible', timeout: STEP_MS });
        await page.context().close();
    } finally {
        server.kill('SIGTERM');
        await new Promise((ok) => server.once('exit', ok));
    }
    /* the flow gatehouse recorded itself, compared by meaning with the HAR */
    const flows = gh(db, 'trace', 'list').trim().split('\n');
    const native = flows[flows.length - 1].split(' ')[0];
    try {
        console.log(gh(db, 'trace', 'diff', native, out).trim());
    } catch (e) {
        console.error(`native flow and HAR differ:\n${e.stdout}`);
        process.exitCode = 1;
    }
    rmSync(dir, { recursive: true, force: true });
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
    const context = await browser.newContext({ recordHar: { path: out, content: 'embed' } });
    /* test traffic stays on 127.0.0.1 */
    await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
    const page = await context.newPage();
    await (which === 'peer' ? recordPeer(page) : recordGatehouse(page));
    console.log(`recorded ${out}`);
} finally {
    await browser.close();
}
