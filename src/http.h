/*
 * http.h - HTTP transfers on the loop's curl multi handle (no Lua).
 *
 * One engine, two front ends: a "buffer" transfer collects the whole body
 * (openclaw.http.request), a "stream" transfer queues raw chunks or parsed
 * SSE events for Lua to pull (openclaw.http.stream). Completion, new data
 * and failures mark the transfer's source ready (loop.h); Lua then reads
 * the state. Every queue and body has a hard cap; a full stream queue
 * pauses the transfer (backpressure) until Lua drains it.
 */
#ifndef OC_HTTP_H
#define OC_HTTP_H

#include <curl/curl.h>
#include "buf.h"
#include "loop.h"
#include "sse.h"

enum oc_xfer_mode { OC_XM_BUFFER, OC_XM_RAW, OC_XM_SSE };
enum oc_xfer_state { OC_XS_NEW, OC_XS_ACTIVE, OC_XS_DONE, OC_XS_FAILED,
                     OC_XS_CLOSED };

/* Record kinds in the stream queue. */
#define OC_REC_CHUNK 1
#define OC_REC_EVENT 2

/* A queued record: header, then event bytes, id bytes, data bytes and,
   for events, one NUL after the data (so C can parse it in place). */
struct oc_rec {
  unsigned int kind;
  unsigned int event_len;
  unsigned int id_len;
  int retry;
  size_t data_len;
  size_t pad;               /* bytes after the data (0 or 1) */
};

struct oc_xfer {
  struct oc_source src;        /* must stay first */
  CURL *easy;
  struct curl_slist *req_headers;
  enum oc_xfer_mode mode;
  int mode_fixed;              /* RAW chosen explicitly, or SSE */
  enum oc_xfer_state state;
  long status;
  int head_done;
  struct oc_buf head;          /* "name\0value\0" pairs, names lower-case */
  struct oc_buf body;          /* BUFFER mode */
  struct oc_buf queue;         /* RAW/SSE records */
  size_t qread;                /* read offset into queue */
  struct oc_sse *sse;
  size_t max_body;
  size_t received;
  size_t max_event;
  double idle_ms;              /* 0: none */
  double last_activity;
  int paused;
  const char *errcode;         /* stable code string, static */
  char errmsg[256];
  char curl_err[CURL_ERROR_SIZE];
  unsigned long comments;
  struct oc_xfer *prev, *next; /* active list */
};

struct oc_xfer_opts {
  const char *method;
  const char *url;
  const char *body;            /* copied by libcurl */
  size_t body_len;
  int has_body;
  long timeout_ms;             /* 0: none */
  long connect_timeout_ms;     /* 0: default (10 s) */
  double idle_ms;              /* streams: 0 = none */
  size_t max_body;
  size_t max_event;
  int stream;
};

/* Initialise a caller-allocated transfer in place (state NEW). Returns 0,
   or -1 with *err set (x then needs no cleanup). */
int oc_xfer_init(struct oc_xfer *x, const struct oc_xfer_opts *o,
                 const char **err);
/* Add one request header line ("Name: value"). 0 ok, -1 no memory. */
int oc_xfer_add_header(struct oc_xfer *x, const char *line);
/* Start it on the multi handle (state ACTIVE). 0 ok, -1 with *err. */
int oc_xfer_start(struct oc_xfer *x, const char **err);
/* Choose how a stream's bytes are delivered (RAW or SSE); switching an
   undecided stream to SSE re-parses what is queued. 0 ok, -1 failure
   (the transfer is failed with a code). */
int oc_xfer_set_mode(struct oc_xfer *x, enum oc_xfer_mode m);
/* Peek the next queued record: returns 1 and fills *r and *payload
   (event bytes, then id bytes, then data bytes), 0 if empty. */
int oc_xfer_peek(struct oc_xfer *x, struct oc_rec *r, const char **payload);
/* Drop the record returned by peek; may resume a paused transfer. */
void oc_xfer_drop(struct oc_xfer *x);
/* Stop and release curl resources; state CLOSED. Idempotent. */
void oc_xfer_close(struct oc_xfer *x);
/* Fail an active transfer with a code and message (removes it). */
void oc_xfer_fail(struct oc_xfer *x, const char *code, const char *msg);
/* Cancel every active transfer (Ctrl-C). */
void oc_http_cancel_all(const char *code, const char *msg);
/* Register the loop hooks. */
void oc_http_init(void);
/* Number of transfers that are alive (not closed). */
long oc_http_live(void);

#endif
