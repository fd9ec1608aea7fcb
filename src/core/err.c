/* Names for enum gh_err, and the programmer-error trap. */
#include <stdio.h>
#include <stdlib.h>

#include "err.h"

const char *gh_strerror(int err)
{
    switch (err) {
    case GH_OK:
        return "success";
    case GH_ENOMEM:
        return "out of memory";
    case GH_EINVAL:
        return "invalid input";
    case GH_ENOTFOUND:
        return "not found";
    case GH_EEXIST:
        return "already exists";
    case GH_ESTORE:
        return "storage failure";
    case GH_ECRYPTO:
        return "cryptographic failure";
    case GH_ECONFLICT:
        return "conflict";
    case GH_EEXPIRED:
        return "expired";
    case GH_EIO:
        return "i/o error";
    case GH_ESCHEMA:
        return "unsupported database schema";
    case GH_EUNAVAIL:
        return "temporarily unavailable";
    }
    return "unknown error";
}

void gh_bug(const char *file, int line, const char *msg)
{
    fprintf(stderr, "BUG: %s:%d: %s\n", file, line, msg);
    abort();
}
