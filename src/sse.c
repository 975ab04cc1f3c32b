/*
 * sse.c - incremental Server-Sent-Events parser (WHATWG "event stream
 * interpretation"), no Lua. See sse.h for the public contract.
 *
 * Scanning: line ends are located with memchr() for '\n' and '\r'
 * separately; each search result is cached until the scan position passes
 * it, so every byte of a chunk is examined at most once per character
 * class and there are no per-byte function calls.
 *
 * Copying: a line lying wholly inside the current chunk is parsed in place.
 * The first data line of an event is not copied either: it is "borrowed"
 * (pointer into the chunk or into the partial-line buffer) and handed to
 * the callback directly when the event is dispatched within the same feed.
 * A second data line, or the end of the feed, moves the borrowed bytes into
 * the owned data buffer. Only lines split across feeds are assembled in
 * the partial-line buffer.
 *
 * Caps: a line (excluding its terminator) may hold at most max_line bytes;
 * an event's data as delivered (lines joined by '\n', no final '\n') at
 * most max_event bytes. All buffers grow geometrically up to their cap.
 */
#include "sse.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SSE_MIN_ALLOC 256 /* first allocation of any buffer */
#define SSE_BOM_DONE 3    /* bom state once the stream start is past */

struct oc_sse {
  oc_sse_cb cb;
  void *ud;
  size_t max_line;
  size_t max_event;
  char *line;            /* partial line carried across feeds */
  size_t line_len;
  size_t line_cap;
  char *data;            /* owned data buffer: each line + '\n' */
  size_t data_len;
  size_t data_cap;
  const char *bdata;     /* borrowed first data line, NULL if none */
  size_t bdata_len;
  char *type;            /* event type buffer */
  size_t type_len;
  size_t type_cap;
  char *id;              /* last event ID buffer (persists) */
  size_t id_len;
  size_t id_cap;
  long retry;            /* -1 or the last valid retry of this event */
  unsigned long comments;
  int err;               /* sticky error, OC_SSE_OK while healthy */
  unsigned char bom;     /* BOM bytes matched, SSE_BOM_DONE when past */
  unsigned char last_cr; /* the previous feed ended with a CR line end */
};

static const unsigned char sse_bom[3] = { 0xEF, 0xBB, 0xBF };

/*
 * Make *buf hold at least need bytes (need <= limit), growing the capacity
 * geometrically but never beyond limit. Returns 0, or -1 if realloc failed
 * (then *buf and *cap are unchanged and still owned by the caller).
 */
static int sse_grow(char **buf, size_t *cap, size_t need, size_t limit)
{
  size_t ncap;
  char *nbuf;

  if(need <= *cap)
    return 0;
  ncap = *cap < SSE_MIN_ALLOC ? SSE_MIN_ALLOC : *cap;
  while(ncap < need) {
    if(ncap > limit / 2) {
      ncap = limit;
      break;
    }
    ncap *= 2;
  }
  if(ncap > limit)
    ncap = limit;
  nbuf = realloc(*buf, ncap);
  if(!nbuf)
    return -1;
  *buf = nbuf;
  *cap = ncap;
  return 0;
}

/*
 * Record err as the parser's sticky error and return it.
 */
static int sse_fail(struct oc_sse *p, int err)
{
  p->err = err;
  return err;
}

/*
 * Find the first c in [s, e). Returns its address, or e if there is none.
 */
static const char *sse_find(const char *s, const char *e, int c)
{
  const char *r = memchr(s, c, (size_t)(e - s));
  return r ? r : e;
}

/*
 * Append n bytes to the partial-line buffer, enforcing max_line.
 * Returns OC_SSE_OK, OC_SSE_ETOOBIG or OC_SSE_ENOMEM (buffer unchanged).
 */
static int sse_line_append(struct oc_sse *p, const char *s, size_t n)
{
  if(n > p->max_line - p->line_len)
    return OC_SSE_ETOOBIG;
  if(sse_grow(&p->line, &p->line_cap, p->line_len + n, p->max_line))
    return OC_SSE_ENOMEM;
  memcpy(p->line + p->line_len, s, n);
  p->line_len += n;
  return OC_SSE_OK;
}

/*
 * Copy n bytes into an owned string buffer (event type or id), replacing
 * its contents. n never exceeds max_line (it is part of one line).
 * Returns OC_SSE_OK or OC_SSE_ENOMEM (buffer unchanged).
 */
static int sse_set(struct oc_sse *p, char **buf, size_t *len, size_t *cap,
                   const char *s, size_t n)
{
  if(sse_grow(buf, cap, n, p->max_line))
    return OC_SSE_ENOMEM;
  if(n)
    memcpy(*buf, s, n);
  *len = n;
  return OC_SSE_OK;
}

/*
 * Capacity limit of the owned data buffer: max_event delivered bytes plus
 * the trailing '\n' of the last line (saturating).
 */
static size_t sse_data_limit(const struct oc_sse *p)
{
  return p->max_event < SIZE_MAX ? p->max_event + 1 : SIZE_MAX;
}

