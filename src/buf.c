/*
 * buf.c - growable byte buffer with a hard cap. See buf.h.
 */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

void oc_buf_init(struct oc_buf *b, size_t max)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max;
}

void oc_buf_free(struct oc_buf *b)
{
  free(b->data);
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}

void oc_buf_reset(struct oc_buf *b)
{
  b->len = 0;
}

/* oc_buf_append() appends n bytes; on failure the buffer is freed. */
int oc_buf_append(struct oc_buf *b, const void *p, size_t n)
{
  if(n > b->max - b->len || b->len > b->max) {
    oc_buf_free(b);
    return OC_BUF_ETOOBIG;
  }
  if(b->len + n > b->cap) {
    size_t ncap = b->cap ? b->cap : 256;
    char *nd;
    while(ncap < b->len + n)
      ncap *= 2;
    if(ncap > b->max)
      ncap = b->max;
    nd = realloc(b->data, ncap);
    if(!nd) {
      oc_buf_free(b);
      return OC_BUF_ENOMEM;
    }
    b->data = nd;
    b->cap = ncap;
  }
  if(n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  return OC_BUF_OK;
}

void oc_buf_consume(struct oc_buf *b, size_t n)
{
  if(n >= b->len) {
    b->len = 0;
    return;
  }
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
}
