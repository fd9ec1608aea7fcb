/*
 * QR codes as SVG (qr.h). Each row of the symbol becomes "M x y h n v1
 * h-n z" runs of dark modules, in module units under a viewBox, drawn with
 * crispEdges so no scanner sees anti-aliased seams between modules.
 */
#include <errno.h>
#include <string.h>

#include <qrencode.h>

#include "core/err.h"
#include "oauth/qr.h"

static int runs(const QRcode *q, struct gh_buf *out)
{
    int rc = 0;
    for (int y = 0; rc == 0 && y < q->width; y++) {
        const unsigned char *row = q->data + (size_t)y * (size_t)q->width;
        for (int x = 0; rc == 0 && x < q->width;) {
            if (!(row[x] & 1)) { /* bit 0: dark module */
                x++;
                continue;
            }
            int n = 1;
            while (x + n < q->width && (row[x + n] & 1))
                n++;
            rc = gh_buf_printf(out, "M%d %dh%dv1h-%dz", x + GH_QR_QUIET, y + GH_QR_QUIET, n, n);
            x += n;
        }
    }
    return rc;
}

int gh_qr_svg(const char *text, int px, struct gh_buf *out)
{
    QRcode *q = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (q == NULL)
        return errno == ENOMEM ? GH_ENOMEM : GH_EINVAL;
    int w = q->width + 2 * GH_QR_QUIET;
    int rc =
        gh_buf_printf(out,
                      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" role=\"img\" "
                      "aria-label=\"QR code\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                      "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
                      "fill=\"#fff\"/><path fill=\"#000\" d=\"",
                      px, px, w, w, w, w);
    if (rc == 0)
        rc = runs(q, out);
    if (rc == 0)
        rc = gh_buf_puts(out, "\"/></svg>");
    QRcode_free(q);
    return rc < 0 ? GH_ENOMEM : 0;
}
