// Passkeys on gatehouse's own pages (WebAuthn Level 2): sign-in, the
// second factor after a password, and adding one on the account page.
// Served as GET /passkey.js; the pages carry no inline script (CSP
// script-src 'self'). Each ceremony asks the server for options (a
// single-use challenge), runs navigator.credentials, and posts the answer
// in a normal form submission, base64url encoded, so what follows (the
// consent page, the redirect to the application, the account page) is an
// ordinary page load. Without WebAuthn the controls stay hidden.
"use strict";
(function () {
    const enc = (buf) => {
        const b = new Uint8Array(buf);
        let s = "";
        for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
        return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    };
    const dec = (s) => {
        const b = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
        const out = new Uint8Array(b.length);
        for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
        return out.buffer;
    };
    const $ = (id) => document.getElementById(id);

    function say(text) {
        const e = $("passkey-error");
        if (!e) return;
        e.textContent = text;
        e.hidden = !text;
    }

    function why(err) {
        if (err && err.name === "NotAllowedError")
            return "The passkey request was cancelled or timed out. Try again.";
        if (err && err.name === "InvalidStateError")
            return "This passkey is already registered on your account.";
        if (err && err.name === "AbortError") return "";
        return (err && err.message) || "The passkey did not work. Try again.";
    }

    // POSTs the form's fields to url; the options as JSON, or throws.
    async function options(url, form) {
        const body = new URLSearchParams();
        for (const [k, v] of new FormData(form)) if (typeof v === "string") body.append(k, v);
        const r = await fetch(url, {
            method: "POST",
            body,
            credentials: "same-origin",
            headers: { Accept: "application/json" },
        });
        let j = {};
        try {
            j = await r.json();
        } catch (e) {
            j = {};
        }
        if (!r.ok) throw new Error(j.error_description || "The server said " + r.status + ".");
        return j;
    }

    function submit(form, fields) {
        for (const [k, v] of Object.entries(fields)) {
            let i = form.querySelector('input[name="' + k + '"]');
            if (!i) {
                i = document.createElement("input");
                i.type = "hidden";
                i.name = k;
                form.appendChild(i);
            }
            i.value = v;
        }
        form.submit();
    }

    // ---- sign-in and second factor: navigator.credentials.get ----
    function requestOptions(o) {
        o.challenge = dec(o.challenge);
        for (const c of o.allowCredentials || []) c.id = dec(c.id);
        return o;
    }

    async function get(form, mediation, signal) {
        const o = requestOptions(await options("/login/passkey/options", form));
        const arg = { publicKey: o };
        if (mediation) arg.mediation = mediation;
        if (signal) arg.signal = signal;
        const cred = await navigator.credentials.get(arg);
        if (!cred) throw new Error("No passkey was chosen.");
        const r = cred.response;
        const f = {
            id: enc(cred.rawId),
            authenticatorData: enc(r.authenticatorData),
            clientDataJSON: enc(r.clientDataJSON),
            signature: enc(r.signature),
        };
        if (r.userHandle) f.userHandle = enc(r.userHandle);
        submit(form, f);
    }

    async function signin() {
        const form = $("passkey-form");
        const button = $("passkey-signin");
        if (!form || !button) return;
        $("passkey-box").hidden = false;
        let pending = null; // the conditional request, cancelled by the button
        button.addEventListener("click", async () => {
            if (pending) pending.abort();
            pending = null;
            say("");
            button.disabled = true;
            try {
                await get(form, null, null);
            } catch (err) {
                say(why(err));
                button.disabled = false;
            }
        });
        // Conditional UI: passkeys offered in the user name field's autofill
        if (form.dataset.passkey !== "signin" || !PublicKeyCredential.isConditionalMediationAvailable)
            return;
        if (!(await PublicKeyCredential.isConditionalMediationAvailable())) return;
        pending = new AbortController();
        get(form, "conditional", pending.signal).catch((err) => {
            if (err && err.name !== "AbortError" && pending) say(why(err));
        });
    }

    // ---- the account page: navigator.credentials.create ----
    function creationOptions(o) {
        o.challenge = dec(o.challenge);
        o.user.id = dec(o.user.id);
        for (const c of o.excludeCredentials || []) c.id = dec(c.id);
        return o;
    }

    function enrol() {
        const form = $("passkey-add");
        const button = $("passkey-add-button");
        if (!form || !button) return;
        button.hidden = false;
        button.addEventListener("click", async () => {
            say("");
            button.disabled = true;
            try {
                const o = creationOptions(await options("/account/passkeys/options", form));
                const cred = await navigator.credentials.create({ publicKey: o });
                if (!cred) throw new Error("No passkey was made.");
                submit(form, {
                    attestationObject: enc(cred.response.attestationObject),
                    clientDataJSON: enc(cred.response.clientDataJSON),
                });
            } catch (err) {
                say(why(err));
                button.disabled = false;
            }
        });
    }

    function start() {
        if (!window.PublicKeyCredential || !navigator.credentials) {
            const e = $("passkey-unsupported");
            if (e) e.hidden = false;
            return;
        }
        signin().catch(() => {}); // conditional UI is a convenience: the button still works
        enrol();
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
})();
