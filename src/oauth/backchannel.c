/*
 * Back-channel logout (OpenID Connect Back-Channel Logout 1.0): the logout
 * token of section 2.4 and the delivery thread of section 2.5; see
 * backchannel.h. Deliveries of one batch run in parallel on a libcurl multi
 * handle, each bounded by --backchannel-timeout, so one hanging receiver
 * holds up nobody else for longer than that.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/crypto.h"
#include "core/b64url.h"
#include "oauth/backchannel.h"
#include "trace/recorder.h"

#define BATCH 16
#define POLL_MS 1000 /* CLI-queued deliveries (sessions revoke) are found by polling */

int gh_logout_token_sign(const struct gh_snap *s, const char *client_id, const char *sub,
                         const char *sid, int64_t now, struct gh_buf *jwt, char jti_out[23])
{
    unsigned char raw[16];
    if (s->signer == NULL || gh_rand_bytes(raw, sizeof(raw)) < 0)
        return GH_ECRYPTO;
    gh_b64url_encode(raw, sizeof(raw), jti_out, 23);
    char mem[2048];
    struct gh_buf c = {mem, 0, sizeof(mem), sizeof(mem) - 1};
    int rc = gh_buf_puts(&c, "{\"iss\":");
    rc = rc ? rc : gh_buf_json_str(&c, s->issuer, strlen(s->issuer));
    rc = rc ? rc : gh_buf_puts(&c, ",\"aud\":");
    rc = rc ? rc : gh_buf_json_str(&c, client_id, strlen(client_id));
    rc =
        rc ? rc
           : gh_buf_printf(&c, ",\"iat\":%lld,\"exp\":%lld,\"jti\":\"%s\",\"sub\":", (long long)now,
                           (long long)(now + GH_LOGOUT_TOKEN_TTL), jti_out);
    rc = rc ? rc : gh_buf_json_str(&c, sub, strlen(sub));
    rc = rc ? rc : gh_buf_puts(&c, ",\"sid\":");
    rc = rc ? rc : gh_buf_json_str(&c, sid, strlen(sid));
    /* section 2.4: the event member, and no nonce */
    rc = rc ? rc : gh_buf_puts(&c, ",\"events\":{\"" GH_LOGOUT_EVENT "\":{}}}");
    /* section 2.4 / RFC 8725 3.11: explicit typing keeps it from being an id_token */
    return rc ? rc : gh_jws_sign(s->signer, "logout+jwt", c.p, c.len, jwt);
}

int64_t gh_bcl_backoff_ms(int64_t base_s, int tries)
{
    int shift = tries < 1 ? 0 : tries - 1 > 16 ? 16 : tries - 1;
    return base_s * 1000 * ((int64_t)1 << shift);
}

/* One delivery in flight. */
struct attempt {
    struct gh_bcl q;
    CURL *h; /* NULL: the slot is free */
    struct gh_buf body;
    char jti[23];
    long status;
    int64_t t0_us;
};

struct gh_bcl_sender {
    struct gh_as *as;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stopping, woken;
    CURLM *multi;
    struct attempt slot[BATCH];
    size_t busy;
};

static int64_t now_ms(void)
{
    return gh_now_us() / 1000;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n; /* the receiver's body means nothing to us (section 2.8) */
}

