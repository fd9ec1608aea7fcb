/* Flow recorder: queue, background writer, flow continuation; see
 * recorder.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/b64url.h"
#include "core/crypto.h"
#include "store/store.h"
#include "trace/export.h"
#include "trace/recorder.h"
#include "core/err.h"

#define QUEUE_MAX 4096
#define OPEN_FLOWS 64

struct queued {
    char flow_id[GH_FLOW_ID_LEN + 1];
    struct gh_trace_step step;
};

/* A flow that failed: its alt title, and the client and user whose next
 * authorization request continues it. */
struct failed_flow {
    char flow_id[GH_FLOW_ID_LEN + 1];
    char client_id[GH_ID_MAX];
    char sub[GH_ID_MAX];
    char title[GH_TRACE_GROUP_MAX];
    int64_t until;
};

struct gh_recorder {
    struct gh_store *store;
    pthread_mutex_t lock;
    pthread_cond_t wake, flushed;
    pthread_t thread;
    struct queued *q;
    size_t n, dropped;
    int stopping, busy;
    int keep;      /* most flows kept in the store */
    int prune_due; /* a flow started since the last prune */
    struct failed_flow failed[OPEN_FLOWS];
    size_t next_failed;
};

static void write_batch(struct gh_recorder *rec, struct queued *batch, size_t n)
{
    /* consecutive steps of one flow go in one append */
    size_t i = 0;
    struct gh_trace_step *steps = malloc(n * sizeof(*steps));
    if (steps == NULL)
        return;
    while (i < n) {
        size_t j = i, k = 0;
        while (j < n && strcmp(batch[j].flow_id, batch[i].flow_id) == 0)
            steps[k++] = batch[j++].step;
        gh_store_trace_append(rec->store, batch[i].flow_id, steps, k);
        i = j;
    }
    free(steps);
}

static void *writer(void *arg)
{
    struct gh_recorder *rec = arg;
    struct queued *batch = malloc(QUEUE_MAX * sizeof(*batch));
    pthread_mutex_lock(&rec->lock);
    while (batch != NULL) {
        while (rec->n == 0 && !rec->prune_due && !rec->stopping)
            pthread_cond_wait(&rec->wake, &rec->lock);
        if (rec->n == 0 && !rec->prune_due && rec->stopping)
            break;
        size_t n = rec->n;
        int prune = rec->prune_due;
        memcpy(batch, rec->q, n * sizeof(*batch));
        rec->n = 0;
        rec->prune_due = 0;
        rec->busy = 1;
        pthread_mutex_unlock(&rec->lock);
        write_batch(rec, batch, n);
        /* once per batch, however many authorization requests started
         * flows meanwhile: the store never holds many more than `keep` */
        if (prune)
            gh_store_trace_prune(rec->store, rec->keep);
        pthread_mutex_lock(&rec->lock);
        rec->busy = 0;
        pthread_cond_broadcast(&rec->flushed);
    }
    pthread_mutex_unlock(&rec->lock);
    free(batch);
    return NULL;
}

int gh_recorder_new(struct gh_store *store, int keep, struct gh_recorder **out)
{
    struct gh_recorder *rec = calloc(1, sizeof(*rec));
    if (rec == NULL)
        return GH_ENOMEM;
    rec->store = store;
    rec->keep = keep > 0 ? keep : 1;
    rec->q = malloc(QUEUE_MAX * sizeof(*rec->q));
    pthread_mutex_init(&rec->lock, NULL);
    pthread_cond_init(&rec->wake, NULL);
    pthread_cond_init(&rec->flushed, NULL);
    if (rec->q == NULL || pthread_create(&rec->thread, NULL, writer, rec) != 0) {
        free(rec->q);
        free(rec);
        return GH_ENOMEM;
    }
    gh_store_trace_prune(store, rec->keep);
    *out = rec;
    return 0;
}

