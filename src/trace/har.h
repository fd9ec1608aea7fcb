/*
 * Streaming reader for HAR 1.2 files (W3C Web Performance "HTTP Archive"
 * draft, as Chromium, Firefox and Playwright write it). A HAR is one JSON
 * document whose log.entries array can be tens of megabytes; the reader
 * checks the whole document's JSON syntax (RFC 8259) in one pass with a
 * small push parser and hands each element of log.entries, as its own JSON
 * text, to a callback (which parses it with jansson). Memory is bounded by
 * the largest entry: strings inside an entry longer than GH_HAR_STRING_MAX
 * are cut (OAuth messages are small; big bodies are pages and scripts), and
 * an entry still larger than GH_HAR_ENTRY_MAX is skipped and counted.
 */
#ifndef GH_TRACE_HAR_H
#define GH_TRACE_HAR_H

#include <stddef.h>

#define GH_HAR_STRING_MAX ((size_t)256 << 10)
#define GH_HAR_ENTRY_MAX ((size_t)4 << 20)
#define GH_HAR_DEPTH_MAX 1000

/* One element of log.entries: json[0..n) (NUL-terminated, borrowed until
 * the callback returns), index counting from 0. Returns 0 to go on, or a
 * negative gh_err that stops the reader and is returned by gh_har_feed. */
typedef int (*gh_har_entry_fn)(void *arg, size_t index, const char *json, size_t n);

struct gh_har_reader;

/* New (caller frees with gh_har_reader_free). */
int gh_har_reader_new(gh_har_entry_fn fn, void *arg, struct gh_har_reader **out /* OUT */);
void gh_har_reader_free(struct gh_har_reader *r);
/* Feeds p[0..n), any split. 0, GH_EINVAL on a syntax error (see
 * gh_har_error), or what the callback returned. After an error every
 * further call returns it again. */
int gh_har_feed(struct gh_har_reader *r, const char *p, size_t n);
/* End of input: GH_EINVAL unless one complete JSON object with a
 * log.entries array was read. */
int gh_har_finish(struct gh_har_reader *r);
/* What went wrong, with line and column ("" when nothing did). Borrowed. */
const char *gh_har_error(const struct gh_har_reader *r);
/* Entries skipped for size, and entries seen. */
size_t gh_har_skipped(const struct gh_har_reader *r);
size_t gh_har_entries(const struct gh_har_reader *r);

/* Reads the file at path through a reader in 64 KiB chunks. 0, GH_EIO
 * (cannot open or read), GH_EINVAL (malformed; the reason in err), or the
 * callback's error. err (errlen bytes) names the problem on failure;
 * entries and skipped (either may be NULL) get the counts. */
int gh_har_read_file(const char *path, gh_har_entry_fn fn, void *arg, size_t *entries,
                     size_t *skipped, char *err, size_t errlen);

#endif
