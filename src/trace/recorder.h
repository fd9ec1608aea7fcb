/*
 * Flow recorder (docs/internals/recorder.md). Servers record
 * each message of a flow here; a background thread writes queued steps to
 * the store in batches, so a request never waits for trace I/O. When
 * tracing is off the servers hold a NULL recorder and every call is one
 * branch. Labels must already be free of secrets: use gh_rec_short() for
 * tokens, codes and verifiers.
 *
 * Correlation: a flow id is made at the authorization request and stored
 * with the code and the refresh-token family, so every later step (code
 * exchange, refresh, API call through the token's family claim) finds it.
 * After a failed refresh the flow stays open in an "alt" fragment, and
 * the user's next authorization request to that client, from a browser
 * signed in as that user, continues the same flow; any other
 * authorization request starts a new one.
 */
#ifndef GH_RECORDER_H
#define GH_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "trace/step.h"

struct gh_recorder;
struct gh_store;

#define GH_FLOW_ID_LEN 22

/* Starts the recorder. At most `keep` flows stay in the store: each flow
 * started makes the writer drop the oldest beyond that (serve --trace-keep). */
int gh_recorder_new(struct gh_store *store, int keep, struct gh_recorder **out);
/* Flushes what is queued and frees. */
void gh_recorder_free(struct gh_recorder *rec);
/* Waits until every step queued so far is in the store, and the store is
 * pruned to `keep` flows. */
void gh_recorder_flush(struct gh_recorder *rec);

/* Starts a flow for client_id and writes its id into out (GH_FLOW_ID_LEN+1
 * bytes). sub is the user the browser is signed in as (NULL: none). If a
 * flow of this client and this user ended in a failed refresh in the last
 * five minutes, that flow continues instead (once). */
void gh_rec_flow_begin(struct gh_recorder *rec, const char *client_id, const char *sub, char *out);
/* Marks a flow of sub's grant as failed: later steps go into an alt
 * fragment `title`, and sub's next authorization request to the client
 * continues this flow. */
void gh_rec_flow_fail(struct gh_recorder *rec, const char *flow_id, const char *client_id,
                      const char *sub, const char *title, const char *outcome);
void gh_rec_flow_outcome(struct gh_recorder *rec, const char *flow_id, const char *sub,
                         const char *outcome);

/* Records one step. group may be NULL; a failed flow's alt fragment wins. */
void gh_rec_step(struct gh_recorder *rec, const char *flow_id, enum gh_part from, enum gh_part to,
                 enum gh_step_kind kind, int status, int64_t t_us, int32_t dur_us,
                 const char *label, const char *note, const char *group,
                 enum gh_group_kind group_kind);

/* Correlation for the servers that check tokens as outsiders do (the
 * Resource API, the Frontend App's server side): the flow a refresh-token
 * family, a refresh token (by its store key) or an authorization code
 * belongs to. 0 with the id in out (n bytes; "" when the flow is unknown),
 * or a negative gh_err. rec must not be NULL. */
int gh_rec_flow_of_family(struct gh_recorder *rec, const char *family_id, char *out, size_t n);
int gh_rec_flow_of_refresh(struct gh_recorder *rec, const unsigned char key[GH_SHA256_LEN],
                           char *out, size_t n);
int gh_rec_flow_of_code(struct gh_recorder *rec, const char *code, char *out, size_t n);

/* The flow's last `last` steps drawn as an SVG sequence diagram (with
 * timings) appended to out, after what is queued has reached the store: the
 * Frontend App's "What just happened" panel. 0, GH_ENOTFOUND (no steps),
 * or a negative gh_err. */
struct gh_buf;
int gh_rec_draw_svg(struct gh_recorder *rec, const char *flow_id, const char *title, size_t last,
                    struct gh_buf *out);

/* A secret shortened for display: its last 4 characters and "…" (no more
 * is ever shown); secrets of 8 characters or less show only "…". */
void gh_rec_short(const char *secret, char out[16]);

#endif
