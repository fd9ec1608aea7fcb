/*
 * Authentication methods and context classes (RFC 8176, OIDC Core 2):
 * which sets count as two factors, their names, and acr_values.
 */
#include <string.h>

#include "core/test.h"
#include "proto/amr.h"

GH_TEST(amr_two_factors)
{
    ASSERT_INT_EQ(gh_amr_is_mfa(GH_AMR_PWD), 0);
    ASSERT_INT_EQ(gh_amr_is_mfa(GH_AMR_OTP), 0); /* a code alone is not two factors */
    ASSERT_INT_EQ(gh_amr_is_mfa(GH_AMR_PWD | GH_AMR_OTP), 1);
    ASSERT_INT_EQ(gh_amr_is_mfa(GH_AMR_HWK), 0); /* a passkey without user verification */
    ASSERT_INT_EQ(gh_amr_is_mfa(GH_AMR_HWK | GH_AMR_USER), 1);
    ASSERT_INT_EQ(gh_amr_is_mfa(GH_AMR_USER), 0);
    ASSERT_STR_EQ(gh_amr_acr(GH_AMR_PWD), GH_ACR_PWD);
    ASSERT_STR_EQ(gh_amr_acr(GH_AMR_PWD | GH_AMR_OTP), GH_ACR_MFA);
    ASSERT_STR_EQ(gh_amr_acr(GH_AMR_HWK | GH_AMR_USER), GH_ACR_MFA);
}

GH_TEST(amr_names)
{
    const char *n[GH_AMR_MAX];
    ASSERT_INT_EQ((int)gh_amr_names(0, n), 0);
    ASSERT_INT_EQ((int)gh_amr_names(GH_AMR_PWD | GH_AMR_OTP, n), 2);
    ASSERT_STR_EQ(n[0], "pwd");
    ASSERT_STR_EQ(n[1], "otp");
    ASSERT_INT_EQ((int)gh_amr_names(GH_AMR_HWK | GH_AMR_USER, n), 2);
    ASSERT_STR_EQ(n[0], "hwk");
    ASSERT_STR_EQ(n[1], "user");
    ASSERT_INT_EQ((int)gh_amr_names(GH_AMR_ALL, n), GH_AMR_MAX);
}

GH_TEST(amr_acr_values)
{
    ASSERT_INT_EQ(gh_amr_wants_mfa(NULL), 0);
    ASSERT_INT_EQ(gh_amr_wants_mfa(""), 0);
    ASSERT_INT_EQ(gh_amr_wants_mfa(GH_ACR_PWD), 0);
    ASSERT_INT_EQ(gh_amr_wants_mfa(GH_ACR_MFA), 1);
    ASSERT_INT_EQ(gh_amr_wants_mfa("urn:other " GH_ACR_MFA), 1);
    ASSERT_INT_EQ(gh_amr_wants_mfa("  " GH_ACR_MFA "  "), 1);
    ASSERT_INT_EQ(gh_amr_wants_mfa(GH_ACR_MFA "x"), 0); /* whole values only */
    ASSERT_INT_EQ(gh_amr_wants_mfa("x" GH_ACR_MFA), 0);
}