void gh_recorder_flush(struct gh_recorder *rec)
{
    if (rec == NULL)
        return;
    pthread_mutex_lock(&rec->lock);
    pthread_cond_signal(&rec->wake);
    while (rec->n > 0 || rec->prune_due || rec->busy)
        pthread_cond_wait(&rec->flushed, &rec->lock);
    pthread_mutex_unlock(&rec->lock);
}

void gh_recorder_free(struct gh_recorder *rec)
{
    if (rec == NULL)
        return;
    pthread_mutex_lock(&rec->lock);
    rec->stopping = 1;
    pthread_cond_signal(&rec->wake);
    pthread_mutex_unlock(&rec->lock);
    pthread_join(rec->thread, NULL);
    gh_store_trace_prune(rec->store, rec->keep);
    pthread_mutex_destroy(&rec->lock);
    pthread_cond_destroy(&rec->wake);
    pthread_cond_destroy(&rec->flushed);
    free(rec->q);
    free(rec);
}

void gh_rec_flow_begin(struct gh_recorder *rec, const char *client_id, const char *sub, char *out)
{
    int64_t now = gh_now();
    pthread_mutex_lock(&rec->lock);
    for (size_t i = 0; sub != NULL && sub[0] != '\0' && i < OPEN_FLOWS; i++) {
        struct failed_flow *f = &rec->failed[i];
        if (f->until > now && strcmp(f->client_id, client_id) == 0 && strcmp(f->sub, sub) == 0) {
            memcpy(out, f->flow_id, GH_FLOW_ID_LEN + 1);
            f->client_id[0] = '\0'; /* continue once */
            f->until = now + 300;   /* keep the alt title for the re-login */
            pthread_mutex_unlock(&rec->lock);
            return;
        }
    }
    pthread_mutex_unlock(&rec->lock);
    unsigned char raw[16];
    gh_rand_bytes(raw, sizeof(raw));
    gh_b64url_encode(raw, sizeof(raw), out, GH_FLOW_ID_LEN + 1);
    struct gh_flow_info info = {.started_us = gh_now_us()};
    snprintf(info.id, sizeof(info.id), "%s", out);
    snprintf(info.client_id, sizeof(info.client_id), "%s", client_id);
    gh_store_trace_flow_start(rec->store, &info);
    pthread_mutex_lock(&rec->lock);
    rec->prune_due = 1;
    pthread_cond_signal(&rec->wake);
    pthread_mutex_unlock(&rec->lock);
}

void gh_rec_flow_fail(struct gh_recorder *rec, const char *flow_id, const char *client_id,
                      const char *sub, const char *title, const char *outcome)
{
    if (rec == NULL || flow_id == NULL || flow_id[0] == '\0')
        return;
    pthread_mutex_lock(&rec->lock);
    struct failed_flow *f = &rec->failed[rec->next_failed++ % OPEN_FLOWS];
    snprintf(f->flow_id, sizeof(f->flow_id), "%s", flow_id);
    snprintf(f->client_id, sizeof(f->client_id), "%s", client_id);
    snprintf(f->sub, sizeof(f->sub), "%s", sub ? sub : "");
    snprintf(f->title, sizeof(f->title), "%s", title);
    f->until = gh_now() + 300;
    pthread_mutex_unlock(&rec->lock);
    gh_rec_flow_outcome(rec, flow_id, NULL, outcome);
}

void gh_rec_flow_outcome(struct gh_recorder *rec, const char *flow_id, const char *sub,
                         const char *outcome)
{
    if (rec == NULL || flow_id == NULL || flow_id[0] == '\0')
        return;
    if (outcome != NULL && strcmp(outcome, "signed in") == 0) {
        /* signed in again: the failure's alt fragment ends here */
        pthread_mutex_lock(&rec->lock);
        for (size_t i = 0; i < OPEN_FLOWS; i++)
            if (strcmp(rec->failed[i].flow_id, flow_id) == 0 && rec->failed[i].client_id[0] == 0)
                rec->failed[i].until = 0;
        pthread_mutex_unlock(&rec->lock);
    }
    gh_store_trace_flow_update(rec->store, flow_id, sub, outcome);
}

