/*
 * buf.h - growable byte buffer with a hard cap (after curl's dynbuf).
 *
 * Every buffer has a maximum size fixed at init. An append that would pass
 * it, or an allocation failure, frees the buffer, leaves it empty and
 * returns OC_BUF_ETOOBIG / OC_BUF_ENOMEM, so the struct is always in a
 * known state. No Lua in here.
 */
#ifndef OC_BUF_H
#define OC_BUF_H

#include <stddef.h>

#define OC_BUF_OK 0
#define OC_BUF_ETOOBIG 1
#define OC_BUF_ENOMEM 2

struct oc_buf {
  char *data;
  size_t len;
  size_t cap;
  size_t max;
};

void oc_buf_init(struct oc_buf *b, size_t max);
int oc_buf_append(struct oc_buf *b, const void *p, size_t n);
/* Drop the first n bytes (memmove); n <= len. */
void oc_buf_consume(struct oc_buf *b, size_t n);
void oc_buf_reset(struct oc_buf *b);
void oc_buf_free(struct oc_buf *b);

#endif
