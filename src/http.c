/*
 * http.c - the transfer engine (no Lua). See http.h.
 */
#include "http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_HIGH (4u * 1024u * 1024u)  /* pause above this */
#define QUEUE_LOW (1u * 1024u * 1024u)   /* resume below this */
#define QUEUE_MAX (256u * 1024u * 1024u)
#define HEAD_MAX (256u * 1024u)
#define SSE_MAX_LINE_MIN (64u * 1024u)

static struct oc_xfer *active_head;
static long live_count;

long oc_http_live(void)
{
  return live_count;
}

/* errcode_for() - a stable code string for a libcurl result */
static const char *errcode_for(CURLcode rc)
{
  switch(rc) {
  case CURLE_OPERATION_TIMEDOUT:
    return "timeout";
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
    return "dns";
  case CURLE_COULDNT_CONNECT:
    return "connect";
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_USE_SSL_FAILED:
    return "tls";
  case CURLE_PARTIAL_FILE:
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return "closed";
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_BAD_CONTENT_ENCODING:
  case CURLE_TOO_MANY_REDIRECTS:
  case CURLE_UNSUPPORTED_PROTOCOL:
    return "protocol";
  case CURLE_URL_MALFORMAT:
    return "url";
  case CURLE_OUT_OF_MEMORY:
    return "nomem";
  case CURLE_ABORTED_BY_CALLBACK:
    return "cancelled";
  default:
    return "network";
  }
}

static void active_unlink(struct oc_xfer *x)
{
  if(x->prev)
    x->prev->next = x->next;
  else if(active_head == x)
    active_head = x->next;
  if(x->next)
    x->next->prev = x->prev;
  x->prev = x->next = NULL;
}

/* detach() - take an active transfer off the multi handle */
static void detach(struct oc_xfer *x)
{
  const char *err;
  if(x->state != OC_XS_ACTIVE)
    return;
  curl_multi_remove_handle(oc_loop_multi(&err), x->easy);
  oc_loop_count(-1);
  active_unlink(x);
}

void oc_xfer_fail(struct oc_xfer *x, const char *code, const char *msg)
{
  if(x->state == OC_XS_ACTIVE || x->state == OC_XS_NEW) {
    detach(x);
    x->state = OC_XS_FAILED;
    x->errcode = code;
    if(msg != x->errmsg)
      snprintf(x->errmsg, sizeof(x->errmsg), "%s", msg);
    oc_source_notify(&x->src);
  }
}

/* queue_len() - bytes waiting in a stream queue */
static size_t queue_len(const struct oc_xfer *x)
{
  return x->queue.len - x->qread;
}

/* queue_push() - append one record; returns 0 or an OC_BUF_ error */
static int queue_push(struct oc_xfer *x, unsigned int kind,
                      const char *ev, size_t evlen, const char *id,
                      size_t idlen, long retry, const char *data,
                      size_t dlen)
{
  struct oc_rec r;
  int rc;
  r.kind = kind;
  r.event_len = (unsigned int)evlen;
  r.id_len = (unsigned int)idlen;
  r.retry = (int)retry;
  r.data_len = dlen;
  r.pad = kind == OC_REC_EVENT ? 1 : 0;
  rc = oc_buf_append(&x->queue, &r, sizeof(r));
  if(!rc && evlen)
    rc = oc_buf_append(&x->queue, ev, evlen);
  if(!rc && idlen)
    rc = oc_buf_append(&x->queue, id, idlen);
  if(!rc && dlen)
    rc = oc_buf_append(&x->queue, data, dlen);
  if(!rc && r.pad)
    rc = oc_buf_append(&x->queue, "", 1);
  if(rc)
    x->qread = 0;
  return rc;
}

/* on_sse_event() - parser callback: queue the event */
static int on_sse_event(void *ud, const struct oc_sse_event *ev)
{
  struct oc_xfer *x = ud;
  int rc = queue_push(x, OC_REC_EVENT, ev->event, ev->event_len, ev->id,
                      ev->id_len, ev->retry, ev->data, ev->data_len);
  if(rc) {
    x->errcode = rc == OC_BUF_ENOMEM ? "nomem" : "too_large";
    snprintf(x->errmsg, sizeof(x->errmsg),
             "stream queue exceeded its limit");
    return 1;
  }
  return 0;
}

