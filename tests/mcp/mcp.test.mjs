// The MCP TypeScript SDK's client, unmodified, against the example MCP
// server of contrib/mcp-server/ protected by a running gatehouse. With no
// prior registration the client must: get 401 from the MCP server, find
// gatehouse through the RFC 9728 metadata named in the challenge, register
// itself (RFC 7591), send the user to sign in (Chromium, driven by
// playwright-core, fills gatehouse's login and consent pages), exchange the
// code with PKCE and `resource` (RFC 8707), call a tool, and, once the
// access token has expired, refresh it and call the tool again.
//
// The SDK asks its application for an OAuthClientProvider (where to keep
// the client registration and tokens, and how to open a browser): the one
// here keeps them in memory and opens the authorization URL in Chromium,
// as a desktop MCP client opens the system browser.
//
// Environment: GH_ISSUER, GH_MCP_URL, GH_USER, GH_PASSWORD, GH_ACCESS_TTL
// (seconds), GH_OUT (screenshots), GH_CHROMIUM (default /usr/bin/chromium).
// Prints "ok - ..." / "not ok - ..." lines and "N passed, N failed"; exit
// status 1 when a check failed.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
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
const MCP_URL = env('GH_MCP_URL');
const USER = env('GH_USER');
const PASSWORD = env('GH_PASSWORD');
const ACCESS_TTL = Number(env('GH_ACCESS_TTL'));
const OUT = process.env.GH_OUT || mkdtempSync(join(tmpdir(), 'gh-mcp-out-'));
const CHROMIUM = process.env.GH_CHROMIUM || '/usr/bin/chromium';

