// Records WebAuthn ceremonies from Chromium's virtual authenticator, for the
// recorded vectors of src/webauthn/webauthn_test.c. It serves one empty page
// on http://localhost:PORT, adds a CTAP2 virtual authenticator with a
// resident key and user verification (Chrome DevTools Protocol, WebAuthn
// domain), registers one discoverable credential per algorithm (ES256 -7,
// EdDSA -8, RS256 -257) with attestation "none" and userVerification
// "required", then signs in with it twice, and prints every response as
// JSON (base64url) with its challenge, origin and RP ID.
//   NODE_PATH=tests/browser/node_modules node tests/webauthn/record.mjs
// (playwright-core as the browser tier installs it; Debian's chromium.)
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(join(process.cwd(), 'tests/browser/'));
const { chromium } = require('playwright-core');
const CHROMIUM = process.env.GH_CHROMIUM || '/usr/bin/chromium';

const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>webauthn</title>');
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://localhost:${server.address().port}`;
const profile = mkdtempSync(join(tmpdir(), 'gh-webauthn-'));
const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
});
const out = { origin, rpId: 'localhost', recordedWith: '', ceremonies: [] };
try {
    const page = context.pages()[0] || (await context.newPage());
    out.recordedWith = context.browser()?.version() || 'chromium';
    await page.goto(origin + '/');
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    for (const alg of [-7, -8, -257]) {
        // a fresh authenticator for each algorithm, so that get() finds one credential
        const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
            options: {
                protocol: 'ctap2',
                ctap2Version: 'ctap2_1',
                transport: 'internal',
                hasResidentKey: true,
                hasUserVerification: true,
                isUserVerified: true,
                automaticPresenceSimulation: true,
            },
        });
        const c = await page.evaluate(async (alg) => {
            const b64u = (b) => btoa(String.fromCharCode(...new Uint8Array(b)))
                .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
            const challenge = crypto.getRandomValues(new Uint8Array(32));
            const cred = await navigator.credentials.create({
                publicKey: {
                    rp: { id: 'localhost', name: 'gatehouse' },
                    user: { id: new TextEncoder().encode('alice'), name: 'alice',
                        displayName: 'Alice' },
                    challenge,
                    pubKeyCredParams: [{ type: 'public-key', alg }],
                    authenticatorSelection: { residentKey: 'required',
                        userVerification: 'required' },
                    attestation: 'none',
                },
            });
            const reg = {
                alg,
                challenge: b64u(challenge),
                id: cred.id,
                attestationObject: b64u(cred.response.attestationObject),
                clientDataJSON: b64u(cred.response.clientDataJSON),
                assertions: [],
            };
            for (let i = 0; i < 2; i++) {
                const ch = crypto.getRandomValues(new Uint8Array(32));
                const a = await navigator.credentials.get({
                    publicKey: { challenge: ch, rpId: 'localhost', userVerification: 'required',
                        allowCredentials: [] },
                });
                reg.assertions.push({
                    challenge: b64u(ch),
                    id: a.id,
                    authenticatorData: b64u(a.response.authenticatorData),
                    clientDataJSON: b64u(a.response.clientDataJSON),
                    signature: b64u(a.response.signature),
                    userHandle: a.response.userHandle ? b64u(a.response.userHandle) : null,
                });
            }
            return reg;
        }, alg);
        out.ceremonies.push(c);
        await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    }
} finally {
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out, null, 2));
