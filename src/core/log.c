/* Structured single-line logging; see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "log.h"
#include "err.h"

static enum gh_log_level cur_level = GH_LOG_INFO;
static enum gh_log_format cur_format = GH_LOG_LOGFMT;
static const char *const names[] = {"error", "warn", "info", "debug"};

void gh_log_setup(enum gh_log_level level, enum gh_log_format format)
{
    cur_level = level;
    cur_format = format;
}

int gh_log_enabled(enum gh_log_level level)
{
    return level <= cur_level;
}

int gh_log_level_parse(const char *s)
{
    for (size_t i = 0; i < GH_ARRAY_LEN(names); i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

static void field(struct gh_buf *b, const char *k, const char *v)
{
    if (cur_format == GH_LOG_JSON) {
        gh_buf_putc(b, ',');
        gh_buf_json_str(b, k, strlen(k));
        gh_buf_putc(b, ':');
        gh_buf_json_str(b, v, strlen(v));
        return;
    }
    gh_buf_printf(b, " %s=", k);
    if (v[strcspn(v, " \"=\\\n\r\t")] == '\0' && v[0] != '\0') {
        gh_buf_puts(b, v);
        return;
    }
    gh_buf_json_str(b, v, strlen(v));
}

void gh_log(enum gh_log_level level, const char *msg, ...)
{
    if (!gh_log_enabled(level))
        return;
    char ts[32];
    time_t now = (time_t)gh_now();
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);

    struct gh_buf b;
    gh_buf_init(&b, 8192);
    if (cur_format == GH_LOG_JSON) {
        gh_buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts, names[level]);
        gh_buf_json_str(&b, msg, strlen(msg));
    } else {
        gh_buf_printf(&b, "ts=%s level=%s msg=", ts, names[level]);
        gh_buf_json_str(&b, msg, strlen(msg));
    }
    va_list ap;
    va_start(ap, msg);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (k == NULL)
            break;
        const char *v = va_arg(ap, const char *);
        field(&b, k, v ? v : "");
    }
    va_end(ap);
    if (cur_format == GH_LOG_JSON)
        gh_buf_putc(&b, '}');
    gh_buf_putc(&b, '\n');
    if (b.p != NULL)
        fwrite(b.p, 1, b.len, stderr);
    gh_buf_release(&b);
}
