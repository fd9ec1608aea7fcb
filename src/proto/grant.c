/*
 * Grant decisions (see grant.h): authorization-code redemption (RFC 6749
 * 4.1.2, 4.1.3; RFC 7636 4.6; RFC 9700 4.5) and refresh-token rotation
 * with reuse detection (RFC 6749 6; RFC 9700 4.14.2), and the scope of a
 * grant (RFC 6749 3.3), and which client may use which grant type (RFC
 * 6749 5.2 unauthorized_client). The one place these rules live; the token endpoint
 * and both store backends ask here.
 */
#include <string.h>

#include "core/err.h"
#include "proto/grant.h"
#include "proto/proto.h"

enum gh_code_binding gh_grant_code_binding(const char *code_client, const char *code_redirect,
                                           const char *challenge, const char *client,
                                           const char *redirect, const char *verifier)
{
    if (strcmp(code_client, client) != 0)
        return GH_BIND_CLIENT;
    /* RFC 6749 4.1.3: the redirect_uri of the authorization request */
    if (strcmp(code_redirect, redirect) != 0)
        return GH_BIND_REDIRECT;
    /* RFC 7636 4.6 */
    if (!gh_pkce_verify(verifier, strlen(verifier), challenge, strlen(challenge)))
        return GH_BIND_VERIFIER;
    return GH_BIND_OK;
}

/* The refusal for a binding other than GH_BIND_OK. */
static enum gh_redeem_result binding_error(enum gh_code_binding b)
{
    switch (b) {
    case GH_BIND_CLIENT:
        return GH_REDEEM_WRONG_CLIENT;
    case GH_BIND_REDIRECT:
        return GH_REDEEM_WRONG_REDIRECT;
    default:
        return GH_REDEEM_WRONG_VERIFIER;
    }
}

enum gh_redeem_result gh_grant_redeem(const struct gh_code_facts *f, int64_t now)
{
    if (!f->found)
        return GH_REDEEM_INVALID;
    /* A request not bound to the code changes nothing, used or not: a
     * client id is no secret, so a replay of a used code by anyone but its
     * client, with the PKCE verifier (RFC 7636 4.6), must not end the
     * session the code started. */
    if (f->binding != GH_BIND_OK)
        return binding_error(f->binding);
    if (f->used_at != 0) {
        /* a retried write finds its own family: it succeeded */
        if (f->own_family)
            return GH_REDEEM_OK;
        /* RFC 6749 4.1.2, RFC 9700 4.5: its own client presents it again,
         * so one of the two presentations was not the client's: revoke
         * what the code issued */
        return GH_REDEEM_REPLAYED;
    }
    if (now >= f->expires_at)
        return GH_REDEEM_EXPIRED;
    return GH_REDEEM_OK;
}

enum gh_rotate_result gh_grant_rotate(const struct gh_rt_facts *f, int64_t now, int64_t grace)
{
    if (!f->found)
        return GH_ROTATE_INVALID;
    if (f->other_client)
        return GH_ROTATE_WRONG_CLIENT;
    if (f->family_revoked || f->state == GH_RT_REVOKED)
        return GH_ROTATE_REVOKED;
    if (now >= f->abs_expires_at)
        return GH_ROTATE_EXPIRED;
    if (f->state == GH_RT_ACTIVE)
        return now >= f->idle_expires_at ? GH_ROTATE_IDLE : GH_ROTATE_OK;
    /* rotated: a retried write finds its own successor, it succeeded */
    if (f->own_successor)
        return GH_ROTATE_OK;
    /* Inside the window: the same successor again, while the family has
     * not moved on past it. Anything else would fork the family. */
    if (grace > 0 && now - f->rotated_at <= grace && f->successor_wrapped && f->successor_active)
        return GH_ROTATE_GRACE;
    /* RFC 9700 4.14.2: a rotated token presented again */
    return GH_ROTATE_REUSED;
}

int gh_grant_dpop_match(const char *bound_jkt, const char *proof_jkt)
{
    return bound_jkt[0] == '\0' || strcmp(bound_jkt, proof_jkt) == 0;
}

const char *gh_grant_dpop_family_jkt(int is_public, const char *proof_jkt)
{
    return is_public ? proof_jkt : "";
}

int gh_grant_dpop_missing(int client_dpop_bound, const char *proof_jkt)
{
    return client_dpop_bound && proof_jkt[0] == '\0';
}

int gh_grant_scope(const char *requested, const char *granted, const char *registered, char *out,
                   size_t outlen)
{
    /* what the resource owner granted, less what the client may no longer
     * have */
    int rc = gh_scope_intersect(granted, registered, out, outlen);
    if (rc < 0)
        return rc;
    if (requested == NULL)
        return out[0] != '\0' ? 0 : GH_EINVAL;
    /* RFC 6749 6: the requested scope may narrow, never widen; a scope the
     * server cannot grant whole is refused, never truncated */
    if (!gh_scope_valid(requested) || !gh_scope_subset(requested, out))
        return GH_EINVAL;
    return gh_scope_intersect(requested, requested, out, outlen); /* duplicates dropped */
}

/* 1 when the space-separated list holds word whole. */
static int listed(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; *p != '\0';) {
        size_t len = strcspn(p, " ");
        if (len == n && strncmp(p, word, n) == 0)
            return 1;
        p += len;
        p += strspn(p, " ");
    }
    return 0;
}

enum gh_grant_use gh_grant_use(const char *allowed, int is_public, const char *type,
                               int confidential_only)
{
    if (confidential_only && is_public)
        return GH_GRANT_USE_CONFIDENTIAL;
    if (allowed[0] != '\0' && !listed(allowed, type))
        return GH_GRANT_USE_NOT_LISTED;
    return GH_GRANT_USE_OK;
}
