// PKCE and the small crypto helpers the app needs, on Web Crypto only
// (RFC 7636 4.1 code_verifier, 4.2 S256 code_challenge; RFC 4648 5 base64url).
// Nothing here keeps state: callers decide where values live.

/** base64url without padding (RFC 4648 section 5, RFC 7636 appendix A). */
export function base64url(bytes) {
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** n random bytes from the CSPRNG, base64url: 32 bytes give 43 characters. */
export function randomToken(n = 32) {
    const bytes = new Uint8Array(n);
    crypto.getRandomValues(bytes);
    return base64url(bytes);
}

/** base64url(SHA-256(ASCII text)), no padding. */
export async function sha256(text) {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
    return base64url(new Uint8Array(digest));
}

/**
 * The key gatehouse stores a refresh token under (never the token): the
 * token's first 8 bytes (its issue time) and the first 24 bytes of its
 * SHA-256, base64url. The trace recorder finds the token's flow by it.
 */
export async function refreshKey(token) {
    const head = atob(token.slice(0, 12).replace(/-/g, '+').replace(/_/g, '/'));
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
    const key = new Uint8Array(32);
    for (let i = 0; i < 8; i++) key[i] = head.charCodeAt(i);
    key.set(digest.subarray(0, 24), 8);
    return base64url(key);
}

/** RFC 7636 4.1/4.2: a fresh 43-character verifier and its S256 challenge. */
export async function createPkce() {
    const verifier = randomToken(32);
    return { verifier, challenge: await sha256(verifier), method: 'S256' };
}

/** What the page shows for a refresh token: never the token, only a hash prefix. */
export async function fingerprint(token) {
    return (await sha256(token)).slice(0, 8);
}

/** True when this browsing context can do PKCE (Web Crypto needs a secure context). */
export function cryptoAvailable() {
    return Boolean(globalThis.crypto && crypto.subtle && crypto.getRandomValues);
}