let passed = 0;
let failed = 0;
function result(ok, name, detail) {
    if (ok) {
        passed++;
        console.log(`ok - ${name}`);
    } else {
        failed++;
        console.log(`not ok - ${name}${detail ? ` # ${String(detail).split('\n')[0]}` : ''}`);
    }
}

// The loopback redirect URI of a native app (RFC 8252 7.3): a small server
// that takes the authorization response.
function callbackServer() {
    let resolve;
    const got = new Promise((ok) => (resolve = ok));
    const server = createServer((req, res) => {
        const u = new URL(req.url, 'http://127.0.0.1');
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('You can close this window.');
        if (u.pathname === '/callback') resolve(u.searchParams);
    });
    return { server, got };
}

// Keeps what the SDK asks to keep, in memory; counts what it does.
class MemoryProvider {
    constructor(redirect) {
        this.redirect = redirect;
        this.info = undefined;
        this.saved = undefined;
        this.verifier = undefined;
        this.authUrl = undefined;
        this.tokenSaves = 0;
        this.discovery = undefined;
    }
    get redirectUrl() {
        return this.redirect;
    }
    get clientMetadata() {
        return {
            client_name: 'gatehouse MCP test client',
            redirect_uris: [this.redirect],
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            token_endpoint_auth_method: 'none',
        };
    }
    clientInformation() {
        return this.info;
    }
    saveClientInformation(info) {
        this.info = info;
    }
    tokens() {
        return this.saved;
    }
    saveTokens(tokens) {
        this.saved = tokens;
        this.tokenSaves++;
    }
    redirectToAuthorization(url) {
        this.authUrl = url;
    }
    saveCodeVerifier(v) {
        this.verifier = v;
    }
    codeVerifier() {
        return this.verifier;
    }
    saveDiscoveryState(s) {
        this.discovery = s;
    }
    discoveryState() {
        return this.discovery;
    }
}

function claims(jwt) {
    return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

async function whoami(client) {
    const r = await client.callTool({ name: 'whoami', arguments: {} });
    return JSON.parse(r.content[0].text);
}

async function signIn(context, url, redirectPrefix) {
    const page = await context.newPage();
    await page.goto(url.toString());
    await page.fill('#username', USER);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    const consent = await page.content();
    await page.screenshot({ path: join(OUT, 'mcp-consent.png') });
    await Promise.all([
        page.waitForURL((u) => u.toString().startsWith(redirectPrefix)),
        page.click('button[value=allow]'),
    ]);
    await page.close();
    return consent;
}

async function run(context) {
    const { server, got } = callbackServer();
    await new Promise((ok, bad) => server.once('error', bad).listen(0, '127.0.0.1', ok));
    const redirect = `http://127.0.0.1:${server.address().port}/callback`;
    const provider = new MemoryProvider(redirect);
    try {
        // 1. no token, no registration: the SDK discovers, registers, and
        //    asks its application to open the authorization URL
        let client = new Client({ name: 'gatehouse-mcp-test', version: '1.0.0' });
        let transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider });
        let unauthorized = null;
        try {
            await client.connect(transport);
        } catch (e) {
            unauthorized = e;
        }
        result(unauthorized instanceof UnauthorizedError, 'the first connection needs authorization',
            unauthorized && unauthorized.message);
        result(provider.discovery && provider.discovery.authorizationServerUrl.replace(/\/$/, '') === ISSUER,
            'the client found gatehouse from the MCP server\'s 401 (RFC 9728)', JSON.stringify(provider.discovery));
        result(provider.info && typeof provider.info.client_id === 'string' && provider.info.client_id.length > 0,
            'the client registered itself (RFC 7591)', JSON.stringify(provider.info));
        const authUrl = provider.authUrl;
        result(authUrl && authUrl.toString().startsWith(ISSUER + '/authorize') &&
            authUrl.searchParams.get('resource') === MCP_URL &&
            authUrl.searchParams.get('code_challenge_method') === 'S256',
        'the authorization request names the MCP server as resource, with PKCE', authUrl && authUrl.toString());
        if (!authUrl) return;

        // 2. the user signs in and consents in the browser
        const consent = await signIn(context, authUrl, redirect);
        result(consent.includes('registered itself') && consent.includes('gatehouse MCP test client'),
            'the consent page names the self-registered client');
        const params = await got;
        const code = params.get('code');
        result(!!code && params.get('iss') === ISSUER, 'the redirect carries a code and iss (RFC 9207)');

        // 3. the SDK exchanges the code; a new connection calls the tool
        await transport.finishAuth(code);
        const first = provider.tokens();
        result(!!first && !!first.access_token && !!first.refresh_token, 'tokens with a refresh token');
        result(first && claims(first.access_token).aud === MCP_URL, 'the access token\'s aud is the MCP server (RFC 8707)',
            first && JSON.stringify(claims(first.access_token).aud));
        await client.close();
        client = new Client({ name: 'gatehouse-mcp-test', version: '1.0.0' });
        transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider });
        await client.connect(transport);
        const tools = await client.listTools();
        result(tools.tools.some((t) => t.name === 'whoami'), 'the tool list has whoami');
        const me = await whoami(client);
        result(me.sub === USER && me.client_id === provider.info.client_id && me.aud === MCP_URL,
            'a tool call works with the token', JSON.stringify(me));

        // 4. the access token expires: the SDK refreshes and calls again
        await new Promise((ok) => setTimeout(ok, (ACCESS_TTL + 1.5) * 1000));
        const saves = provider.tokenSaves;
        const again = await whoami(client);
        const second = provider.tokens();
        result(again.sub === USER, 'a tool call after the access token expired works', JSON.stringify(again));
        result(provider.tokenSaves > saves && second.access_token !== first.access_token &&
            second.refresh_token !== first.refresh_token,
        'the SDK refreshed the token (rotated refresh token)');
        result(claims(second.access_token).aud === MCP_URL, 'the refreshed token is for the MCP server too');
        await client.close();
    } finally {
        server.close();
    }
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
            timeout: 20000,
        });
        context.setDefaultTimeout(15000);
        await run(context);
    } catch (e) {
        result(false, 'the MCP scenario ran to the end', e && (e.stack || e.message));
    } finally {
        if (context) await context.close();
        rmSync(profile, { recursive: true, force: true });
    }
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed === 0 ? 0 : 1);
}

main();
