// gatehouse demo app: the UI and session state of the reference public
// client, an OpenID Connect relying party. Protocol steps live in oauth.js
// (OAuth) and oidc.js (ID Token, userinfo, logout), PKCE in pkce.js.
// Tokens are held in the `session` object below and nowhere else: never in
// localStorage, sessionStorage, IndexedDB or cookies. They are DPoP-bound
// (RFC 9449, dpop.js) to a key whose private half cannot leave the browser;
// that key, not a token, is what IndexedDB holds. Only the PKCE verifier,
// state and nonce cross the redirect to sign in, and a state the one to sign
// out, in sessionStorage, and are deleted on return.

import { createPkce, cryptoAvailable, fingerprint, randomToken, refreshKey, sha256 } from './pkce.js';
import {
    apiGet, authorizeUrl, checkCallback, classifyGrantError, dropPending, exchangeCode,
    loadConfig, refreshGrant, revoke, savePending, takePending,
} from './oauth.js';
import {
    endSessionUrl, fetchUserinfo, loadDiscovery, saveLogout, takeLogout, validateIdToken,
} from './oidc.js';
import { dpopThumbprint, dropDpopKey } from './dpop.js';

const $ = (id) => document.getElementById(id);

/* Refresh when 20% of the lifetime or 10 s remain, whichever is smaller. */
const REFRESH_SHARE = 0.2;
const REFRESH_MAX_MARGIN_MS = 10000;
const RETRY_MS = 5000;
const LOG_MAX = 30;

/* What each invalid_grant case tells the person, and the flow recorder. */
const ENDINGS = {
    expired: {
        text: 'Your session expired — please sign in again.',
        detail: 'Refresh tokens live for a limited time, and this one has run out. ' +
            'Signing in again starts a new session.',
        trace: 'session expired — sign in again',
    },
    reused: {
        text: 'This session was revoked because a refresh token was used twice.',
        detail: 'A refresh token that had already been rotated was presented again, so the ' +
            'server revoked every token of this session, as it does after a theft. ' +
            'Sign in again to start a new session.',
        trace: 'refresh token used twice — session revoked, sign in again',
    },
    revoked: {
        text: 'This session was revoked — please sign in again.',
        detail: 'The server no longer accepts this session\'s refresh token: it was revoked, ' +
            'for example by signing out in another tab or by an administrator.',
        trace: 'session revoked — sign in again',
    },
    invalid: {
        text: 'The server no longer accepts this session — please sign in again.',
        detail: 'The refresh token was refused.',
        trace: 'refresh rejected — sign in again',
    },
};

const EVENT_FOR = { expired: 'expired', reused: 'reused', revoked: 'revoked', invalid: 'error' };

let cfg = null;
/* What the issuer's discovery document says (oidc.js loadDiscovery). */
let disc = null;

/* The only place tokens live. null when signed out. */
let session = null;
/* {access, refresh, previousRefresh, idToken, idClaims, scope, expiresAt,
 *  lifetimeMs, fp, hash, rotations, sub, refreshTimer} */

let inflightRefresh = null;
let tickTimer = 0;

/* ---------- small UI helpers ---------- */

function setStatus(kind, text) {
    const el = $('status');
    el.className = `status status-${kind}`;
    el.textContent = text;
}

function clearStatus() {
    const el = $('status');
    el.className = 'status';
    el.textContent = '';
}

function showView(name) {
    for (const v of ['loading', 'signed-out', 'signed-in']) $(`view-${v}`).hidden = v !== name;
}

/* When the focused button vanished with its view, hand focus to `id`
 * (only once the person has used this page: never on a fresh load). */
function moveFocusIfLost(id) {
    if (!navigator.userActivation?.hasBeenActive) return;
    const active = document.activeElement;
    if (!active || active === document.body || active.closest('[hidden]')) {
        $(id).focus({ preventScroll: true });
    }
}

function setBusy(busy) {
    for (const id of ['signin', 'signin-again', 'refresh', 'signout', 'call-api', 'call-admin']) {
        $(id).disabled = busy;
    }
    $('replay-old').disabled = busy || !session?.previousRefresh;
}

