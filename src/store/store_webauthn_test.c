/*
 * Store conformance: passkeys (WebAuthn Level 2) on both backends:
 * credentials added once per id, listed per user, renamed and removed only
 * by their user, the signature counter taken only when it grows (7.2 step
 * 21) and by one of racing processes, challenges taken once (also by one
 * of racing processes), expired ones refused and purged, and everything
 * gone with the user.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/store_test.h"

static struct gh_webauthn_cred cred_of(const char *sub, unsigned char id_byte, size_t id_len)
{
    struct gh_webauthn_cred c;
    memset(&c, 0, sizeof(c));
    memset(c.id, id_byte, id_len);
    c.id_len = id_len;
    snprintf(c.sub, sizeof(c.sub), "%s", sub);
    snprintf(c.name, sizeof(c.name), "key %02x", id_byte);
    /* a COSE key is opaque to the store: any bytes, with a NUL among them */
    for (size_t i = 0; i < 77; i++)
        c.key[i] = (unsigned char)(id_byte + i);
    c.key_len = 77;
    c.alg = -7;
    c.sign_count = 1;
    c.backup_eligible = 1;
    c.created_at = NOW + id_byte;
    return c;
}

STORE_TEST(webauthn_credentials, 1)
{
    (void)b;
    struct gh_webauthn_cred a = cred_of("alice", 0xa1, 16), a2 = cred_of("alice", 0xa2, 1023);
    struct gh_webauthn_cred bob = cred_of("bob", 0xb1, 1), got, *rows = NULL;
    size_t n = 9;
    ASSERT_INT_EQ(gh_store_webauthn_cred_list(s, "alice", &rows, &n), 0);
    ASSERT_INT_EQ(n, 0);
    ASSERT_TRUE(rows == NULL);
    ASSERT_INT_EQ(gh_store_webauthn_cred_add(s, &a), 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_add(s, &a2), 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_add(s, &bob), 0);
    /* WebAuthn 7.1 step 22: an id registered already, for anyone */
    struct gh_webauthn_cred dup = cred_of("bob", 0xa1, 16);
    ASSERT_INT_EQ(gh_store_webauthn_cred_add(s, &dup), GH_EEXIST);
    dup.id_len = 0;
    ASSERT_INT_EQ(gh_store_webauthn_cred_add(s, &dup), GH_EINVAL);
    ASSERT_INT_EQ(gh_store_webauthn_cred_get(s, a2.id, a2.id_len, &got), 0);
    ASSERT_INT_EQ(got.id_len, 1023);
    ASSERT_MEM_EQ(got.id, a2.id, 1023);
    ASSERT_STR_EQ(got.sub, "alice");
    ASSERT_STR_EQ(got.name, "key a2");
    ASSERT_INT_EQ(got.key_len, 77);
    ASSERT_MEM_EQ(got.key, a2.key, 77);
    ASSERT_INT_EQ(got.alg, -7);
    ASSERT_INT_EQ(got.sign_count, 1);
    ASSERT_INT_EQ(got.backup_eligible, 1);
    ASSERT_INT_EQ(got.backup_state, 0);
    ASSERT_INT_EQ(got.created_at, NOW + 0xa2);
    ASSERT_INT_EQ(got.last_used_at, 0);
    /* a prefix of an id is another id */
    ASSERT_INT_EQ(gh_store_webauthn_cred_get(s, a2.id, 16, &got), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_webauthn_cred_list(s, "alice", &rows, &n), 0);
    ASSERT_INT_EQ(n, 2);
    ASSERT_INT_EQ(rows[0].id_len, 16);
    ASSERT_INT_EQ(rows[1].id_len, 1023);
    free(rows);
    /* rename and remove: only the user's own */
    ASSERT_INT_EQ(gh_store_webauthn_cred_rename(s, "bob", a.id, a.id_len, "mine"), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_webauthn_cred_rename(s, "alice", a.id, a.id_len, "Phone \xe2\x9c\x93"),
                  0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_get(s, a.id, a.id_len, &got), 0);
    ASSERT_STR_EQ(got.name, "Phone \xe2\x9c\x93");
    ASSERT_INT_EQ(gh_store_webauthn_cred_remove(s, "bob", a.id, a.id_len), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_webauthn_cred_remove(s, "alice", a.id, a.id_len), 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_remove(s, "alice", a.id, a.id_len), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_webauthn_cred_get(s, a.id, a.id_len, &got), GH_ENOTFOUND);
    /* all of a user's */
    int removed = -1;
    ASSERT_INT_EQ(gh_store_webauthn_cred_add(s, &a), 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_remove_user(s, "alice", &removed), 0);
    ASSERT_INT_EQ(removed, 2);
    ASSERT_INT_EQ(gh_store_webauthn_cred_remove_user(s, "alice", &removed), 0);
    ASSERT_INT_EQ(removed, 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_get(s, bob.id, bob.id_len, &got), 0);
}

