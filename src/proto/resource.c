/* Resource indicators (RFC 8707 2); see resource.h. */
#include <string.h>

#include "proto/proto.h"
#include "proto/resource.h"
#include "core/err.h"

int gh_resource_uri_valid(const char *uri)
{
    size_t n = strlen(uri);
    if (n == 0 || n >= 512 || strchr(uri, '#') != NULL)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)uri[i] <= 0x20 || (unsigned char)uri[i] >= 0x7f)
            return 0;
    /* RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    size_t k = 0;
    while ((uri[k] >= 'a' && uri[k] <= 'z') || (uri[k] >= 'A' && uri[k] <= 'Z') ||
           (k > 0 &&
            ((uri[k] >= '0' && uri[k] <= '9') || uri[k] == '+' || uri[k] == '-' || uri[k] == '.')))
        k++;
    return k > 0 && uri[k] == ':' && uri[k + 1] != '\0';
}

int gh_resource_add(char *list, size_t len, const char *uri)
{
    if (!gh_resource_uri_valid(uri))
        return GH_EINVAL;
    if (gh_scope_has(list, uri))
        return 0;
    size_t k = strlen(list), n = strlen(uri);
    if (k + n + 2 > len)
        return GH_ENOMEM;
    if (k > 0)
        list[k++] = ' ';
    memcpy(list + k, uri, n + 1);
    return 0;
}

int gh_resource_pick(const char *const *req, int n, const char *granted, const char **aud)
{
    *aud = NULL;
    if (n == 0)
        return 0;
    if (n > 1 || !gh_resource_uri_valid(req[0]) || !gh_scope_has(granted, req[0]))
        return GH_EINVAL;
    *aud = req[0];
    return 0;
}