/*
 * Move the borrowed data line into the owned data buffer (with its '\n')
 * so that the memory it points to may be reused. Requires p->bdata set
 * and an empty owned buffer. Returns OC_SSE_OK or OC_SSE_ENOMEM.
 */
static int sse_keep(struct oc_sse *p)
{
  size_t limit = sse_data_limit(p);

  if(sse_grow(&p->data, &p->data_cap, p->bdata_len + 1, limit))
    return OC_SSE_ENOMEM;
  if(p->bdata_len)
    memcpy(p->data, p->bdata, p->bdata_len);
  p->data[p->bdata_len] = '\n';
  p->data_len = p->bdata_len + 1;
  p->bdata = NULL;
  return OC_SSE_OK;
}

/*
 * Handle a "data" field value: append it plus '\n' to the data buffer.
 * The first line of an event is only borrowed (see the file comment); v
 * must stay valid until the feed ends or sse_keep() runs.
 * Returns OC_SSE_OK, OC_SSE_ETOOBIG or OC_SSE_ENOMEM.
 */
static int sse_data(struct oc_sse *p, const char *v, size_t n)
{
  size_t limit = sse_data_limit(p);
  int rc;

  if(!p->bdata && !p->data_len) {
    if(n > p->max_event)
      return OC_SSE_ETOOBIG;
    p->bdata = v;
    p->bdata_len = n;
    return OC_SSE_OK;
  }
  if(p->bdata) {
    rc = sse_keep(p);
    if(rc)
      return rc;
  }
  /* delivered length would be data_len + n (the final '\n' is dropped) */
  if(n > p->max_event || p->data_len > p->max_event - n)
    return OC_SSE_ETOOBIG;
  if(sse_grow(&p->data, &p->data_cap, p->data_len + n + 1, limit))
    return OC_SSE_ENOMEM;
  if(n)
    memcpy(p->data + p->data_len, v, n);
  p->data[p->data_len + n] = '\n';
  p->data_len += n + 1;
  return OC_SSE_OK;
}

/*
 * Handle a "retry" field value: if it is a non-empty run of ASCII digits,
 * it becomes the pending event's retry (saturating at LONG_MAX);
 * otherwise the field is ignored.
 */
static void sse_retry(struct oc_sse *p, const char *v, size_t n)
{
  long r = 0;
  size_t i;

  if(!n)
    return;
  for(i = 0; i < n; i++) {
    int d = (unsigned char)v[i] - '0';
    if(d < 0 || d > 9)
      return;
    r = r > (LONG_MAX - d) / 10 ? LONG_MAX : r * 10 + d;
  }
  p->retry = r;
}

/*
 * Dispatch the pending event (blank line). An empty data buffer only
 * resets the event type. Otherwise the callback gets the event, and the
 * data buffer, event type and retry are reset; the id persists.
 * Returns OC_SSE_OK or OC_SSE_ECALLBACK.
 */
static int sse_dispatch(struct oc_sse *p)
{
  struct oc_sse_event ev;
  int rc = 0;

  if(!p->bdata && !p->data_len) {
    p->type_len = 0;
    return OC_SSE_OK;
  }
  if(p->type_len) {
    ev.event = p->type;
    ev.event_len = p->type_len;
  }
  else {
    ev.event = "message";
    ev.event_len = 7;
  }
  if(p->bdata) {
    ev.data = p->bdata;
    ev.data_len = p->bdata_len;
  }
  else {
    ev.data = p->data;
    ev.data_len = p->data_len - 1;
  }
  ev.id = p->id_len ? p->id : "";
  ev.id_len = p->id_len;
  ev.retry = p->retry;
  if(p->cb)
    rc = p->cb(p->ud, &ev);
  p->bdata = NULL;
  p->data_len = 0;
  p->type_len = 0;
  p->retry = -1;
  return rc ? OC_SSE_ECALLBACK : OC_SSE_OK;
}

/*
 * Interpret one complete line of n bytes (terminator excluded, n within
 * max_line). ln must stay valid until the end of the current feed (a data
 * value may be borrowed). Returns an OC_SSE_* code.
 */
static int sse_line(struct oc_sse *p, const char *ln, size_t n)
{
  const char *colon;
  const char *v;
  size_t fn;
  size_t vn;

  if(!n)
    return sse_dispatch(p);
  if(ln[0] == ':') {
    p->comments++;
    return OC_SSE_OK;
  }
  colon = memchr(ln, ':', n);
  if(colon) {
    fn = (size_t)(colon - ln);
    v = colon + 1;
    vn = n - fn - 1;
    if(vn && *v == ' ') {
      v++;
      vn--;
    }
  }
  else {
    fn = n;
    v = ln + n;
    vn = 0;
  }
  if(fn == 4 && !memcmp(ln, "data", 4))
    return sse_data(p, v, vn);
  if(fn == 5 && !memcmp(ln, "event", 5))
    return sse_set(p, &p->type, &p->type_len, &p->type_cap, v, vn);
  if(fn == 2 && ln[0] == 'i' && ln[1] == 'd') {
    if(vn && memchr(v, '\0', vn))
      return OC_SSE_OK;
    return sse_set(p, &p->id, &p->id_len, &p->id_cap, v, vn);
  }
  if(fn == 5 && !memcmp(ln, "retry", 5))
    sse_retry(p, v, vn);
  return OC_SSE_OK;
}

