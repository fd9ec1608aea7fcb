/*
 * Authentication methods and context classes (RFC 8176, OIDC Core 2).
 */
#include <string.h>

#include "proto/amr.h"

int gh_amr_is_mfa(int amr)
{
    if ((amr & GH_AMR_HWK) && (amr & GH_AMR_USER))
        return 1; /* something held, verified by something known or are */
    return (amr & GH_AMR_PWD) && (amr & GH_AMR_OTP);
}

const char *gh_amr_acr(int amr)
{
    return gh_amr_is_mfa(amr) ? GH_ACR_MFA : GH_ACR_PWD;
}

size_t gh_amr_names(int amr, const char *names[GH_AMR_MAX])
{
    static const struct {
        int bit;
        const char *name;
    } tab[GH_AMR_MAX] = {
        {GH_AMR_PWD, "pwd"}, {GH_AMR_OTP, "otp"}, {GH_AMR_HWK, "hwk"}, {GH_AMR_USER, "user"}};
    size_t n = 0;
    for (size_t i = 0; i < GH_AMR_MAX; i++)
        if (amr & tab[i].bit)
            names[n++] = tab[i].name;
    return n;
}

int gh_amr_wants_mfa(const char *acr_values)
{
    size_t want = strlen(GH_ACR_MFA);
    for (const char *p = acr_values; p != NULL && *p != '\0';) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n == want && memcmp(p, GH_ACR_MFA, n) == 0)
            return 1;
        p += n;
    }
    return 0;
}
