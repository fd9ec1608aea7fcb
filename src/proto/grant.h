/*
 * Grant decisions: what becomes of an authorization code presented at the
 * token endpoint (RFC 6749 4.1.2, 4.1.3, 10.5; RFC 7636 4.6; RFC 9700 4.5)
 * and of a refresh token presented for rotation (RFC 6749 6; RFC 9700
 * 4.14.2), and the scope a grant carries (RFC 6749 3.3). Pure functions of
 * facts the caller has read: no I/O, no store.
 *
 * Two callers ask them. The token endpoint asks about the rows it read,
 * before it signs anything, to refuse early with a precise error. Each
 * store backend asks again inside its write transaction about the rows as
 * they are there, and runs the SQL for the outcome. Which of several racing
 * requests takes a live code or token is decided by the backend's one
 * conditional UPDATE, whose WHERE clause is the SQL form of the
 * GH_REDEEM_OK / GH_ROTATE_OK case below (code unused and unexpired; token
 * active in a live family); a request that lost it asks with what it then
 * reads. See docs/internals/store.md.
 */
#ifndef GH_GRANT_H
#define GH_GRANT_H

#include <stddef.h>
#include <stdint.h>

/* State of a stored refresh token; the store keeps these numbers. */
enum gh_rt_state { GH_RT_ACTIVE = 0, GH_RT_ROTATED = 1, GH_RT_REVOKED = 2 };
/* GH_RT_ACTIVE as SQL text, for statements that cannot bind it. */
#define GH_RT_ACTIVE_SQL "0"
_Static_assert(GH_RT_ACTIVE == 0, "GH_RT_ACTIVE_SQL must match GH_RT_ACTIVE");

/* ---- authorization codes ---- */

/* How a token request matches what its code was issued for. */
enum gh_code_binding {
    GH_BIND_OK = 0,   /* the code's client, redirect_uri and PKCE verifier */
    GH_BIND_CLIENT,   /* another client */
    GH_BIND_REDIRECT, /* RFC 6749 4.1.3: another redirect_uri */
    GH_BIND_VERIFIER, /* RFC 7636 4.6: the code_verifier does not match */
};

/* Binding of a request by client `client` with `redirect` and `verifier` to
 * a code issued to code_client for code_redirect with S256 `challenge`. */
enum gh_code_binding gh_grant_code_binding(const char *code_client, const char *code_redirect,
                                           const char *challenge, const char *client,
                                           const char *redirect, const char *verifier);

/* What is known about a presented code. */
struct gh_code_facts {
    int found;                    /* 0: no such code */
    int64_t used_at;              /* 0 until redeemed */
    int64_t expires_at;           /* the code is dead from this second on */
    enum gh_code_binding binding; /* of the request presenting it */
    int own_family;               /* the family this very request starts is
                                     stored already: its own earlier write */
};

enum gh_redeem_result {
    GH_REDEEM_OK,             /* redeem it (or this request already did) */
    GH_REDEEM_REPLAYED,       /* used before: revoke what it issued */
    GH_REDEEM_INVALID,        /* no such code */
    GH_REDEEM_EXPIRED,        /* too late */
    GH_REDEEM_WRONG_CLIENT,   /* issued to another client */
    GH_REDEEM_WRONG_REDIRECT, /* another redirect_uri */
    GH_REDEEM_WRONG_VERIFIER, /* PKCE failed */
};

enum gh_redeem_result gh_grant_redeem(const struct gh_code_facts *f, int64_t now);

/* ---- refresh tokens ---- */

/* What is known about a presented refresh token and its family. */
struct gh_rt_facts {
    int found;               /* 0: no such token */
    int state;               /* enum gh_rt_state */
    int64_t rotated_at;      /* when it was rotated, 0 while active */
    int64_t idle_expires_at; /* the token's idle expiry */
    int64_t abs_expires_at;  /* the family's absolute expiry */
    int family_revoked;
    int other_client;  /* presented by a client other than the family's */
    int own_successor; /* the token was rotated to the successor this very
                          request brings: its own earlier write */
    /* the successor the token was rotated to: whether it is still active
     * (the family's newest token), and whether the rotation kept it
     * wrapped for the grace window */
    int successor_active;
    int successor_wrapped;
};