function log(text) {
    const li = document.createElement('li');
    const time = document.createElement('time');
    const now = new Date();
    time.dateTime = now.toISOString();
    time.textContent = now.toTimeString().slice(0, 8);
    li.append(time, document.createTextNode(` ${text}`));
    const list = $('log');
    list.prepend(li);
    while (list.children.length > LOG_MAX) list.lastElementChild.remove();
}

function renderScope(scope) {
    const dd = $('scope');
    dd.replaceChildren();
    const parts = (scope || '').split(' ').filter(Boolean);
    parts.forEach((s, i) => {
        if (i > 0) dd.append(document.createTextNode(' '));
        const chip = document.createElement('span');
        chip.className = 'chip';
        chip.textContent = s;
        dd.append(chip);
    });
    if (parts.length === 0) dd.textContent = '(none)';
}

/* Fire and forget: the app server records the UI step when tracing is on. */
function trace(event, message, rtHash) {
    if (!cfg?.trace) return;
    fetch('/trace-event', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ event, message, rt_hash: rtHash || '' }),
        keepalive: true,
    }).catch(() => {});
}

/* ---------- "What just happened" ---------- */

let flowUrl = '';
let flowTimer = 0;

/* Draws this session's flow (named by the store key of its refresh token,
 * which only this page can compute) again, a moment after a step so that
 * the servers' records have landed. Only when the recorder is on. */
function showFlow(rtHash) {
    if (!cfg?.trace || !rtHash) return;
    clearTimeout(flowTimer);
    flowTimer = setTimeout(async () => {
        let res;
        try {
            res = await fetch('/flow.svg', {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ rt_hash: rtHash }),
                cache: 'no-store',
            });
        } catch {
            return;
        }
        if (!res.ok) return;
        const url = URL.createObjectURL(await res.blob());
        const img = $('flow-img');
        img.onload = () => {
            if (flowUrl) URL.revokeObjectURL(flowUrl);
            flowUrl = url;
            $('flow-open').href = url;
            $('flow-open').hidden = false;
        };
        img.src = url;
        img.hidden = false;
        $('flow-empty').hidden = true;
    }, 250);
}

/* ---------- signed-out side ---------- */

function showSignedOut(notice) {
    showView('signed-out');
    $('session-ended').hidden = !notice;
    $('signin').hidden = Boolean(notice);
    if (notice) {
        $('session-ended-text').textContent = notice.detail || notice.text;
        $('signin-again').textContent = notice.button || 'Sign in again';
    }
    setBusy(false);
    moveFocusIfLost(notice ? 'signin-again' : 'signin');
}

async function signIn() {
    if (!cryptoAvailable()) {
        setStatus('error', 'This browser cannot do PKCE here: Web Crypto needs https or a ' +
            'loopback address (127.0.0.1 or localhost).');
        return;
    }
    setBusy(true);
    try {
        const pkce = await createPkce();
        const state = randomToken(32);
        const nonce = randomToken(32);
        savePending({ verifier: pkce.verifier, state, nonce, created: Date.now() });
        setStatus('info', 'Redirecting to the authorization server…');
        /* RFC 9449 10: the code is bound to this browser's DPoP key */
        location.assign(authorizeUrl(cfg, state, pkce.challenge, nonce, await dpopThumbprint()));
    } catch (e) {
        dropPending();
        setBusy(false);
        setStatus('error', `Could not start signing in: ${e.message}`);
    }
}

/* ---------- the callback ---------- */

function describeCallbackError(e) {
    const what = `${e.error}${e.description ? `: ${e.description}` : ''}`;
    switch (e.error) {
    case 'access_denied':
        return {
            text: 'Sign-in was cancelled: access was denied.',
            detail: `The authorization server answered ${what}. You can try again.`,
            button: 'Try again',
        };
    case 'state_mismatch':
    case 'issuer_mismatch':
    case 'no_pending_request':
        return {
            text: 'The sign-in response was rejected.',
            detail: `${e.description[0].toUpperCase()}${e.description.slice(1)}. ` +
                'Nothing was exchanged; sign in again to start over.',
            button: 'Sign in again',
        };
    default:
        return {
            text: 'Sign-in failed.',
            detail: `The authorization server answered ${what}.`,
            button: 'Try again',
        };
    }
}