/* WebAuthn 7.2 step 21 in the store: the counter moves only up, or stays
 * 0 for an authenticator without one. */
STORE_TEST(webauthn_sign_count, 1)
{
    (void)b;
    struct gh_webauthn_cred c = cred_of("alice", 0x11, 32), z = cred_of("alice", 0x22, 32), got;
    z.sign_count = 0;
    ASSERT_INT_EQ(gh_store_webauthn_cred_add(s, &c), 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_add(s, &z), 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_use(s, c.id, c.id_len, 1, 1, NOW + 5), GH_ECONFLICT);
    ASSERT_INT_EQ(gh_store_webauthn_cred_use(s, c.id, c.id_len, 0, 1, NOW + 5), GH_ECONFLICT);
    ASSERT_INT_EQ(gh_store_webauthn_cred_get(s, c.id, c.id_len, &got), 0);
    ASSERT_INT_EQ(got.last_used_at, 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_use(s, c.id, c.id_len, 7, 1, NOW + 6), 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_get(s, c.id, c.id_len, &got), 0);
    ASSERT_INT_EQ(got.sign_count, 7);
    ASSERT_INT_EQ(got.backup_state, 1);
    ASSERT_INT_EQ(got.last_used_at, NOW + 6);
    ASSERT_INT_EQ(gh_store_webauthn_cred_use(s, c.id, c.id_len, 7, 1, NOW + 7), GH_ECONFLICT);
    ASSERT_INT_EQ(gh_store_webauthn_cred_use(s, c.id, c.id_len, 4294967295LL, 0, NOW + 8), 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_get(s, c.id, c.id_len, &got), 0);
    ASSERT_INT_EQ(got.sign_count, 4294967295LL);
    /* no counter: 0 after 0, again and again, until it starts counting */
    ASSERT_INT_EQ(gh_store_webauthn_cred_use(s, z.id, z.id_len, 0, 0, NOW + 9), 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_use(s, z.id, z.id_len, 0, 0, NOW + 10), 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_use(s, z.id, z.id_len, 3, 0, NOW + 11), 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_use(s, z.id, z.id_len, 0, 0, NOW + 12), GH_ECONFLICT);
    unsigned char gone[4] = {1, 2, 3, 4};
    ASSERT_INT_EQ(gh_store_webauthn_cred_use(s, gone, sizeof(gone), 9, 0, NOW), GH_ENOTFOUND);
}

static struct gh_webauthn_challenge chal_of(int seed, const char *purpose, const char *sub,
                                            int64_t expires_at)
{
    struct gh_webauthn_challenge c;
    memset(&c, 0, sizeof(c));
    gh_stest_hash(seed, c.hash);
    snprintf(c.purpose, sizeof(c.purpose), "%s", purpose);
    snprintf(c.sub, sizeof(c.sub), "%s", sub);
    c.expires_at = expires_at;
    return c;
}

