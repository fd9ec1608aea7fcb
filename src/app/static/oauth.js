// The OAuth 2.1 client side of the app: configuration, the authorization
// request (RFC 6749 4.1.1 + RFC 7636 4.3), the authorization response checks
// (RFC 6749 10.12 state, RFC 9207 iss), the token endpoint (RFC 6749 4.1.3,
// 6 refresh, 5.2 errors), revocation (RFC 7009) and bearer calls (RFC 6750).
// The OpenID Connect parts (nonce, ID Token, userinfo, logout) are in oidc.js.
// No UI here and no storage of tokens: app.js owns both. Token and API
// requests carry DPoP proofs (dpop.js).

import { dpopProof, noteNonce } from './dpop.js';

const PENDING_KEY = 'gatehouse.pending';

/** An error answered by a server (status 0: the server could not be reached). */
export class OAuthError extends Error {
    constructor(status, error, description) {
        super(description ? `${error}: ${description}` : error);
        this.status = status;
        this.error = error;
        this.description = description || '';
    }
}

/** GET /config.json from our own origin; throws Error naming what is missing. */
export async function loadConfig() {
    const res = await fetch('/config.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`GET /config.json answered ${res.status}`);
    const cfg = await res.json();
    const need = ['issuer', 'authorization_endpoint', 'token_endpoint', 'client_id',
        'redirect_uri', 'api_base'];
    for (const k of need) {
        if (typeof cfg[k] !== 'string' || cfg[k] === '') throw new Error(`config.json lacks '${k}'`);
    }
    cfg.scope = typeof cfg.scope === 'string' ? cfg.scope : 'openid profile api';
    /* where the issuer sends the browser back after RP-initiated logout */
    if (typeof cfg.post_logout_redirect_uri !== 'string' || !cfg.post_logout_redirect_uri) {
        cfg.post_logout_redirect_uri = `${location.origin}/`;
    }
    cfg.api_base = cfg.api_base.replace(/\/+$/, '');
    cfg.trace = cfg.trace === true;
    return cfg;
}

/**
 * RFC 6749 4.1.1 with RFC 7636 4.3, and the OpenID Connect Core 3.1.2.1
 * nonce: the URL the browser is sent to.
 */
export function authorizeUrl(cfg, state, challenge, nonce, dpopJkt) {
    const url = new URL(cfg.authorization_endpoint);
    const q = {
        response_type: 'code',
        client_id: cfg.client_id,
        redirect_uri: cfg.redirect_uri,
        scope: cfg.scope,
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        nonce,
        dpop_jkt: dpopJkt, /* RFC 9449 10 */
    };
    for (const [k, v] of Object.entries(q)) if (v) url.searchParams.set(k, v);
    return url.toString();
}

/* The verifier and state live in sessionStorage only across the redirect. */
export function savePending(pending) {
    sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
}

/** Reads and deletes the pending request at once; null when there is none. */
export function takePending() {
    let raw = null;
    try {
        raw = sessionStorage.getItem(PENDING_KEY);
        sessionStorage.removeItem(PENDING_KEY);
        return raw ? JSON.parse(raw) : null;
    } catch {
        return null;
    }
}

export function dropPending() {
    try {
        sessionStorage.removeItem(PENDING_KEY);
    } catch {
        /* storage disabled: nothing to drop */
    }
}

/**
 * Checks an authorization response (the callback's query) against the request
 * we sent. Returns {code} or throws OAuthError. RFC 6749 10.12 (state) and
 * RFC 9207 2.4 (iss must equal the issuer, and must be present because our
 * server always sends it) are checked before anything else, errors included.
 */
export function checkCallback(cfg, params, pending) {
    if (!pending) {
        throw new OAuthError(0, 'no_pending_request',
            'this sign-in response does not match a sign-in started in this tab ' +
            '(was the page reloaded or opened in another tab?)');
    }
    if (params.get('state') !== pending.state) {
        throw new OAuthError(0, 'state_mismatch',
            'the state returned by the authorization server differs from the one sent');
    }
    const iss = params.get('iss');
    if (iss !== cfg.issuer) {
        throw new OAuthError(0, 'issuer_mismatch',
            iss === null ? 'the response carries no iss parameter (RFC 9207)'
                : `the response came from '${iss}', expected '${cfg.issuer}'`);
    }
    if (params.has('error')) {
        throw new OAuthError(0, params.get('error'), params.get('error_description') || '');
    }
    const code = params.get('code');
    if (!code) throw new OAuthError(0, 'invalid_response', 'the response carries no code');
    return { code };
}

async function postForm(url, fields, extraHeaders) {
    let res;
    try {
        res = await fetch(url, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...extraHeaders },
            body: new URLSearchParams(fields),
            cache: 'no-store',
            credentials: 'omit',
        });
    } catch (e) {
        throw new OAuthError(0, 'network_error', `could not reach ${new URL(url).origin}`);
    }
    let body = null;
    try {
        body = await res.json();
    } catch {
        body = null;
    }
    return { res, body };
}

