/* Resource indicator rules (RFC 8707 2, 2.2), table-driven. */
#include <string.h>

#include "core/err.h"
#include "core/test.h"
#include "proto/resource.h"

GH_TEST(resource_uri_valid_table)
{
    static const struct {
        const char *uri;
        int ok;
    } rows[] = {
        {"https://mcp.example.com/mcp", 1},
        {"https://api.example.com", 1},
        {"urn:example:resource", 1},
        {"http://127.0.0.1:8080/", 1},
        {"https://mcp.example.com/mcp#frag", 0},
        {"/relative/path", 0},
        {"mcp.example.com", 0},
        {"", 0},
        {"https://a b", 0},
        {"1http://x", 0},
        {"https:", 0},
        {"https://x\n", 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        ASSERT_INT_EQ(gh_resource_uri_valid(rows[i].uri), rows[i].ok);
}

GH_TEST(resource_add_and_pick)
{
    char list[64] = "";
    ASSERT_INT_EQ(gh_resource_add(list, sizeof(list), "https://a.example/x"), 0);
    ASSERT_INT_EQ(gh_resource_add(list, sizeof(list), "https://a.example/x"), 0);
    ASSERT_INT_EQ(gh_resource_add(list, sizeof(list), "urn:b"), 0);
    ASSERT_STR_EQ(list, "https://a.example/x urn:b");
    ASSERT_INT_EQ(gh_resource_add(list, sizeof(list), "bad#frag"), GH_EINVAL);
    ASSERT_INT_EQ(gh_resource_add(list, sizeof(list), "https://a-very-long.example/path/too/long/"),
                  GH_ENOMEM);
    const char *aud = "x";
    ASSERT_INT_EQ(gh_resource_pick(NULL, 0, list, &aud), 0);
    ASSERT_TRUE(aud == NULL);
    const char *one[] = {"urn:b"};
    ASSERT_INT_EQ(gh_resource_pick(one, 1, list, &aud), 0);
    ASSERT_STR_EQ(aud, "urn:b");
    const char *other[] = {"urn:c"};
    ASSERT_INT_EQ(gh_resource_pick(other, 1, list, &aud), GH_EINVAL);
    const char *two[] = {"urn:b", "https://a.example/x"};
    ASSERT_INT_EQ(gh_resource_pick(two, 2, list, &aud), GH_EINVAL);
    /* nothing granted at authorization: no resource may be asked for */
    ASSERT_INT_EQ(gh_resource_pick(one, 1, "", &aud), GH_EINVAL);
}
