/*
 * QR codes as SVG: the symbol's size for a URI of the length enrolment
 * makes, the three finder patterns (ISO/IEC 18004 6.3.3: 7x7 dark ring,
 * 3x3 centre) where the standard puts them, the quiet zone, and the text
 * not leaking into the markup.
 */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/test.h"
#include "oauth/qr.h"

/* "M x y h n" of a run starting at module (x, y) of the symbol */
static int has_run(const char *svg, int x, int y, int n)
{
    char want[48];
    snprintf(want, sizeof(want), "M%d %dh%dv1h-%dz", x + GH_QR_QUIET, y + GH_QR_QUIET, n, n);
    return strstr(svg, want) != NULL;
}

GH_TEST(qr_svg_finder_patterns)
{
    const char *uri = "otpauth://totp/127.0.0.1%3A9000:alice?secret="
                      "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=127.0.0.1%3A9000&algorithm=SHA1&"
                      "digits=6&period=30";
    struct gh_buf b;
    gh_buf_init(&b, 1 << 20);
    ASSERT_INT_EQ(gh_qr_svg(uri, 200, &b), 0);
    const char *svg = b.p;
    ASSERT_TRUE(strncmp(svg, "<svg ", 5) == 0);
    ASSERT_TRUE(strstr(svg, "</svg>") != NULL);
    ASSERT_TRUE(strstr(svg, "GEZDGNBV") == NULL);
    int w = 0, vb = 0;
    ASSERT_TRUE(sscanf(strstr(svg, "viewBox=\"0 0 "), "viewBox=\"0 0 %d", &vb) == 1);
    w = vb - 2 * GH_QR_QUIET; /* symbol width: 17 + 4 * version */
    ASSERT_TRUE(w >= 21 && (w - 17) % 4 == 0);
    /* top-left, top-right, bottom-left finders: 7 dark, then 1 dark 5 light 1 dark, then
     * 1-1-3-1-1 rows */
    int corners[3][2] = {{0, 0}, {w - 7, 0}, {0, w - 7}};
    for (int i = 0; i < 3; i++) {
        int x = corners[i][0], y = corners[i][1];
        ASSERT_TRUE(has_run(svg, x, y, 7));
        ASSERT_TRUE(has_run(svg, x, y + 6, 7));
        ASSERT_TRUE(has_run(svg, x, y + 1, 1));
        ASSERT_TRUE(has_run(svg, x + 6, y + 1, 1));
        ASSERT_TRUE(has_run(svg, x + 2, y + 3, 3));
    }
    /* the quiet zone: nothing drawn above or left of it */
    ASSERT_TRUE(strstr(svg, "M0 ") == NULL && strstr(svg, " 0h") == NULL);
    gh_buf_release(&b);
}

GH_TEST(qr_svg_too_long)
{
    static char big[8000];
    memset(big, 'a', sizeof(big) - 1);
    struct gh_buf b;
    gh_buf_init(&b, 1 << 20);
    ASSERT_INT_EQ(gh_qr_svg(big, 200, &b), GH_EINVAL);
    gh_buf_release(&b);
}
