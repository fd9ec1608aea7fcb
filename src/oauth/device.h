/*
 * Device cookies (OWASP Authentication Cheat Sheet, "Slow down online
 * guessing attacks with device cookies"). A browser that has signed in as a
 * user carries a cookie naming it as that user's device. Its sign-ins as
 * that user are not held back by the per-address limit, so an attacker who
 * shares the address (a NAT, a proxy) cannot lock everyone out; failed
 * passwords with the cookie count against the cookie alone and lock out
 * that cookie. The cookie is HMAC-SHA256 over the user (name and current
 * password hash: it ends with a password change or with the user), a
 * random nonce and its issue time, under a key derived from the store's
 * CSRF key, so every process of a deployment accepts it and nothing is
 * stored per cookie.
 */
#ifndef GH_DEVICE_H
#define GH_DEVICE_H

#include "http/http.h"
#include "oauth/as.h"

#define GH_DEVICE_TTL (180 * 86400) /* seconds a device cookie is valid */
#define GH_DEVICE_NONCE 16
/* "d:" and the base64url nonce: the failure counter of one cookie */
#define GH_DEVICE_LOCK_LEN (2 + GH_B64URL_LEN(GH_DEVICE_NONCE) + 1)

/* 1 when the request carries a valid device cookie for user, whose stored
 * password hash is pwhash (NULL for an unknown user: never valid); lock_key
 * then names the cookie's failure counter. 0 otherwise. */
int gh_device_valid(struct gh_req *r, const struct gh_snap *s, const char *user, const char *pwhash,
                    char lock_key[GH_DEVICE_LOCK_LEN] /* OUT */);
/* Sets a fresh device cookie for user (after a successful sign-in):
 * __Host- prefixed and Secure when the issuer is https, HttpOnly,
 * SameSite=Lax. */
int gh_device_issue(struct gh_req *r, const struct gh_snap *s, const char *user,
                    const char *pwhash);

#endif