async function handleCallback(params) {
    const pending = takePending();
    /* Drop code and state from the address bar and history at once. */
    history.replaceState(null, '', '/');
    let code;
    try {
        ({ code } = checkCallback(cfg, params, pending));
    } catch (e) {
        const d = describeCallbackError(e);
        showSignedOut(d);
        setStatus('error', d.text);
        trace('error', `sign-in failed: ${e.error}`, '');
        return;
    }
    setStatus('info', 'Signing in…');
    const sentAt = Date.now();
    let tok;
    try {
        tok = await exchangeCode(cfg, code, pending.verifier);
    } catch (e) {
        const d = {
            text: 'Sign-in failed at the token endpoint.',
            detail: `POST /token answered ${e.error}${e.description ? `: ${e.description}` : ''}.`,
            button: 'Try again',
        };
        showSignedOut(d);
        setStatus('error', d.text);
        trace('error', `code exchange failed: ${e.error}`, '');
        return;
    }
    let idt;
    try {
        idt = await validateIdToken(cfg, disc, tok.id_token,
            { nonce: pending.nonce, accessToken: tok.access_token });
    } catch (e) {
        await refuseTokens(tok, e, 'The sign-in response was rejected.');
        return;
    }
    await startSession(tok, sentAt, idt);
}

/*
 * An ID Token failed its checks: none of the tokens that came with it is
 * used, the refresh token is revoked, and the page says why.
 */
async function refuseTokens(tok, e, text) {
    forgetSession();
    const rt = typeof tok.refresh_token === 'string' ? tok.refresh_token : '';
    const hash = rt ? await refreshKey(rt).catch(() => '') : '';
    const revoked = rt ? await revoke(cfg, rt, 'refresh_token').then(() => true, () => false) : false;
    const reason = e.reason || e.message;
    const d = {
        text,
        detail: `The ID token failed a check: ${reason}. The tokens that came with it were ` +
            `discarded${revoked ? ' and the refresh token revoked' : ''}; sign in again to start over.`,
        button: 'Sign in again',
    };
    showSignedOut(d);
    setStatus('error', `${text} Its ID token failed a check.`);
    trace('error', `id_token refused: ${reason}`, hash);
}

/* ---------- the signed-in side ---------- */

async function startSession(tok, sentAt, idt) {
    session = {
        access: '', refresh: '', previousRefresh: null, idToken: tok.id_token, idClaims: idt.claims,
        scope: '', expiresAt: 0, lifetimeMs: 0, fp: '', hash: '', rotations: 0, sub: idt.claims.sub,
        refreshTimer: 0,
    };
    const s = session;
    await adoptTokens(tok, sentAt);
    renderUser({ sub: s.sub });
    renderIdToken(idt);
    showView('signed-in');
    setBusy(false);
    moveFocusIfLost('call-api');
    $('rotation-note').hidden = true;
    $('api-result').textContent = 'No call yet.';
    $('log').replaceChildren();
    log(`Signed in; ID token ${idt.alg} verified; refresh token ${s.fp}; ` +
        (s.tokenType === 'DPoP' ? `tokens DPoP-bound to key ${(await dpopThumbprint()).slice(0, 8)}`
            : 'bearer tokens (not DPoP-bound)'));
    startTicker();
    let problem = '';
    try {
        renderUser(await fetchUserinfo(disc, s.access, s.sub, s.tokenType));
    } catch (e) {
        problem = `GET /userinfo answered ${e.status || 'nothing'}: ${e.message}`;
    }
    const me = await apiGet(cfg, '/api/me', s.access, s.tokenType);
    if (session !== s) return;
    if (!problem && !(me.status === 200 && me.body?.sub === s.sub)) {
        problem = `GET /api/me answered ${me.status || 'nothing'}: ` +
            `${me.body?.error_description || (me.body?.sub ? `sub '${me.body.sub}'` : me.text)}`;
    }
    if (problem) setStatus('error', `Signed in as ${$('user').textContent}, but ${problem}`);
    else setStatus('ok', `Signed in as ${$('user').textContent}.`);
    trace('signin', `signed in as ${s.sub}`, s.hash);
    showFlow(s.hash);
}

