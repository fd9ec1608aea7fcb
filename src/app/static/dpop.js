// DPoP (RFC 9449) for the app: one ECDSA P-256 key pair per browser profile,
// made by Web Crypto with a non-extractable private key and kept in IndexedDB
// (a reload keeps the key; the structured clone of a CryptoKey stays
// non-extractable, so script can sign with it but never read it), and the
// proof JWTs the token endpoint and the Resource API want. Tokens stay in
// memory (app.js); a token copied out of the page is useless without this key.

import { base64url, randomToken, sha256 } from './pkce.js';

const DB = 'gatehouse-dpop';
const STORE = 'keys';
const KEY_ID = 'dpop-p256';

let pair = null;   // {privateKey, publicKey, jwk}
/* Server nonces (RFC 9449 8), by origin: the last DPoP-Nonce each sent. */
const nonces = new Map();

function idb(mode, fn) {
    return new Promise((resolve, reject) => {
        const open = indexedDB.open(DB, 1);
        open.onupgradeneeded = () => open.result.createObjectStore(STORE);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
            const tx = open.result.transaction(STORE, mode);
            const req = fn(tx.objectStore(STORE));
            tx.oncomplete = () => { open.result.close(); resolve(req.result); };
            tx.onerror = () => { open.result.close(); reject(tx.error); };
        };
    });
}

async function publicJwk(publicKey) {
    const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
    return { kty, crv, x, y };
}

/** The key pair: from IndexedDB, or new (and stored there when it can be). */
export async function dpopKey() {
    if (pair) return pair;
    let stored = null;
    try {
        stored = await idb('readonly', (s) => s.get(KEY_ID));
    } catch {
        stored = null; /* no IndexedDB (private mode): a key for this page only */
    }
    if (!stored) {
        stored = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false,
            ['sign', 'verify']);
        try {
            await idb('readwrite', (s) => s.put(stored, KEY_ID));
        } catch { /* kept in memory only */ }
    }
    pair = { privateKey: stored.privateKey, publicKey: stored.publicKey,
        jwk: await publicJwk(stored.publicKey) };
    return pair;
}

/** Forgets the key (sign-out): the next session gets a new one. */
export async function dropDpopKey() {
    pair = null;
    nonces.clear();
    try {
        await idb('readwrite', (s) => s.delete(KEY_ID));
    } catch { /* nothing stored */ }
}

/** RFC 7638 thumbprint of the public key (what cnf.jkt names). */
export async function dpopThumbprint() {
    const { jwk } = await dpopKey();
    return sha256(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }));
}

function b64json(v) {
    return base64url(new TextEncoder().encode(JSON.stringify(v)));
}

/**
 * A proof for one request (RFC 9449 4.2): htm and htu (no query or
 * fragment), a fresh jti and iat, ath when an access token goes with it, and
 * the server's last nonce for that origin.
 */
export async function dpopProof(htm, url, accessToken) {
    const { privateKey, jwk } = await dpopKey();
    const u = new URL(url);
    const claims = { jti: randomToken(16), htm, htu: u.origin + u.pathname,
        iat: Math.floor(Date.now() / 1000) };
    if (accessToken) claims.ath = await sha256(accessToken);
    const nonce = nonces.get(u.origin);
    if (nonce) claims.nonce = nonce;
    const input = `${b64json({ typ: 'dpop+jwt', alg: 'ES256', jwk })}.${b64json(claims)}`;
    /* Web Crypto signs ECDSA as r || s, the JOSE form (RFC 7518 3.4) */
    const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey,
        new TextEncoder().encode(input));
    return `${input}.${base64url(new Uint8Array(sig))}`;
}

/** Remembers the DPoP-Nonce of a response; true when it brought one. */
export function noteNonce(url, res) {
    const n = res.headers.get('DPoP-Nonce');
    if (n) nonces.set(new URL(url).origin, n);
    return Boolean(n);
}
