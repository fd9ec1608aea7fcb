// A browser relying party that nobody here wrote: oidc-client-ts's
// UserManager (authorization code + PKCE, nonce, /userinfo) against
// gatehouse. This file only wires buttons to the library; the test
// (tests/rp/spa.test.mjs) serves it with /config.json naming the issuer and
// the client, and reads #status, #profile and #error.
const { UserManager, WebStorageStateStore } = window.oidc;

const $ = (id) => document.getElementById(id);
const cfg = await (await fetch('/config.json')).json();
const mgr = new UserManager({
    authority: cfg.issuer,
    client_id: cfg.client_id,
    redirect_uri: `${location.origin}/callback.html`,
    post_logout_redirect_uri: `${location.origin}/`,
    response_type: 'code',
    scope: 'openid profile email',
    loadUserInfo: true,
    automaticSilentRenew: false,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
});

function fail(where, e) {
    $('error').textContent = `${where}: ${e && e.message ? e.message : e}`;
    $('status').textContent = 'error';
}

$('signin').addEventListener('click', () => {
    $('error').textContent = '';
    /* oidc-client-ts sends a nonce only when asked to */
    mgr.signinRedirect({ nonce: crypto.randomUUID() }).catch((e) => fail('signinRedirect', e));
});
$('signout').addEventListener('click', async () => {
    try {
        /* oidc-client-ts sends a state (and checks it on return) only with state data */
        await mgr.signoutRedirect({ state: { from: 'sign-out button' } });
    } catch (e) {
        /* no end_session_endpoint: sign out of this page only */
        await mgr.removeUser();
        fail('signoutRedirect', e);
        $('status').textContent = 'signed out locally';
        $('profile').textContent = '';
    }
});

async function show() {
    const user = await mgr.getUser();
    $('profile').textContent = user ? JSON.stringify(user.profile, null, 2) : '';
    if ($('status').textContent !== 'error') $('status').textContent = user ? 'signed in' : 'signed out';
}

const params = new URLSearchParams(location.search);
const step = location.pathname === '/callback.html' ? 'signinRedirectCallback'
    : params.has('state') ? 'signoutRedirectCallback' : '';
try {
    if (step === 'signinRedirectCallback') await mgr.signinRedirectCallback();
    if (step === 'signoutRedirectCallback') {
        await mgr.signoutRedirectCallback();
        $('status').textContent = 'signed out at the issuer';
    }
} catch (e) {
    fail(step, e);
}
if (step) history.replaceState(null, '', '/');
if ($('status').textContent !== 'signed out at the issuer') await show();