/* OpenID Connect Core 5.1 claims: the name, else the user name, else sub. */
function renderUser(claims) {
    const handle = claims.preferred_username || claims.sub;
    $('user').textContent = claims.name || handle;
    $('user-id').textContent = claims.name && handle ? handle : '';
}

function renderIdToken(idt) {
    const c = idt.claims;
    const at = new Date((c.auth_time ?? c.iat) * 1000).toTimeString().slice(0, 8);
    $('idt').textContent = `${idt.alg} signature verified${idt.kid ? ` (key ${idt.kid.slice(0, 8)}…)` : ''}; ` +
        `iss, aud, nonce, exp${c.at_hash ? ', at_hash' : ''} checked; signed in at ${at}`;
}

/* Takes a token response into `session`; notes a rotation. */
async function adoptTokens(tok, sentAt) {
    const old = session.refresh;
    const lifetimeMs = Math.max(0, Number(tok.expires_in) || 0) * 1000;
    session.access = tok.access_token;
    session.tokenType = typeof tok.token_type === 'string' ? tok.token_type : 'Bearer';
    session.refresh = typeof tok.refresh_token === 'string' ? tok.refresh_token : old;
    session.scope = typeof tok.scope === 'string' ? tok.scope : (session.scope || cfg.scope);
    session.lifetimeMs = lifetimeMs;
    /* Counted from when the request left: never later than the server's clock. */
    session.expiresAt = sentAt + lifetimeMs;
    const oldFp = session.fp;
    session.hash = await refreshKey(session.refresh);
    session.fp = (await sha256(session.refresh)).slice(0, 8);
    if (old && session.refresh !== old) {
        session.rotations += 1;
        session.previousRefresh = old;
        const note = $('rotation-note');
        note.textContent = `rotated: ${oldFp} → ${session.fp}`;
        note.hidden = false;
    }
    renderSession();
    scheduleRefresh();
}

function renderSession() {
    $('rt-fp').textContent = session.fp;
    $('rotations').textContent = String(session.rotations);
    renderScope(session.scope);
    $('replay-old').disabled = !session.previousRefresh;
    $('expires-bar').max = Math.max(1, Math.round(session.lifetimeMs / 1000));
    tick();
}

function tick() {
    if (!session) return;
    const left = Math.max(0, Math.ceil((session.expiresAt - Date.now()) / 1000));
    $('expires-in').textContent = String(left);
    $('expires-bar').value = left;
}

function startTicker() {
    clearInterval(tickTimer);
    tickTimer = setInterval(tick, 1000);
}

function refreshMarginMs(lifetimeMs) {
    return Math.min(lifetimeMs * REFRESH_SHARE, REFRESH_MAX_MARGIN_MS);
}

function scheduleRefresh(delayMs) {
    clearTimeout(session.refreshTimer);
    const at = session.expiresAt - refreshMarginMs(session.lifetimeMs);
    const delay = delayMs ?? Math.max(0, at - Date.now());
    session.refreshTimer = setTimeout(() => refresh('auto'), delay);
    const when = new Date(Date.now() + delay).toTimeString().slice(0, 8);
    $('next-refresh').textContent = `auto refresh at ${when}`;
}

/* One refresh at a time: a click during an automatic refresh joins it. */
function refresh(why) {
    if (!inflightRefresh) {
        inflightRefresh = doRefresh(why).finally(() => {
            inflightRefresh = null;
        });
    }
    return inflightRefresh;
}