/* feed_sse() - parse bytes into events; 0 ok, -1 failure (errcode set) */
static int feed_sse(struct oc_xfer *x, const char *p, size_t n)
{
  int rc = oc_sse_feed(x->sse, p, n);
  if(rc == OC_SSE_OK)
    return 0;
  if(rc == OC_SSE_ETOOBIG) {
    x->errcode = "too_large";
    snprintf(x->errmsg, sizeof(x->errmsg),
             "SSE line or event larger than %zu bytes", x->max_event);
  }
  else if(rc == OC_SSE_ENOMEM) {
    x->errcode = "nomem";
    snprintf(x->errmsg, sizeof(x->errmsg), "out of memory parsing SSE");
  }
  return -1;
}

/* on_write() - libcurl write callback: no Lua here, ever */
static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
  struct oc_xfer *x = ud;
  size_t n = size * nmemb;
  x->last_activity = oc_now_ms();
  if(x->mode != OC_XM_BUFFER && queue_len(x) > QUEUE_HIGH) {
    x->paused = 1;
    return CURL_WRITEFUNC_PAUSE;
  }
  if(x->max_body && n > x->max_body - x->received) {
    x->errcode = "too_large";
    snprintf(x->errmsg, sizeof(x->errmsg),
             "response body larger than max_body_bytes (%zu)", x->max_body);
    return 0;
  }
  x->received += n;
  if(x->mode == OC_XM_BUFFER) {
    int rc = oc_buf_append(&x->body, p, n);
    if(rc) {
      x->errcode = rc == OC_BUF_ENOMEM ? "nomem" : "too_large";
      snprintf(x->errmsg, sizeof(x->errmsg), "response body too large");
      return 0;
    }
  }
  else if(x->mode == OC_XM_SSE) {
    if(feed_sse(x, p, n))
      return 0;
  }
  else {
    int rc = queue_push(x, OC_REC_CHUNK, NULL, 0, NULL, 0, -1, p, n);
    if(rc) {
      x->errcode = rc == OC_BUF_ENOMEM ? "nomem" : "too_large";
      snprintf(x->errmsg, sizeof(x->errmsg), "stream queue overflow");
      return 0;
    }
  }
  if(x->mode != OC_XM_BUFFER)
    oc_source_notify(&x->src);
  return n;
}

/* on_header() - collect response headers; the final response's blank
   line marks the head as done */
static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
  struct oc_xfer *x = ud;
  size_t n = size * nmemb;
  size_t len = n;
  size_t i, colon;
  x->last_activity = oc_now_ms();
  while(len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
    len--;
  if(len >= 5 && !memcmp(p, "HTTP/", 5)) {
    /* a new status line: forget headers of earlier (1xx) responses */
    oc_buf_reset(&x->head);
    return n;
  }
  if(!len) {
    long code = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    if(code >= 200 || code == 0) {
      x->status = code;
      x->head_done = 1;
      oc_source_notify(&x->src);
    }
    return n;
  }
  for(colon = 0; colon < len && p[colon] != ':'; colon++)
    ;
  if(colon == len)
    return n;    /* folded or malformed line: ignore */
  if(x->head.len + len + 2 > HEAD_MAX)
    return n;    /* ignore headers beyond the cap */
  for(i = 0; i < colon; i++) {
    char c = (char)tolower((unsigned char)p[i]);
    if(oc_buf_append(&x->head, &c, 1))
      return 0;
  }
  if(oc_buf_append(&x->head, "", 1))
    return 0;
  i = colon + 1;
  while(i < len && (p[i] == ' ' || p[i] == '\t'))
    i++;
  while(len > i && (p[len - 1] == ' ' || p[len - 1] == '\t'))
    len--;
  if(oc_buf_append(&x->head, p + i, len - i) ||
     oc_buf_append(&x->head, "", 1))
    return 0;
  return n;
}

/* ca_bundle() - SSL_CERT_FILE / CURL_CA_BUNDLE, as curl(1) honours them */
static const char *ca_bundle(void)
{
  const char *v = getenv("CURL_CA_BUNDLE");
  if(v && *v)
    return v;
  v = getenv("SSL_CERT_FILE");
  if(v && *v)
    return v;
  return NULL;
}

