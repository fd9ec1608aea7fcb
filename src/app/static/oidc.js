// The OpenID Connect relying-party side of the app, on Web Crypto only:
// discovery (OpenID Connect Discovery 1.0 section 4), ID Token validation
// (OpenID Connect Core 1.0 3.1.3.7, and 12.2 for the one a refresh returns)
// against the issuer's JWKS (RFC 7517; JWS signatures RFC 7515 with ES256
// RFC 7518 3.4, EdDSA RFC 8037, RS256 RFC 7518 3.3), the at_hash check
// (Core 3.1.3.8), /userinfo with its subject check (Core 5.3.2, 5.3.4), and
// the RP-initiated logout request (OpenID Connect RP-Initiated Logout 1.0
// section 2). No UI and no storage of tokens here: app.js owns both.

import { base64url } from './pkce.js';
import { OAuthError } from './oauth.js';
import { dpopProof, noteNonce } from './dpop.js';

/* Clock skew allowed for exp and iat, seconds. */
const LEEWAY_S = 60;
const LOGOUT_KEY = 'gatehouse.logout';

/*
 * The signature algorithms this app verifies, with their JWK type and the
 * hash the at_hash claim uses (Core 3.1.3.6: the hash of the alg; Ed25519
 * hashes with SHA-512, RFC 8032 5.1). Never "none", never HMAC.
 */
const ALGS = {
    ES256: {
        kty: 'EC', crv: 'P-256', hash: 'SHA-256',
        key: { name: 'ECDSA', namedCurve: 'P-256' }, verify: { name: 'ECDSA', hash: 'SHA-256' },
    },
    EdDSA: {
        kty: 'OKP', crv: 'Ed25519', hash: 'SHA-512', key: { name: 'Ed25519' }, verify: { name: 'Ed25519' },
    },
    RS256: {
        kty: 'RSA', hash: 'SHA-256',
        key: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verify: { name: 'RSASSA-PKCS1-v1_5' },
    },
};

/** An ID Token this app refuses; `reason` says why in words. */
export class IdTokenError extends Error {
    constructor(reason) {
        super(`the id_token was refused: ${reason}`);
        this.error = 'invalid_id_token';
        this.reason = reason;
    }
}

async function getJson(url, what) {
    let res;
    try {
        res = await fetch(url, { cache: 'no-store', credentials: 'omit' });
    } catch {
        throw new Error(`could not fetch ${what} from ${url}`);
    }
    if (!res.ok) throw new Error(`${what} at ${url} answered ${res.status}`);
    try {
        return await res.json();
    } catch {
        throw new Error(`${what} at ${url} is not JSON`);
    }
}

/**
 * Discovery 4: ISSUER/.well-known/openid-configuration. Its issuer must be
 * the configured one exactly (4.3). Resolves to what this app uses.
 */
export async function loadDiscovery(cfg) {
    const doc = await getJson(`${cfg.issuer}/.well-known/openid-configuration`, 'the discovery document');
    if (doc.issuer !== cfg.issuer) {
        throw new Error(`the discovery document names issuer '${doc.issuer}', expected '${cfg.issuer}'`);
    }
    if (typeof doc.jwks_uri !== 'string') throw new Error('the discovery document lacks jwks_uri');
    const str = (k) => (typeof doc[k] === 'string' && doc[k] ? doc[k] : null);
    const algs = Array.isArray(doc.id_token_signing_alg_values_supported)
        ? doc.id_token_signing_alg_values_supported : ['RS256'];
    return {
        jwksUri: doc.jwks_uri,
        userinfoEndpoint: str('userinfo_endpoint'),
        endSessionEndpoint: str('end_session_endpoint'),
        algs: algs.filter((a) => a in ALGS),
        keys: null, /* the JWKS, fetched on first use and again on an unknown kid */
    };
}

function decodePart(part, what) {
    try {
        const bin = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
        const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
        const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
        if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
        return v;
    } catch {
        throw new IdTokenError(`its ${what} is not base64url JSON`);
    }
}

function decodeSignature(part) {
    try {
        return Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    } catch {
        throw new IdTokenError('its signature is not base64url');
    }
}

/* The JWKS entries that may have signed with `alg` and `kid`. */
function candidates(keys, alg, kid) {
    const a = ALGS[alg];
    return (keys || []).filter((k) => k && k.kty === a.kty && (!a.crv || k.crv === a.crv) &&
        (!k.alg || k.alg === alg) && (!k.use || k.use === 'sig') && (kid === undefined || k.kid === kid));
}

