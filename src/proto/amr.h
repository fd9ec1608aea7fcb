/*
 * How a user signed in: authentication method references (RFC 8176) and
 * the authentication context class they reach (OIDC Core 2, "acr"). A
 * session, the codes issued in it and the refresh-token families started
 * from them carry the methods as a bit set.
 */
#ifndef GH_AMR_H
#define GH_AMR_H

#include <stddef.h>

enum {
    GH_AMR_PWD = 1,  /* a password (RFC 8176 "pwd") */
    GH_AMR_OTP = 2,  /* a one-time code: TOTP or a recovery code ("otp") */
    GH_AMR_HWK = 4,  /* proof of a hardware-bound key: a passkey ("hwk") */
    GH_AMR_USER = 8, /* the authenticator verified the user ("user") */
};
#define GH_AMR_ALL (GH_AMR_PWD | GH_AMR_OTP | GH_AMR_HWK | GH_AMR_USER)

#define GH_ACR_PWD "urn:gatehouse:acr:pwd"
#define GH_ACR_MFA "urn:gatehouse:acr:mfa"
#define GH_AMR_MAX 4 /* names in a full set */

/* 1 when the methods amount to two factors: a password and a one-time
 * code, or a passkey whose authenticator verified the user. */
int gh_amr_is_mfa(int amr);
/* The acr the methods reach: GH_ACR_MFA or GH_ACR_PWD. */
const char *gh_amr_acr(int amr);
/* The RFC 8176 names of the methods, in a fixed order, into names; their
 * number. */
size_t gh_amr_names(int amr, const char *names[GH_AMR_MAX]);
/* 1 when acr_values (space-separated, OIDC Core 3.1.2.1) asks for
 * GH_ACR_MFA; values this server does not know are ignored, as the
 * voluntary acr claim allows. */
int gh_amr_wants_mfa(const char *acr_values);

#endif