int oc_xfer_init(struct oc_xfer *x, const struct oc_xfer_opts *o,
                 const char **err)
{
  CURL *e;
  const char *ca;
  if(!oc_loop_multi(err))
    return -1;
  memset(x, 0, sizeof(*x));
  e = curl_easy_init();
  if(!e) {
    *err = "libcurl could not create a transfer";
    x->state = OC_XS_CLOSED;
    return -1;
  }
  x->src.ref = -2;
  x->easy = e;
  x->mode = o->stream ? OC_XM_RAW : OC_XM_BUFFER;
  x->state = OC_XS_NEW;
  x->max_body = o->max_body;
  x->max_event = o->max_event;
  x->idle_ms = o->idle_ms;
  oc_buf_init(&x->head, HEAD_MAX);
  oc_buf_init(&x->body, o->max_body ? o->max_body : (size_t)-1);
  oc_buf_init(&x->queue, QUEUE_MAX);

  curl_easy_setopt(e, CURLOPT_URL, o->url);
  curl_easy_setopt(e, CURLOPT_PRIVATE, x);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->curl_err);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "openclaw/" OPENCLAW_VERSION);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 65536L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  ca = ca_bundle();
  if(ca)
    curl_easy_setopt(e, CURLOPT_CAINFO, ca);
  if(o->timeout_ms > 0)
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   o->connect_timeout_ms > 0 ? o->connect_timeout_ms :
                   10000L);
  if(!strcmp(o->method, "GET")) {
    if(o->has_body)
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "GET");
  }
  else if(!strcmp(o->method, "HEAD")) {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  }
  else if(!strcmp(o->method, "POST")) {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
  }
  else {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, o->method);
  }
  if(o->has_body || !strcmp(o->method, "POST")) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)(o->has_body ? o->body_len : 0));
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS,
                     o->has_body ? o->body : "");
  }
  live_count++;
  return 0;
}

int oc_xfer_add_header(struct oc_xfer *x, const char *line)
{
  struct curl_slist *l = curl_slist_append(x->req_headers, line);
  if(!l)
    return -1;
  x->req_headers = l;
  return 0;
}

int oc_xfer_start(struct oc_xfer *x, const char **err)
{
  CURLM *m = oc_loop_multi(err);
  if(!m)
    return -1;
  /* Let libcurl not add "Expect: 100-continue" to large bodies. */
  if(oc_xfer_add_header(x, "Expect:")) {
    *err = "out of memory";
    return -1;
  }
  curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->req_headers);
  if(curl_multi_add_handle(m, x->easy) != CURLM_OK) {
    *err = "libcurl refused the transfer";
    return -1;
  }
  x->state = OC_XS_ACTIVE;
  x->last_activity = oc_now_ms();
  x->next = active_head;
  x->prev = NULL;
  if(active_head)
    active_head->prev = x;
  active_head = x;
  oc_loop_count(1);
  return 0;
}

int oc_xfer_set_mode(struct oc_xfer *x, enum oc_xfer_mode m)
{
  struct oc_buf old;
  size_t off, rd;
  if(x->mode_fixed || x->mode == OC_XM_BUFFER)
    return 0;
  x->mode_fixed = 1;
  if(m == OC_XM_RAW)
    return 0;
  x->sse = oc_sse_new(x->max_event < SSE_MAX_LINE_MIN ? SSE_MAX_LINE_MIN :
                      x->max_event, x->max_event, on_sse_event, x);
  if(!x->sse) {
    oc_xfer_fail(x, "nomem", "out of memory");
    return -1;
  }
  x->mode = OC_XM_SSE;
  /* re-parse the raw chunks that arrived before the mode was chosen */
  old = x->queue;
  rd = x->qread;
  oc_buf_init(&x->queue, QUEUE_MAX);
  x->qread = 0;
  for(off = rd; off < old.len;) {
    struct oc_rec r;
    memcpy(&r, old.data + off, sizeof(r));
    off += sizeof(r);
    if(feed_sse(x, old.data + off, r.data_len)) {
      oc_buf_free(&old);
      oc_xfer_fail(x, x->errcode, x->errmsg);
      return -1;
    }
    off += r.data_len + r.pad;
  }
  oc_buf_free(&old);
  if(x->state == OC_XS_DONE)
    oc_sse_finish(x->sse);
  return 0;
}

