/*
 * QR codes as SVG (qr.c), for the otpauth:// URI of a one-time code
 * enrolment: libqrencode makes the symbol (ISO/IEC 18004, error correction
 * level M, 8-bit data), drawn here as one path of dark modules in a white
 * square with the four-module quiet zone the standard asks for, so the
 * page needs no script and no image fetch (CSP default-src 'none').
 */
#ifndef GH_QR_H
#define GH_QR_H

#include "core/buf.h"

#define GH_QR_QUIET 4 /* modules of white border (ISO/IEC 18004 7.3.7) */

/* Appends an <svg> element drawing text as a QR code, px wide, to out.
 * 0, GH_EINVAL (text too long for any symbol) or GH_ENOMEM. The text
 * itself is not in the output, only its modules. */
int gh_qr_svg(const char *text, int px, struct gh_buf *out);

#endif