static int prepare(struct gh_bcl_sender *b, const struct gh_snap *s, struct attempt *a)
{
    gh_buf_init(&a->body, 16384);
    a->status = 0;
    int rc = gh_buf_puts(&a->body, "logout_token=");
    /* a JWS is base64url and dots: nothing to encode in a form body */
    if (rc == 0)
        rc =
            gh_logout_token_sign(s, a->q.client_id, a->q.sub, a->q.sid, gh_now(), &a->body, a->jti);
    if (rc < 0 || (a->h = curl_easy_init()) == NULL) {
        gh_buf_release(&a->body);
        return rc < 0 ? rc : GH_ENOMEM;
    }
    long timeout = (long)b->as->cfg->backchannel_timeout * 1000L;
    curl_easy_setopt(a->h, CURLOPT_URL, a->q.uri);
    curl_easy_setopt(a->h, CURLOPT_POSTFIELDS, a->body.p);
    curl_easy_setopt(a->h, CURLOPT_POSTFIELDSIZE, (long)a->body.len);
    curl_easy_setopt(a->h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(a->h, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(a->h, CURLOPT_CONNECTTIMEOUT_MS, timeout < 3000 ? timeout : 3000L);
    curl_easy_setopt(a->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(a->h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(a->h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(a->h, CURLOPT_PRIVATE, (char *)a);
    a->t0_us = gh_now_us();
    return 0;
}

/* Records the delivery in the session's flow (Authorization Server to the
 * relying party's back end). */
static void trace(struct gh_bcl_sender *b, const struct attempt *a, const char *outcome)
{
    struct gh_recorder *rec = b->as->rec;
    if (rec == NULL || a->q.flow_id[0] == '\0')
        return;
    char jti4[16], label[160];
    gh_rec_short(a->jti, jti4);
    int64_t dur = gh_now_us() - a->t0_us;
    snprintf(label, sizeof(label), "POST backchannel_logout_uri (logout_token jti=%s, sid)", jti4);
    gh_rec_step(rec, a->q.flow_id, GH_P_AS, GH_P_APP, GH_STEP_CALL, 0, a->t0_us, 0, label,
                "Back-Channel Logout 1.0 2.5", NULL, GH_GROUP_NONE);
    gh_rec_step(rec, a->q.flow_id, GH_P_APP, GH_P_AS, GH_STEP_REPLY, (int)a->status, a->t0_us + dur,
                (int32_t)(dur > INT32_MAX ? INT32_MAX : dur), outcome, NULL, NULL, GH_GROUP_NONE);
}

/* Delivered, retried later, or given up; the lease ends either way. */
static void settle(struct gh_bcl_sender *b, struct attempt *a)
{
    char st[16], tries[16], jti4[16];
    snprintf(st, sizeof(st), "%ld", a->status);
    snprintf(tries, sizeof(tries), "%d", a->q.tries + 1);
    gh_rec_short(a->jti, jti4);
    int ok = a->status >= 200 && a->status < 300;
    int64_t next = 0;
    if (!ok && a->q.tries + 1 < GH_BCL_TRIES)
        next = now_ms() + gh_bcl_backoff_ms(b->as->cfg->backchannel_retry, a->q.tries + 1);
    /* the token itself is never logged: its jti's last characters only */
    gh_log(ok ? GH_LOG_INFO : GH_LOG_WARN,
           ok     ? "back-channel logout delivered"
           : next ? "back-channel logout failed, will retry"
                  : "back-channel logout failed, giving up",
           "client_id", a->q.client_id, "uri", a->q.uri, "status", st, "try", tries, "jti", jti4,
           NULL);
    char outcome[64];
    snprintf(outcome, sizeof(outcome), "%s%s", a->status ? st : "no answer",
             ok     ? " (logout token accepted)"
             : next ? " (retried later)"
                    : " (given up)");
    trace(b, a, outcome);
    int rc = gh_store_bcl_settle(b->as->store, a->q.id, next);
    if (rc < 0)
        gh_log(GH_LOG_WARN, "cannot settle back-channel logout", "error", gh_strerror(rc), NULL);
}

static void release(struct gh_bcl_sender *b, struct attempt *a)
{
    curl_multi_remove_handle(b->multi, a->h);
    curl_easy_cleanup(a->h);
    a->h = NULL;
    gh_buf_release(&a->body);
    b->busy--;
}

/* Claims due deliveries into the free slots and starts them. */
static void claim(struct gh_bcl_sender *b)
{
    struct gh_bcl *rows = NULL;
    size_t n = 0;
    int64_t t = now_ms();
    int64_t lease = t + b->as->cfg->backchannel_timeout * 1000 + 5000;
    if (gh_store_bcl_claim(b->as->store, t, lease, (int)(BATCH - b->busy), &rows, &n) < 0 ||
        n == 0) {
        free(rows);
        return;
    }
    struct gh_snap *s = gh_as_snap(b->as);
    size_t k = 0;
    for (size_t i = 0; i < BATCH && k < n; i++) {
        struct attempt *a = &b->slot[i];
        if (a->h != NULL)
            continue;
        a->q = rows[k++];
        if (prepare(b, s, a) == 0 && curl_multi_add_handle(b->multi, a->h) == CURLM_OK) {
            b->busy++;
        } else { /* its lease runs out and it is tried again */
            curl_easy_cleanup(a->h);
            a->h = NULL;
            gh_buf_release(&a->body);
        }
    }
    gh_snap_put(b->as, s);
    free(rows);
}

/* Settles every finished transfer. */
static void reap(struct gh_bcl_sender *b)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(b->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct attempt *a = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&a);
        if (a == NULL)
            continue;
        if (msg->data.result == CURLE_OK)
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &a->status);
        settle(b, a);
        release(b, a);
    }
}

static void *sender_main(void *arg)
{
    struct gh_bcl_sender *b = arg;
    int64_t last_claim = 0;
    for (;;) {
        pthread_mutex_lock(&b->lock);
        int stop = b->stopping, woken = b->woken;
        b->woken = 0;
        pthread_mutex_unlock(&b->lock);
        if (stop)
            break;
        if (b->busy < BATCH && (woken || now_ms() - last_claim >= POLL_MS)) {
            last_claim = now_ms();
            claim(b);
        }
        if (b->busy == 0) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += (long)POLL_MS * 1000000L;
            until.tv_sec += until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            pthread_mutex_lock(&b->lock);
            if (!b->woken && !b->stopping)
                pthread_cond_timedwait(&b->cond, &b->lock, &until);
            pthread_mutex_unlock(&b->lock);
            continue;
        }
        int running = 0;
        curl_multi_perform(b->multi, &running);
        reap(b);
        if (b->busy > 0)
            curl_multi_poll(b->multi, NULL, 0, 100, NULL);
    }
    /* abandoned attempts: their leases run out and they are tried again */
    for (size_t i = 0; i < BATCH; i++)
        if (b->slot[i].h != NULL)
            release(b, &b->slot[i]);
    return NULL;
}

int gh_bcl_start(struct gh_as *as, struct gh_bcl_sender **out)
{
    *out = NULL;
    struct gh_bcl_sender *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return GH_ENOMEM;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    b->as = as;
    b->multi = curl_multi_init();
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->cond, NULL);
    if (b->multi == NULL || pthread_create(&b->thread, NULL, sender_main, b) != 0) {
        curl_multi_cleanup(b->multi);
        pthread_mutex_destroy(&b->lock);
        pthread_cond_destroy(&b->cond);
        free(b);
        return GH_ENOMEM;
    }
    *out = b;
    return 0;
}

void gh_bcl_wake(struct gh_bcl_sender *b)
{
    if (b == NULL)
        return;
    pthread_mutex_lock(&b->lock);
    b->woken = 1;
    pthread_cond_signal(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

void gh_bcl_stop(struct gh_bcl_sender *b)
{
    if (b == NULL)
        return;
    pthread_mutex_lock(&b->lock);
    b->stopping = 1;
    pthread_cond_signal(&b->cond);
    pthread_mutex_unlock(&b->lock);
    pthread_join(b->thread, NULL);
    curl_multi_cleanup(b->multi);
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->cond);
    free(b);
}