enum gh_rotate_result {
    GH_ROTATE_OK,           /* rotate it (or this request already did) */
    GH_ROTATE_GRACE,        /* rotated moments ago, inside the reuse grace
                               window, and its successor is still the
                               family's newest token: answer with that same
                               successor, change nothing */
    GH_ROTATE_REUSED,       /* rotated before: revoke the family */
    GH_ROTATE_REVOKED,      /* the family (or the token) was revoked */
    GH_ROTATE_INVALID,      /* no such token */
    GH_ROTATE_WRONG_CLIENT, /* issued to another client */
    GH_ROTATE_EXPIRED,      /* the family's absolute lifetime is over */
    GH_ROTATE_IDLE,         /* unused for too long */
};

/* grace: the reuse grace window in seconds (--refresh-reuse-grace, at most
 * GH_GRACE_MAX). Inside the window a rotated token leads to the one
 * successor it was rotated to, and only while that is still active: every
 * presentation continues the same branch, and a presentation that could
 * only start a second one is reuse. */
enum gh_rotate_result gh_grant_rotate(const struct gh_rt_facts *f, int64_t now, int64_t grace);

/* The longest reuse grace window: the bound of --refresh-reuse-grace in
 * src/core/settings.c. A wrapped successor older than this can serve no
 * window; the store purges it. */
#define GH_GRACE_MAX 300
/* GH_GRACE_MAX as text, for SQL */
#define GH_GRACE_MAX_SQL GH_GRANT_STR_(GH_GRACE_MAX)
#define GH_GRANT_STR_(x) GH_GRANT_STR2_(x)
#define GH_GRANT_STR2_(x) #x

/* ---- DPoP (RFC 9449) ---- */

/* 1 when a token request whose DPoP proof has the key thumbprint proof_jkt
 * ("": no proof) may use a code or refresh-token family bound to bound_jkt
 * ("": not bound): an unbound grant serves anyone entitled to it, a bound
 * one only a proof by its key (RFC 9449 5: refresh tokens of public
 * clients; 10: the code of an authorization request with dpop_jkt). */
int gh_grant_dpop_match(const char *bound_jkt, const char *proof_jkt);

/* The key a new refresh-token family is bound to ("" for none): a public
 * client's proof key; a confidential client's refresh tokens stay unbound,
 * as they are bound to its authentication already (RFC 9449 5). */
const char *gh_grant_dpop_family_jkt(int is_public, const char *proof_jkt);

/* 1 when a token request lacks the proof its client must send: a client
 * registered with dpop_bound_access_tokens (RFC 9449 5.2) always sends one. */
int gh_grant_dpop_missing(int client_dpop_bound, const char *proof_jkt);

/* ---- scope ---- */

/* The scope a token request gets (RFC 6749 3.3, 6): the requested scope
 * (NULL: as granted before), within what was granted before and within the
 * client's current registration: a scope removed from the client is no
 * longer granted. 0 and out; GH_EINVAL when the request asks for more, or
 * nothing is left (invalid_scope). */
int gh_grant_scope(const char *requested, const char *granted, const char *registered, char *out,
                   size_t outlen);

/* ---- who may use a grant type ---- */

/* What a client may do with a grant type of the token endpoint's table. */
enum gh_grant_use {
    GH_GRANT_USE_OK,
    GH_GRANT_USE_CONFIDENTIAL, /* confidential clients only (RFC 6749 4.4) */
    GH_GRANT_USE_NOT_LISTED,   /* not among the client's grant types */
};

/* Whether a client (is_public, with its registered grant types `allowed`,
 * space-separated) may use grant type `type`, which confidential_only
 * marks as one for confidential clients. An empty `allowed` stands for
 * every grant type the client's kind may use: a client stored without a
 * list can do what it could before lists existed. Anything but
 * GH_GRANT_USE_OK is unauthorized_client (RFC 6749 5.2). */
enum gh_grant_use gh_grant_use(const char *allowed, int is_public, const char *type,
                               int confidential_only);

#endif