STORE_TEST(webauthn_challenges, 1)
{
    struct gh_webauthn_challenge c = chal_of(1, "create", "alice", NOW + 300);
    struct gh_webauthn_challenge g = chal_of(2, "get", "", NOW + 300), old, got;
    old = chal_of(3, "get", "", NOW - 1);
    ASSERT_INT_EQ(gh_store_webauthn_challenge_put(s, &c), 0);
    ASSERT_INT_EQ(gh_store_webauthn_challenge_put(s, &g), 0);
    ASSERT_INT_EQ(gh_store_webauthn_challenge_put(s, &old), 0);
    ASSERT_INT_EQ(gh_store_webauthn_challenge_put(s, &g), GH_EEXIST);
    ASSERT_INT_EQ(gh_store_webauthn_challenge_take(s, c.hash, NOW, &got), 0);
    ASSERT_MEM_EQ(got.hash, c.hash, GH_SHA256_LEN);
    ASSERT_STR_EQ(got.purpose, "create");
    ASSERT_STR_EQ(got.sub, "alice");
    ASSERT_INT_EQ(got.expires_at, NOW + 300);
    /* once */
    ASSERT_INT_EQ(gh_store_webauthn_challenge_take(s, c.hash, NOW, &got), GH_ENOTFOUND);
    ASSERT_STR_EQ(got.purpose, "");
    /* the last second is still in time; expired ones are refused and gone */
    ASSERT_INT_EQ(gh_store_webauthn_challenge_take(s, g.hash, NOW + 300, &got), 0);
    ASSERT_STR_EQ(got.sub, "");
    ASSERT_INT_EQ(gh_store_webauthn_challenge_take(s, old.hash, NOW, &got), GH_EEXPIRED);
    ASSERT_INT_EQ(gh_store_webauthn_challenge_take(s, old.hash, NOW - 10, &got), GH_ENOTFOUND);
    /* the purge takes those never used */
    struct gh_webauthn_challenge p = chal_of(4, "get", "", NOW + 10);
    ASSERT_INT_EQ(gh_store_webauthn_challenge_put(s, &p), 0);
    int deleted = 0;
    ASSERT_INT_EQ(gh_store_purge(s, NOW + 11, 100, &deleted), 0);
    ASSERT_TRUE(deleted >= 1);
    ASSERT_INT_EQ(gh_store_webauthn_challenge_take(s, p.hash, 0, &got), GH_ENOTFOUND);
    /* removing a user removes their credentials and challenges */
    struct gh_webauthn_cred cr = cred_of("carol", 0x33, 8), gotc;
    struct gh_webauthn_challenge cc = chal_of(5, "create", "carol", NOW + 300);
    ASSERT_INT_EQ(gh_stest_user_add(s, "carol", "$argon2id$v=19$carol"), 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_add(s, &cr), 0);
    ASSERT_INT_EQ(gh_store_webauthn_challenge_put(s, &cc), 0);
    ASSERT_INT_EQ(gh_store_user_remove(s, "carol"), 0);
    ASSERT_INT_EQ(gh_store_webauthn_cred_get(s, cr.id, cr.id_len, &gotc), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_webauthn_challenge_take(s, cc.hash, NOW, &got), GH_ENOTFOUND);
    (void)b;
}

/* ---- races: two store handles (two processes' worth) ---- */

#define RACERS 8

struct racer {
    struct gh_store *s;
    pthread_barrier_t *go;
    const unsigned char *id;
    size_t id_len;
    unsigned char hash[GH_SHA256_LEN];
    int rc;
};

static void *use_racer(void *arg)
{
    struct racer *r = arg;
    pthread_barrier_wait(r->go);
    r->rc = gh_store_webauthn_cred_use(r->s, r->id, r->id_len, 5, 0, NOW + 1);
    return NULL;
}

static void *take_racer(void *arg)
{
    struct racer *r = arg;
    struct gh_webauthn_challenge got;
    pthread_barrier_wait(r->go);
    r->rc = gh_store_webauthn_challenge_take(r->s, r->hash, NOW, &got);
    return NULL;
}

/* Runs RACERS threads of fn over the two stores; how many got 0, and how
 * many got `loser` (the rest got something else). */
static void race(struct gh_store *s[2], struct racer *proto, void *(*fn)(void *), int loser,
                 int *won, int *lost)
{
    pthread_t t[RACERS];
    struct racer r[RACERS];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, RACERS);
    for (int i = 0; i < RACERS; i++) {
        r[i] = *proto;
        r[i].s = s[i % 2];
        r[i].go = &go;
        pthread_create(&t[i], NULL, fn, &r[i]);
    }
    *won = *lost = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(t[i], NULL);
        *won += r[i].rc == 0;
        *lost += r[i].rc == loser;
    }
    pthread_barrier_destroy(&go);
}

STORE_TEST(webauthn_races, 1)
{
    struct gh_store *two[2] = {s, NULL};
    char err[256];
    ASSERT_INT_EQ(gh_store_open(b->url, &two[1], err, sizeof(err)), 0);
    struct gh_webauthn_cred c = cred_of("alice", 0x44, 64);
    struct gh_webauthn_challenge ch = chal_of(9, "get", "", NOW + 300);
    int won = 0, lost = 0, won2 = 0, lost2 = 0;
    int rc = gh_store_webauthn_cred_add(s, &c);
    int rc2 = gh_store_webauthn_challenge_put(s, &ch);
    if (rc == 0 && rc2 == 0) {
        struct racer proto = {.id = c.id, .id_len = c.id_len};
        race(two, &proto, use_racer, GH_ECONFLICT, &won, &lost);
        memcpy(proto.hash, ch.hash, sizeof(proto.hash));
        race(two, &proto, take_racer, GH_ENOTFOUND, &won2, &lost2);
    }
    gh_store_close(two[1]);
    ASSERT_INT_EQ(rc, 0);
    ASSERT_INT_EQ(rc2, 0);
    /* one counter 5 is taken once; one challenge is taken once */
    ASSERT_INT_EQ(won, 1);
    ASSERT_INT_EQ(lost, RACERS - 1);
    ASSERT_INT_EQ(won2, 1);
    ASSERT_INT_EQ(lost2, RACERS - 1);
}