async function doRefresh(why) {
    const s = session;
    if (!s) return false;
    const presented = s.refresh;
    const sentAt = Date.now();
    if (why === 'manual') setStatus('info', 'Refreshing…');
    try {
        const tok = await refreshGrant(cfg, presented);
        if (session !== s) return false; /* signed out meanwhile */
        if (typeof tok.id_token === 'string') {
            try {
                const idt = await validateIdToken(cfg, disc, tok.id_token,
                    { previous: s.idClaims, accessToken: tok.access_token });
                if (session !== s) return false;
                s.idToken = tok.id_token;
                s.idClaims = idt.claims;
            } catch (e) {
                if (session === s) await refuseTokens(tok, e, 'The session ended: a refresh was rejected.');
                return false;
            }
        }
        const before = s.fp;
        await adoptTokens(tok, sentAt);
        const what = why === 'auto' ? 'Access token refreshed automatically' : 'Access token refreshed';
        const rot = s.fp !== before ? `; refresh token rotated ${before} → ${s.fp}` : '';
        log(what + rot);
        /* Automatic refreshes go to the log only: the live region stays quiet. */
        if (why !== 'auto') setStatus('ok', `${what}${rot}.`);
        showFlow(s.hash);
        return true;
    } catch (e) {
        if (session !== s) return false;
        if (e.error === 'invalid_grant') {
            await endSession(classifyGrantError(e.description), presented, e.description);
            return false;
        }
        setStatus('error', `Refresh failed: ${e.message}. Retrying in ${RETRY_MS / 1000} s.`);
        log(`Refresh failed: ${e.message}`);
        scheduleRefresh(RETRY_MS);
        return false;
    }
}

function forgetSession() {
    if (session) {
        clearTimeout(session.refreshTimer);
        session.access = session.refresh = session.previousRefresh = session.idToken = '';
    }
    session = null;
    clearInterval(tickTimer);
}

/* The server refused a refresh token: say which case, clear, offer sign in. */
async function endSession(kind, presentedToken, description) {
    const ending = ENDINGS[kind] || ENDINGS.invalid;
    const hash = await refreshKey(presentedToken).catch(() => '');
    forgetSession();
    const detail = kind === 'invalid' && description ? `${ending.detail} (${description})` : ending.detail;
    showSignedOut({ text: ending.text, detail, button: 'Sign in again' });
    setStatus('error', ending.text);
    trace(EVENT_FOR[kind] || 'error', ending.trace, hash);
    showFlow(hash);
}

async function callApi(path) {
    if (!session) return;
    const out = $('api-result');
    out.textContent = `GET ${path} …`;
    let r = await apiGet(cfg, path, session.access, session.tokenType);
    if (r.status === 401 && session && (await refresh('api'))) {
        r = await apiGet(cfg, path, session.access, session.tokenType);
    }
    let text = `HTTP ${r.status || '(no answer)'}\n`;
    if (r.challenge) text += `WWW-Authenticate: ${r.challenge}\n`;
    text += r.body !== null ? JSON.stringify(r.body, null, 2) : r.text;
    out.textContent = text;
    log(`GET ${path} → ${r.status || 'no answer'}`);
    if (session) showFlow(session.hash);
}

async function replayPrevious() {
    const s = session;
    if (!s?.previousRefresh) return;
    const old = s.previousRefresh;
    const oldFp = (await fingerprint(old));
    log(`Replaying the previous refresh token ${oldFp}, as a thief would`);
    setBusy(true);
    try {
        await refreshGrant(cfg, old);
        /* Accepted: the server has a reuse grace window. Keep our own tokens. */
        setBusy(false);
        s.previousRefresh = null;
        $('replay-old').disabled = true;
        setStatus('info', 'The server accepted the replayed token (it is inside the reuse ' +
            'grace window).');
    } catch (e) {
        if (session !== s) return;
        if (e.error === 'invalid_grant') {
            await endSession(classifyGrantError(e.description), old, e.description);
            return;
        }
        setBusy(false);
        setStatus('error', `Replay failed: ${e.message}`);
    }
}

/*
 * Revokes the refresh token (RFC 7009), forgets the session, and when the
 * issuer advertises an end_session_endpoint, ends the sign-in there too
 * (RP-Initiated Logout 1.0): the browser goes there with id_token_hint,
 * post_logout_redirect_uri and state, and comes back to handleLogoutReturn.
 */
