/*
 * sse.h - incremental Server-Sent-Events parser (WHATWG rules), no Lua.
 *
 * Feed arbitrary byte splits with oc_sse_feed(); every complete event is
 * handed to the callback exactly once. Line ends may be LF, CR or CRLF
 * (a CR at the end of one chunk followed by LF at the start of the next is
 * one line end). A UTF-8 BOM at the very start of the stream is skipped.
 * Comment lines (starting with ':') are counted, not delivered. Field
 * "data" lines are joined with '\n'; "event", "id" (ignored if it contains
 * NUL), "retry" (only ASCII digits) are recorded; an event is dispatched on
 * a blank line if its data buffer is non-empty (WHATWG: empty data buffer
 * => no dispatch, event type reset). An unterminated last event is
 * discarded by oc_sse_finish().
 *
 * Memory: all buffers are owned by the parser, capped by max_line (bytes of
 * one line, without its line end) and max_event (bytes of one event's data
 * as delivered: lines joined with '\n', no final '\n'; an event of exactly
 * max_event bytes is accepted); exceeding a cap makes feed() return
 * OC_SSE_ETOOBIG and leaves the parser in a failed state in which later
 * feeds also fail (call oc_sse_free()). Buffers never shrink before free.
 *
 * Details: a callback stop (OC_SSE_ECALLBACK) is sticky like the other
 * errors and drops the rest of that feed. A retry field survives a blank
 * line without data. oc_sse_finish() re-arms BOM skipping so the parser
 * can take the next stream of a reconnect; the last event id and the
 * comment count carry over (as in a browser's EventSource). ev->id is ""
 * when no id was set; ev->data may point into the caller's chunk. NULL
 * parsers: feed/finish return OC_SSE_ENOMEM, comments() returns 0.
 */
#ifndef OC_SSE_H
#define OC_SSE_H

#include <stddef.h>

#define OC_SSE_OK 0
#define OC_SSE_ETOOBIG 1   /* a line or an event exceeded its cap */
#define OC_SSE_ENOMEM 2    /* allocation failed */
#define OC_SSE_ECALLBACK 3 /* the callback returned non-zero */

struct oc_sse_event {
  const char *event;   /* event type; "message" when none was given */
  size_t event_len;
  const char *data;    /* joined data lines, not NUL-terminated */
  size_t data_len;
  const char *id;      /* last event id (persists across events per spec) */
  size_t id_len;
  long retry;          /* -1 when this event carried no valid retry field */
};

/* Called once per complete event; the pointers are valid only during the
   call. Return 0 to continue, non-zero to stop (feed returns ECALLBACK). */
typedef int (*oc_sse_cb)(void *ud, const struct oc_sse_event *ev);

struct oc_sse;

/* Create a parser. Returns NULL on allocation failure. */
struct oc_sse *oc_sse_new(size_t max_line, size_t max_event,
                          oc_sse_cb cb, void *ud);
/* Feed len bytes (not NUL-terminated; may split anywhere). */
int oc_sse_feed(struct oc_sse *p, const char *buf, size_t len);
/* End of stream: discard any partial line/event. Returns OC_SSE_OK or the
   sticky error. */
int oc_sse_finish(struct oc_sse *p);
/* Number of comment lines seen so far. */
unsigned long oc_sse_comments(const struct oc_sse *p);
/* Free the parser (NULL is fine). */
void oc_sse_free(struct oc_sse *p);

#endif