void gh_rec_step(struct gh_recorder *rec, const char *flow_id, enum gh_part from, enum gh_part to,
                 enum gh_step_kind kind, int status, int64_t t_us, int32_t dur_us,
                 const char *label, const char *note, const char *group,
                 enum gh_group_kind group_kind)
{
    if (rec == NULL || flow_id == NULL || flow_id[0] == '\0')
        return;
    struct queued q;
    memset(&q, 0, sizeof(q));
    snprintf(q.flow_id, sizeof(q.flow_id), "%s", flow_id);
    struct gh_trace_step *s = &q.step;
    s->t_us = t_us;
    s->dur_us = dur_us;
    s->from = (uint8_t)from;
    s->to = (uint8_t)to;
    s->kind = (uint8_t)kind;
    s->status = (int16_t)status;
    snprintf(s->label, sizeof(s->label), "%s", label ? label : "");
    snprintf(s->note, sizeof(s->note), "%s", note ? note : "");
    pthread_mutex_lock(&rec->lock);
    int64_t now = gh_now();
    for (size_t i = 0; i < OPEN_FLOWS; i++) {
        if (rec->failed[i].until > now && strcmp(rec->failed[i].flow_id, flow_id) == 0) {
            group = rec->failed[i].title;
            group_kind = GH_GROUP_ALT;
        }
    }
    snprintf(s->group, sizeof(s->group), "%s", group ? group : "");
    s->group_kind = (uint8_t)(group ? group_kind : GH_GROUP_NONE);
    if (rec->n < QUEUE_MAX)
        rec->q[rec->n++] = q;
    else
        rec->dropped++;
    pthread_cond_signal(&rec->wake);
    pthread_mutex_unlock(&rec->lock);
}

int gh_rec_flow_of_family(struct gh_recorder *rec, const char *family_id, char *out, size_t n)
{
    out[0] = '\0';
    return gh_store_trace_flow_of_family(rec->store, family_id, out, n);
}

int gh_rec_flow_of_refresh(struct gh_recorder *rec, const unsigned char key[GH_SHA256_LEN],
                           char *out, size_t n)
{
    out[0] = '\0';
    return gh_store_trace_flow_of_refresh(rec->store, key, out, n);
}

int gh_rec_flow_of_code(struct gh_recorder *rec, const char *code, char *out, size_t n)
{
    unsigned char hash[GH_SHA256_LEN];
    struct gh_code k;
    out[0] = '\0';
    gh_sha256(code, strlen(code), hash);
    int rc = gh_store_code_get(rec->store, hash, &k);
    if (rc == 0)
        snprintf(out, n, "%s", k.flow_id);
    return rc;
}

int gh_rec_draw_svg(struct gh_recorder *rec, const char *flow_id, const char *title, size_t last,
                    struct gh_buf *out)
{
    struct gh_trace_step *steps = NULL;
    size_t n = 0;
    gh_recorder_flush(rec);
    int rc = gh_store_trace_steps(rec->store, flow_id, &steps, &n);
    if (rc == 0 && n == 0)
        rc = GH_ENOTFOUND;
    struct gh_export_opts eo = {title, 1, NULL, 0};
    size_t skip = n > last ? n - last : 0;
    if (rc == 0)
        rc = gh_trace_export(steps + skip, n - skip, GH_FMT_SVG, &eo, out);
    free(steps);
    return rc;
}

void gh_rec_short(const char *secret, char out[16])
{
    size_t n = strlen(secret);
    if (n <= 8) {
        snprintf(out, 16, "…");
        return;
    }
    /* the last four: refresh tokens begin with their (shared) issue time */
    snprintf(out, 16, "%.4s…", secret + n - 4);
}
