/*
 * Status codes shared by every module. Fallible functions return 0 or a
 * negative enum gh_err; gh_strerror() names it. OAuth protocol errors are a
 * separate enum (enum gh_oauth_err in src/proto/proto.h, strings and HTTP
 * statuses in src/proto/oauth_err.c) because they map to RFC strings.
 */
#ifndef GH_ERR_H
#define GH_ERR_H

enum gh_err {
    GH_OK = 0,
    GH_ENOMEM = -1,    /* allocation failed or a buffer cap was reached */
    GH_EINVAL = -2,    /* malformed input */
    GH_ENOTFOUND = -3, /* no such row / key / client */
    GH_EEXIST = -4,    /* unique constraint: already exists */
    GH_ESTORE = -5,    /* storage failure (I/O, disk full, connection lost) */
    GH_ECRYPTO = -6,   /* OpenSSL failure */
    GH_ECONFLICT = -7, /* lost a race: conditional update changed nothing */
    GH_EEXPIRED = -8,  /* past its lifetime */
    GH_EIO = -9,       /* file or socket I/O */
    GH_ESCHEMA = -10,  /* database schema newer than this binary or foreign */
    GH_EUNAVAIL = -11, /* dependency temporarily unavailable */
};

const char *gh_strerror(int err);

#define GH_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Programmer error: print where and abort. Never used for input errors. */
#define GH_BUG(msg) gh_bug(__FILE__, __LINE__, (msg))
_Noreturn void gh_bug(const char *file, int line, const char *msg);

/* Project headers come after system headers, so this reaches every call. */
#include "banned.h"

#endif