async function findKeys(disc, alg, kid) {
    if (disc.keys) {
        const found = candidates(disc.keys, alg, kid);
        if (found.length) return found;
    }
    /* first use, or a kid we have not seen: the issuer may have rotated */
    const set = await getJson(disc.jwksUri, 'the JWKS').catch((e) => {
        throw new IdTokenError(e.message);
    });
    disc.keys = Array.isArray(set.keys) ? set.keys : [];
    const found = candidates(disc.keys, alg, kid);
    if (!found.length) {
        throw new IdTokenError(`the issuer's JWKS has no ${alg} key` + (kid ? ` with kid '${kid}'` : ''));
    }
    return found;
}

async function verifySignature(disc, header, input, sig) {
    const a = ALGS[header.alg];
    for (const jwk of await findKeys(disc, header.alg, header.kid)) {
        const pub = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, n: jwk.n, e: jwk.e };
        let key;
        try {
            key = await crypto.subtle.importKey('jwk', pub, a.key, false, ['verify']);
        } catch (e) {
            if (header.alg === 'EdDSA' && e.name === 'NotSupportedError') {
                throw new IdTokenError('this browser cannot verify EdDSA (Ed25519) signatures');
            }
            continue;
        }
        const ok = await crypto.subtle.verify(a.verify, key, sig, new TextEncoder().encode(input))
            .catch(() => false); /* e.g. a signature of the wrong length */
        if (ok) return;
    }
    throw new IdTokenError('its signature does not verify with the issuer\'s keys');
}

/** Core 3.1.3.6: base64url of the left half of hash(access token). */
export async function tokenHash(alg, token) {
    const d = new Uint8Array(await crypto.subtle.digest(ALGS[alg].hash, new TextEncoder().encode(token)));
    return base64url(d.subarray(0, d.length / 2));
}

function checkClaims(cfg, c, expect, nowS) {
    if (c.iss !== cfg.issuer) throw new IdTokenError(`it was issued by '${c.iss}', expected '${cfg.issuer}'`);
    if (typeof c.sub !== 'string' || !c.sub) throw new IdTokenError('it has no sub');
    const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
    if (!aud.includes(cfg.client_id)) {
        throw new IdTokenError(`its audience ${JSON.stringify(c.aud)} does not include '${cfg.client_id}'`);
    }
    if ((aud.length > 1 || c.azp !== undefined) && c.azp !== cfg.client_id) {
        throw new IdTokenError(`its azp '${c.azp}' is not '${cfg.client_id}'`);
    }
    if (typeof c.exp !== 'number' || c.exp + LEEWAY_S <= nowS) {
        throw new IdTokenError(typeof c.exp === 'number'
            ? `it expired at ${new Date(c.exp * 1000).toISOString()}` : 'it has no exp');
    }
    if (typeof c.iat !== 'number' || c.iat - LEEWAY_S > nowS) {
        throw new IdTokenError(typeof c.iat === 'number' ? 'it was issued in the future' : 'it has no iat');
    }
    const prev = expect.previous;
    if (!prev) {
        /* Core 3.1.3.7 11: exactly the nonce this tab sent */
        if (c.nonce !== expect.nonce) {
            throw new IdTokenError(c.nonce === undefined ? 'it carries no nonce'
                : 'its nonce differs from the one this app sent (a replayed or foreign token?)');
        }
        return;
    }
    /* Core 12.2: a refreshed ID Token names the same user and authentication */
    if (c.sub !== prev.sub) throw new IdTokenError(`its sub '${c.sub}' is not the signed-in '${prev.sub}'`);
    if (prev.auth_time !== undefined && c.auth_time !== prev.auth_time) {
        throw new IdTokenError('its auth_time differs from the sign-in\'s');
    }
    if (c.nonce !== undefined && c.nonce !== prev.nonce) {
        throw new IdTokenError('its nonce differs from the sign-in\'s');
    }
}

/**
 * Validates an ID Token from the token endpoint; resolves to its claims or
 * throws IdTokenError. expect: {nonce} after the code exchange,
 * {previous: claims} after a refresh; {accessToken} for the at_hash check.
 */
