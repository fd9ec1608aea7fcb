/*
 * Calls that are easy to misuse become compile errors (git's banned.h).
 * Included last by every translation unit through the build's -include.
 */
#ifndef GH_BANNED_H
#define GH_BANNED_H

/* The headers that declare them first: included after these macros, they
 * would not compile with _FORTIFY_SOURCE (Debian's default hardening), whose
 * inline wrappers of sprintf and the string functions the macros rewrite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GH_BANNED(func) sorry_##func##_is_banned_in_gatehouse

#undef strcpy
#define strcpy(x, y) GH_BANNED(strcpy)
#undef strcat
#define strcat(x, y) GH_BANNED(strcat)
#undef sprintf
#define sprintf(...) GH_BANNED(sprintf)
#undef strtok
#define strtok(x, y) GH_BANNED(strtok)
#undef atoi
#define atoi(x) GH_BANNED(atoi)
#undef gmtime
#define gmtime(x) GH_BANNED(gmtime)
#undef localtime
#define localtime(x) GH_BANNED(localtime)

#endif