async function signOut() {
    const s = session;
    if (!s) return;
    setBusy(true);
    const atIssuer = Boolean(disc?.endSessionEndpoint && s.idToken);
    setStatus('info', atIssuer ? 'Signing out here and at the authorization server…' : 'Signing out…');
    let problem = '';
    try {
        await revoke(cfg, s.refresh, 'refresh_token');
    } catch (e) {
        problem = e.message;
    }
    const { hash, idToken } = s;
    forgetSession();
    await dropDpopKey(); /* the next session gets a key of its own */
    if (atIssuer) {
        const state = randomToken(32);
        saveLogout(state);
        trace('signout', 'signing out at the issuer (end_session_endpoint)', hash);
        location.assign(endSessionUrl(cfg, disc, idToken, state));
        return;
    }
    showSignedOut(null);
    const issuerNote = 'The authorization server advertises no end_session_endpoint, so you are ' +
        'still signed in there: the next sign-in may not ask for your password.';
    if (problem) {
        setStatus('error', `Signed out of this app, but the refresh token could not be revoked: ` +
            `${problem}. ${issuerNote}`);
    } else {
        setStatus('ok', `Signed out of this app; the refresh token was revoked. ${issuerNote}`);
    }
    trace('signout', problem ? 'signed out — revocation failed' : 'signed out — refresh token revoked',
        hash);
    showFlow(hash);
}

/* Back from the issuer's end_session_endpoint at post_logout_redirect_uri. */
function handleLogoutReturn(params) {
    const pending = takeLogout();
    history.replaceState(null, '', '/');
    showSignedOut(null);
    if (pending && params.get('state') === pending.state) {
        setStatus('ok', 'You are signed out, of this app and of the authorization server.');
    } else {
        setStatus('error', 'A sign-out response arrived that this tab did not ask for (its state ' +
            'does not match); this app holds no session.');
    }
}

/* ---------- start ---------- */

function wire() {
    $('signin').addEventListener('click', signIn);
    $('signin-again').addEventListener('click', signIn);
    $('refresh').addEventListener('click', () => refresh('manual'));
    $('signout').addEventListener('click', signOut);
    $('call-api').addEventListener('click', () => callApi('/api/me'));
    $('call-admin').addEventListener('click', () => callApi('/api/admin'));
    $('replay-old').addEventListener('click', replayPrevious);
    /* Timers sleep in background tabs: catch up when the tab is shown again. */
    document.addEventListener('visibilitychange', () => {
        if (document.visibilityState !== 'visible' || !session) return;
        tick();
        if (Date.now() >= session.expiresAt - refreshMarginMs(session.lifetimeMs)) refresh('auto');
    });
    /* Back from the login page via the back/forward cache: undo "Redirecting…". */
    window.addEventListener('pageshow', (ev) => {
        if (ev.persisted && !session) {
            dropPending();
            clearStatus();
            setBusy(false);
        }
    });
}

async function boot() {
    wire();
    setBusy(true);
    try {
        cfg = await loadConfig();
        $('trace-badge').hidden = !cfg.trace;
        $('client-id').textContent = cfg.client_id;
        $('issuer').textContent = cfg.issuer;
        /* the authorization server's account page, in a tab of its own (this
         * page keeps its tokens in memory only) */
        $('account').href = `${cfg.issuer.replace(/\/$/, '')}/account`;
        $('api-base').textContent = cfg.api_base;
        disc = await loadDiscovery(cfg);
    } catch (e) {
        showSignedOut(null);
        setBusy(true);
        setStatus('error', `The app cannot start: ${e.message}.`);
        return;
    }
    $('flow-panel').hidden = !cfg.trace;
    const params = new URLSearchParams(location.search);
    const isCallback = params.has('code') || params.has('error');
    if (params.has('state') && !isCallback &&
        location.pathname === new URL(cfg.post_logout_redirect_uri).pathname) {
        handleLogoutReturn(params);
        return;
    }
    if (isCallback || params.has('state')) {
        await handleCallback(params);
        return;
    }
    if (location.pathname !== '/') history.replaceState(null, '', '/');
    dropPending();
    takeLogout();
    showSignedOut(null);
    if (!cryptoAvailable()) {
        setStatus('error', 'This browser cannot do PKCE here: Web Crypto needs https or a ' +
            'loopback address (127.0.0.1 or localhost).');
    }
}

boot();
