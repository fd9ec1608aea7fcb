/* The one table mapping OAuth errors to RFC strings and HTTP statuses
 * (RFC 6749 4.1.2.1 and 5.2, RFC 7009 2.2.1, RFC 6750 3.1). */
#include "proto/proto.h"
#include "core/err.h"

static const struct {
    const char *code;
    int status;
} table[] = {
    [GH_OAUTH_INVALID_REQUEST] = {"invalid_request", 400},
    [GH_OAUTH_INVALID_CLIENT] = {"invalid_client", 401},
    [GH_OAUTH_INVALID_GRANT] = {"invalid_grant", 400},
    [GH_OAUTH_UNAUTHORIZED_CLIENT] = {"unauthorized_client", 400},
    [GH_OAUTH_UNSUPPORTED_GRANT_TYPE] = {"unsupported_grant_type", 400},
    [GH_OAUTH_INVALID_SCOPE] = {"invalid_scope", 400},
    [GH_OAUTH_UNSUPPORTED_RESPONSE_TYPE] = {"unsupported_response_type", 400},
    [GH_OAUTH_ACCESS_DENIED] = {"access_denied", 403},
    [GH_OAUTH_SERVER_ERROR] = {"server_error", 500},
    [GH_OAUTH_TEMPORARILY_UNAVAILABLE] = {"temporarily_unavailable", 503},
    [GH_OAUTH_UNSUPPORTED_TOKEN_TYPE] = {"unsupported_token_type", 400},
    [GH_OAUTH_INVALID_TOKEN] = {"invalid_token", 401},
    [GH_OAUTH_INSUFFICIENT_SCOPE] = {"insufficient_scope", 403},
    [GH_OAUTH_LOGIN_REQUIRED] = {"login_required", 400},
    [GH_OAUTH_CONSENT_REQUIRED] = {"consent_required", 400},
    [GH_OAUTH_INTERACTION_REQUIRED] = {"interaction_required", 400},
    [GH_OAUTH_INVALID_DPOP_PROOF] = {"invalid_dpop_proof", 400},
    [GH_OAUTH_USE_DPOP_NONCE] = {"use_dpop_nonce", 400},
    [GH_OAUTH_INVALID_TARGET] = {"invalid_target", 400},
};

const char *gh_oauth_err_code(enum gh_oauth_err e)
{
    return table[e].code;
}

int gh_oauth_err_status(enum gh_oauth_err e)
{
    return table[e].status;
}
