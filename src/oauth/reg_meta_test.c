/* Client metadata rules of dynamic registration (RFC 7591 2, 3.2.2),
 * table-driven: what is accepted, what is registered, and which error. */
#include <string.h>

#include "core/test.h"
#include "oauth/reg.h"

#define ALLOWED "openid profile email offline_access"

GH_TEST(reg_meta_table)
{
    static const struct {
        const char *body;
        enum gh_reg_result want;
    } rows[] = {
        {"{\"redirect_uris\":[\"http://127.0.0.1:9/cb\"],\"token_endpoint_auth_method\":\"none\"}",
         GH_REG_OK},
        {"{\"redirect_uris\":[\"com.example.app:/cb\"],\"token_endpoint_auth_method\":\"none\"}",
         GH_REG_OK},
        {"{\"redirect_uris\":[\"https://a.example/cb\"]}", GH_REG_OK},
        {"{\"grant_types\":[\"client_credentials\"],\"response_types\":[]}", GH_REG_OK},
        {"{\"redirect_uris\":[\"http://a.example/cb\"]}", GH_REG_INVALID_REDIRECT_URI},
        {"{\"redirect_uris\":[\"https://a.example/cb#f\"]}", GH_REG_INVALID_REDIRECT_URI},
        {"{\"redirect_uris\":[\"https://*.example/cb\"]}", GH_REG_INVALID_REDIRECT_URI},
        {"{}", GH_REG_INVALID_REDIRECT_URI},
        {"{\"redirect_uris\":[\"https://a.example/cb\"],\"grant_types\":[\"password\"]}",
         GH_REG_INVALID_METADATA},
        {"{\"redirect_uris\":[\"https://a.example/cb\"],\"client_name\":null}",
         GH_REG_INVALID_METADATA},
        {"{\"grant_types\":[\"client_credentials\"],\"response_types\":[],"
         "\"token_endpoint_auth_method\":\"none\"}",
         GH_REG_INVALID_METADATA},
        {"[]", GH_REG_INVALID_METADATA},
        {"", GH_REG_INVALID_METADATA},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct gh_client c;
        struct gh_client_reg m;
        char desc[320];
        enum gh_reg_result e = gh_reg_meta_parse(rows[i].body, strlen(rows[i].body), ALLOWED, &c,
                                                 &m, desc, sizeof(desc));
        ASSERT_INT_EQ((int)e, (int)rows[i].want);
        ASSERT_TRUE(e == GH_REG_OK || desc[0] != '\0');
    }
}

GH_TEST(reg_meta_registers_what_it_may)
{
    static const char body[] =
        "{\"redirect_uris\":[\"http://127.0.0.1/cb\",\"https://app.example/cb\"],"
        "\"token_endpoint_auth_method\":\"none\",\"scope\":\"openid admin email openid\","
        "\"client_name\":\"Tool\",\"contacts\":[\"a@example.com\",\"b@example.com\"],"
        "\"unknown\":{\"x\":1}}";
    struct gh_client c;
    struct gh_client_reg m;
    char desc[320];
    ASSERT_INT_EQ((int)gh_reg_meta_parse(body, strlen(body), ALLOWED, &c, &m, desc, sizeof(desc)),
                  (int)GH_REG_OK);
    ASSERT_INT_EQ(c.is_public, 1);
    ASSERT_STR_EQ(c.scope, "openid email"); /* narrowed, each once (RFC 7591 3.2.1) */
    ASSERT_INT_EQ(c.n_redirect, 2);
    ASSERT_INT_EQ(c.n_origin, 2);
    ASSERT_STR_EQ(c.origin[1], "https://app.example");
    ASSERT_STR_EQ(m.grant_types, "authorization_code"); /* RFC 7591 2 default */
    ASSERT_STR_EQ(m.response_types, "code");
    ASSERT_STR_EQ(m.contacts, "a@example.com\nb@example.com");
    json_t *o = gh_reg_meta_json(&c, &m);
    ASSERT_NOT_NULL(o);
    ASSERT_STR_EQ(json_string_value(json_object_get(o, "client_name")), "Tool");
    ASSERT_TRUE(json_object_get(o, "logo_uri") == NULL); /* omitted, never null */
    ASSERT_INT_EQ((int)json_array_size(json_object_get(o, "contacts")), 2);
    json_decref(o);
}
