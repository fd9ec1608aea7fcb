/*
 * Logging to stderr, one line per event, as logfmt or JSON. Secrets never
 * reach this module (callers log names, routes, statuses and client ids,
 * never tokens, codes or passwords), and every value is quoted and escaped
 * so a hostile value cannot forge a line.
 */
#ifndef GH_LOG_H
#define GH_LOG_H

enum gh_log_level { GH_LOG_ERROR, GH_LOG_WARN, GH_LOG_INFO, GH_LOG_DEBUG };
enum gh_log_format { GH_LOG_LOGFMT, GH_LOG_JSON };

void gh_log_setup(enum gh_log_level level, enum gh_log_format format);
int gh_log_enabled(enum gh_log_level level);
/* msg, then key/value string pairs ending with NULL:
 * gh_log(GH_LOG_INFO, "request", "path", "/token", "status", "200", NULL); */
void gh_log(enum gh_log_level level, const char *msg, ...) __attribute__((sentinel));
/* Parses "error|warn|info|debug"; -1 when unknown. */
int gh_log_level_parse(const char *s);

#endif