int oc_xfer_peek(struct oc_xfer *x, struct oc_rec *r, const char **payload)
{
  if(x->qread >= x->queue.len)
    return 0;
  memcpy(r, x->queue.data + x->qread, sizeof(*r));
  *payload = x->queue.data + x->qread + sizeof(*r);
  return 1;
}

void oc_xfer_drop(struct oc_xfer *x)
{
  struct oc_rec r;
  if(x->qread >= x->queue.len)
    return;
  memcpy(&r, x->queue.data + x->qread, sizeof(r));
  x->qread += sizeof(r) + r.event_len + r.id_len + r.data_len + r.pad;
  if(x->qread >= x->queue.len) {
    x->qread = 0;
    x->queue.len = 0;
  }
  else if(x->qread > QUEUE_LOW && x->qread * 2 > x->queue.len) {
    oc_buf_consume(&x->queue, x->qread);
    x->qread = 0;
  }
  if(x->paused && queue_len(x) < QUEUE_LOW && x->state == OC_XS_ACTIVE) {
    x->paused = 0;
    x->last_activity = oc_now_ms();
    curl_easy_pause(x->easy, CURLPAUSE_CONT);
  }
}

void oc_xfer_close(struct oc_xfer *x)
{
  if(x->state == OC_XS_CLOSED)
    return;
  detach(x);
  x->state = OC_XS_CLOSED;
  curl_easy_cleanup(x->easy);
  x->easy = NULL;
  curl_slist_free_all(x->req_headers);
  x->req_headers = NULL;
  oc_buf_free(&x->head);
  oc_buf_free(&x->body);
  oc_buf_free(&x->queue);
  x->qread = 0;
  oc_sse_free(x->sse);
  x->sse = NULL;
  live_count--;
}

/* on_done() - loop hook: a transfer finished (well or not) */
static void on_done(CURL *easy, CURLcode rc)
{
  struct oc_xfer *x = NULL;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
  if(!x || x->state != OC_XS_ACTIVE)
    return;
  detach(x);
  if(!x->status)
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &x->status);
  if(rc == CURLE_OK) {
    x->state = OC_XS_DONE;
    x->head_done = 1;
    if(x->sse) {
      x->comments = oc_sse_comments(x->sse);
      oc_sse_finish(x->sse);
    }
  }
  else {
    x->state = OC_XS_FAILED;
    if(rc != CURLE_WRITE_ERROR || !x->errcode) {
      const char *detail = x->curl_err[0] ? x->curl_err :
        curl_easy_strerror(rc);
      x->errcode = errcode_for(rc);
      snprintf(x->errmsg, sizeof(x->errmsg), "%s", detail);
    }
  }
  oc_source_notify(&x->src);
}

/* next_deadline() - loop hook: earliest idle deadline of active streams */
static double next_deadline(double now)
{
  struct oc_xfer *x;
  double best = -1;
  (void)now;
  for(x = active_head; x; x = x->next) {
    if(x->idle_ms > 0 && !x->paused) {
      double dl = x->last_activity + x->idle_ms;
      if(best < 0 || dl < best)
        best = dl;
    }
  }
  return best;
}

/* check_deadlines() - loop hook: fail streams idle for too long */
static void check_deadlines(double now)
{
  struct oc_xfer *x = active_head;
  while(x) {
    struct oc_xfer *nx = x->next;
    if(x->idle_ms > 0 && !x->paused &&
       now - x->last_activity >= x->idle_ms) {
      char msg[96];
      snprintf(msg, sizeof(msg), "no data received for %.0f ms",
               x->idle_ms);
      oc_xfer_fail(x, "timeout", msg);
    }
    x = nx;
  }
}

void oc_http_cancel_all(const char *code, const char *msg)
{
  while(active_head)
    oc_xfer_fail(active_head, code, msg);
}

void oc_http_init(void)
{
  static const struct oc_loop_hooks h = {
    on_done, next_deadline, check_deadlines
  };
  oc_loop_set_hooks(&h);
}