/**
 * POST /token with a DPoP proof (RFC 9449 5); resolves to the token response
 * or throws OAuthError. A use_dpop_nonce answer is retried once with the
 * nonce it brought (RFC 9449 8).
 */
export async function tokenRequest(cfg, fields) {
    const form = { ...fields, client_id: cfg.client_id };
    let { res, body } = await postForm(cfg.token_endpoint, form,
        { DPoP: await dpopProof('POST', cfg.token_endpoint) });
    if (noteNonce(cfg.token_endpoint, res) && body?.error === 'use_dpop_nonce') {
        ({ res, body } = await postForm(cfg.token_endpoint, form,
            { DPoP: await dpopProof('POST', cfg.token_endpoint) }));
        noteNonce(cfg.token_endpoint, res);
    }
    if (res.ok && body && typeof body.access_token === 'string') return body;
    if (body && typeof body.error === 'string') {
        throw new OAuthError(res.status, body.error, body.error_description);
    }
    throw new OAuthError(res.status, 'server_error', `token endpoint answered ${res.status}`);
}

export function exchangeCode(cfg, code, verifier) {
    return tokenRequest(cfg, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: cfg.redirect_uri,
        code_verifier: verifier,
    });
}

export function refreshGrant(cfg, refreshToken) {
    return tokenRequest(cfg, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/** RFC 7009: the server answers 200 whether or not it knew the token. */
export async function revoke(cfg, token, hint) {
    if (!cfg.revocation_endpoint) throw new OAuthError(0, 'unsupported', 'no revocation endpoint');
    const { res, body } = await postForm(cfg.revocation_endpoint, {
        token,
        token_type_hint: hint,
        client_id: cfg.client_id,
    });
    if (!res.ok) {
        throw new OAuthError(res.status, body?.error || 'server_error', body?.error_description);
    }
}

/**
 * Which of the invalid_grant cases a refresh failure is, from the
 * error_description: 'reused' (a rotated token presented again, the family is
 * revoked), 'expired', 'revoked', or 'invalid' for anything else.
 */
export function classifyGrantError(description) {
    const d = (description || '').toLowerCase();
    if (d.includes('already used') || d.includes('reuse') || d.includes('used twice')) return 'reused';
    if (d.includes('expired')) return 'expired';
    if (d.includes('revoked')) return 'revoked';
    return 'invalid';
}

/**
 * GET {api_base}{path} with the access token: as a DPoP token with a proof
 * of this request when tokenType is DPoP (RFC 9449 7; a use_dpop_nonce
 * challenge is retried once with its nonce), else as a Bearer token. Never
 * throws for HTTP errors.
 */
export async function apiGet(cfg, path, accessToken, tokenType = 'Bearer') {
    const url = cfg.api_base + path;
    const dpop = tokenType.toLowerCase() === 'dpop';
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
        return { status: 0, body: null, text: `could not reach ${cfg.api_base}`, challenge: null };
    }
    const text = await res.text();
    let body = null;
    try {
        body = JSON.parse(text);
    } catch {
        body = null;
    }
    return { status: res.status, body, text, challenge: res.headers.get('WWW-Authenticate') };
}