export async function validateIdToken(cfg, disc, idToken, expect) {
    if (typeof idToken !== 'string' || !idToken) throw new IdTokenError('the token response has none');
    const parts = idToken.split('.');
    if (parts.length !== 3) throw new IdTokenError('it is not a signed JWT (JWS compact)');
    const header = decodePart(parts[0], 'header');
    if (!(header.alg in ALGS) || !disc.algs.includes(header.alg)) {
        throw new IdTokenError(`its alg '${header.alg}' is not one this app accepts (${disc.algs.join(', ')})`);
    }
    /* RFC 7515 4.1.11: no extension this app would have to understand; an
     * access token (typ at+jwt, RFC 9068) or logout token is no ID Token */
    if (header.crit !== undefined) throw new IdTokenError('its header has crit');
    if (header.typ !== undefined && String(header.typ).toUpperCase() !== 'JWT') {
        throw new IdTokenError(`its typ is '${header.typ}', not JWT`);
    }
    const claims = decodePart(parts[1], 'payload');
    await verifySignature(disc, header, `${parts[0]}.${parts[1]}`, decodeSignature(parts[2]));
    checkClaims(cfg, claims, expect, Math.floor(Date.now() / 1000));
    if (claims.at_hash !== undefined && expect.accessToken &&
        claims.at_hash !== (await tokenHash(header.alg, expect.accessToken))) {
        throw new IdTokenError('its at_hash does not match the access token');
    }
    return { claims, alg: header.alg, kid: header.kid || '' };
}

/**
 * Core 5.3: the user's claims. Throws OAuthError; refuses an answer about
 * another subject (5.3.4).
 */
export async function fetchUserinfo(disc, accessToken, sub, tokenType = 'Bearer') {
    if (!disc.userinfoEndpoint) throw new OAuthError(0, 'unsupported', 'the issuer has no userinfo_endpoint');
    const url = disc.userinfoEndpoint;
    const dpop = tokenType.toLowerCase() === 'dpop';
    /* RFC 9449 7: a DPoP-bound token goes with a proof of this request */
    const send = async () => fetch(url, {
        headers: dpop
            ? { Authorization: `DPoP ${accessToken}`, DPoP: await dpopProof('GET', url, accessToken) }
            : { Authorization: `Bearer ${accessToken}` },
        cache: 'no-store',
        credentials: 'omit',
    });
    let res;
    try {
        res = await send();
        if (dpop && noteNonce(url, res) && res.status === 401 &&
            (res.headers.get('WWW-Authenticate') || '').includes('use_dpop_nonce')) {
            res = await send();
            noteNonce(url, res);
        }
    } catch {
        throw new OAuthError(0, 'network_error', `could not reach ${new URL(disc.userinfoEndpoint).origin}`);
    }
    const body = await res.json().catch(() => null);
    if (!res.ok || !body) {
        const m = /error="([^"]*)"(?:.*error_description="([^"]*)")?/.exec(res.headers.get('WWW-Authenticate') || '');
        throw new OAuthError(res.status, m?.[1] || body?.error || 'server_error',
            m?.[2] || body?.error_description || `userinfo answered ${res.status}`);
    }
    if (body.sub !== sub) {
        throw new OAuthError(res.status, 'invalid_response', `userinfo names sub '${body.sub}', not '${sub}'`);
    }
    return body;
}

/** RP-Initiated Logout 1.0 section 2: where "Sign out" sends the browser. */
export function endSessionUrl(cfg, disc, idToken, state) {
    const url = new URL(disc.endSessionEndpoint);
    const q = {
        id_token_hint: idToken,
        post_logout_redirect_uri: cfg.post_logout_redirect_uri,
        state,
        client_id: cfg.client_id,
    };
    for (const [k, v] of Object.entries(q)) if (v) url.searchParams.set(k, v);
    return url.toString();
}

/* The logout state crosses the redirect in sessionStorage, like PKCE's. */
export function saveLogout(state) {
    sessionStorage.setItem(LOGOUT_KEY, JSON.stringify({ state, created: Date.now() }));
}

/** Reads and deletes the pending logout at once; null when there is none. */
export function takeLogout() {
    try {
        const raw = sessionStorage.getItem(LOGOUT_KEY);
        sessionStorage.removeItem(LOGOUT_KEY);
        return raw ? JSON.parse(raw) : null;
    } catch {
        return null;
    }
}