/*
 * Consume a UTF-8 BOM at the start of the stream, which may arrive split
 * over several feeds. On a mismatch the bytes matched so far are ordinary
 * content and go to the partial-line buffer. Advances *s.
 * Returns an OC_SSE_* code.
 */
static int sse_skip_bom(struct oc_sse *p, const char **s, const char *e)
{
  while(*s < e && p->bom < SSE_BOM_DONE) {
    if((unsigned char)**s == sse_bom[p->bom]) {
      p->bom++;
      (*s)++;
    }
    else {
      size_t matched = p->bom;
      p->bom = SSE_BOM_DONE;
      if(matched)
        return sse_line_append(p, (const char *)sse_bom, matched);
    }
  }
  return OC_SSE_OK;
}

/*
 * Create a parser (see sse.h). Only the state block is allocated here;
 * buffers are allocated on first use. cb may be NULL (events are parsed
 * and dropped). Returns NULL on allocation failure.
 */
struct oc_sse *oc_sse_new(size_t max_line, size_t max_event,
                          oc_sse_cb cb, void *ud)
{
  struct oc_sse *p = calloc(1, sizeof(*p));

  if(!p)
    return NULL;
  p->cb = cb;
  p->ud = ud;
  p->max_line = max_line;
  p->max_event = max_event;
  p->retry = -1;
  return p;
}

/*
 * Feed len bytes (see sse.h). Dispatches every event completed by these
 * bytes, in order. Any error is sticky: this and every later feed return
 * it. A NULL parser (failed oc_sse_new) yields OC_SSE_ENOMEM. buf is not
 * referenced after the call returns.
 */
int oc_sse_feed(struct oc_sse *p, const char *buf, size_t len)
{
  const char *s;
  const char *e;
  const char *nl;
  const char *cr;
  int rc;

  if(!p)
    return OC_SSE_ENOMEM;
  if(p->err)
    return p->err;
  if(!len)
    return OC_SSE_OK;
  s = buf;
  e = buf + len;
  if(p->bom < SSE_BOM_DONE) {
    rc = sse_skip_bom(p, &s, e);
    if(rc)
      return sse_fail(p, rc);
  }
  if(p->last_cr && s < e) {
    p->last_cr = 0;
    if(*s == '\n')
      s++;
  }
  nl = sse_find(s, e, '\n');
  cr = sse_find(s, e, '\r');
  while(s < e) {
    const char *eol;
    if(nl < s)
      nl = sse_find(s, e, '\n');
    if(cr < s)
      cr = sse_find(s, e, '\r');
    eol = nl < cr ? nl : cr;
    if(eol == e)
      break;
    if(p->line_len) {
      /* completes a line begun in an earlier feed */
      rc = sse_line_append(p, s, (size_t)(eol - s));
      if(!rc)
        rc = sse_line(p, p->line, p->line_len);
      p->line_len = 0;
    }
    else if((size_t)(eol - s) > p->max_line)
      rc = OC_SSE_ETOOBIG;
    else
      rc = sse_line(p, s, (size_t)(eol - s));
    if(rc)
      return sse_fail(p, rc);
    if(*eol == '\n')
      s = eol + 1;
    else if(eol + 1 < e)
      s = eol + 1 + (eol[1] == '\n');
    else {
      p->last_cr = 1;
      s = e;
    }
  }
  /* the caller's buffer and the line buffer may change after this */
  if(p->bdata) {
    rc = sse_keep(p);
    if(rc)
      return sse_fail(p, rc);
  }
  if(s < e) {
    rc = sse_line_append(p, s, (size_t)(e - s));
    if(rc)
      return sse_fail(p, rc);
  }
  return OC_SSE_OK;
}

/*
 * End of stream (see sse.h): drop the partial line and the pending event,
 * and re-arm BOM detection, so the parser can take the next stream of a
 * reconnection; the last event ID and the comment count persist, as they
 * do for an EventSource. Returns the sticky error or OC_SSE_OK.
 */
int oc_sse_finish(struct oc_sse *p)
{
  if(!p)
    return OC_SSE_ENOMEM;
  p->line_len = 0;
  p->bdata = NULL;
  p->data_len = 0;
  p->type_len = 0;
  p->retry = -1;
  p->last_cr = 0;
  p->bom = 0;
  return p->err;
}

/*
 * Number of comment lines seen since creation; 0 for NULL.
 */
unsigned long oc_sse_comments(const struct oc_sse *p)
{
  return p ? p->comments : 0;
}

/*
 * Release the parser and all its buffers. NULL is a no-op.
 */
void oc_sse_free(struct oc_sse *p)
{
  if(!p)
    return;
  free(p->line);
  free(p->data);
  free(p->type);
  free(p->id);
  free(p);
}
