/*
 * OpenID Connect Back-Channel Logout 1.0: logout tokens (section 2.4) and
 * their delivery (2.5) from the durable queue in the store. A logout only
 * queues (store.h logout_session, bcl_enqueue_user); a thread of every
 * server claims due deliveries with a lease, POSTs them with libcurl under
 * a timeout, and retries failures with exponential backoff, so a receiver
 * that is down or hangs never delays a logout and a queued delivery
 * survives a restart. See docs/internals/logout.md.
 */
#ifndef GH_BACKCHANNEL_H
#define GH_BACKCHANNEL_H

#include <stdint.h>

#include "core/buf.h"
#include "oauth/as.h"

#define GH_LOGOUT_EVENT "http://schemas.openid.net/event/backchannel-logout"
#define GH_LOGOUT_TOKEN_TTL 120 /* seconds */
#define GH_BCL_TRIES 5          /* attempts before a delivery is given up */

/* Appends a logout token for client_id about sub's session sid to jwt:
 * typ "logout+jwt", iss, aud, iat (now), exp, a fresh jti (written into
 * jti_out), sub, sid and the back-channel logout event, never a nonce
 * (section 2.4), signed with the snapshot's active key. On failure jwt is
 * left as it was. */
int gh_logout_token_sign(const struct gh_snap *s, const char *client_id, const char *sub,
                         const char *sid, int64_t now, struct gh_buf *jwt, char jti_out[23]);

/* Milliseconds until the retry after `tries` failed attempts: base_s
 * seconds doubled per earlier failure. */
int64_t gh_bcl_backoff_ms(int64_t base_s, int tries);

struct gh_bcl_sender;

/* Starts the delivery thread of this server. New (gh_bcl_stop frees). */
int gh_bcl_start(struct gh_as *as, struct gh_bcl_sender **out);
/* Something was queued: look at the queue now rather than at the next poll. */
void gh_bcl_wake(struct gh_bcl_sender *b);
/* Stops the thread (an attempt in flight is abandoned: its lease runs out
 * and it is retried) and frees. NULL is a no-op. */
void gh_bcl_stop(struct gh_bcl_sender *b);

#endif
