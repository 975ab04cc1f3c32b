/*
 * test_sse.c - unit tests for the SSE parser (src/sse.c).
 *
 * Every fixture is fed at every fixed split size 1..len, at every single
 * cut point, and in irregular random patterns (with empty feeds mixed in);
 * each run must produce the identical event transcript, comment count and
 * status. Each chunk is copied into its own heap block that is poisoned
 * and freed right after the feed, so a parser that keeps pointing into a
 * caller's buffer is caught by ASan/valgrind (and usually by the
 * transcript). A straightforward reference parser checks random token
 * streams the same way.
 */
#include "sse.h"
#include "unit.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- growable byte buffer (test helper) ---- */

struct buf {
  char *p;
  size_t n;
  size_t cap;
};

/*
 * Append n bytes to b. Exits the test program with status 2 if memory
 * runs out (test infrastructure failure, not a parser failure).
 */
static void buf_add(struct buf *b, const void *s, size_t n)
{
  if(b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    char *np;
    while(cap < b->n + n)
      cap *= 2;
    np = realloc(b->p, cap);
    if(!np) {
      fprintf(stderr, "test_sse: out of memory\n");
      exit(2);
    }
    b->p = np;
    b->cap = cap;
  }
  if(n)
    memcpy(b->p + b->n, s, n);
  b->n += n;
}

/*
 * Release b's memory and empty it.
 */
static void buf_free(struct buf *b)
{
  free(b->p);
  b->p = NULL;
  b->n = 0;
  b->cap = 0;
}

/* ---- event transcripts ---- */

/*
 * Append a length-prefixed field "<tag><len>:<bytes>" to transcript t.
 */
static void tr_field(struct buf *t, char tag, const char *s, size_t n)
{
  char hdr[32];
  int k = snprintf(hdr, sizeof(hdr), "%c%zu:", tag, n);
  buf_add(t, hdr, (size_t)k);
  buf_add(t, s, n);
}

/*
 * Append one event (type, data, id, retry) to transcript t in a form that
 * is unambiguous for arbitrary bytes and readable when printed.
 */
static void tr_event(struct buf *t, const char *ev, size_t evn,
                     const char *d, size_t dn, const char *id, size_t idn,
                     long retry)
{
  char r[40];
  int k;

  tr_field(t, 'E', ev, evn);
  tr_field(t, 'D', d, dn);
  tr_field(t, 'I', id, idn);
  k = snprintf(r, sizeof(r), "R%ld;\n", retry);
  buf_add(t, r, (size_t)k);
}

/* ---- expectations ---- */

struct exp_ev {
  const char *event; /* NULL ends a list */
  const char *data;
  size_t data_len;
  const char *id;
  size_t id_len;
  long retry;
};

#define EV(t, d, i, r) { t, d, sizeof(d) - 1, i, sizeof(i) - 1, r }
#define MSG(d) EV("message", d, "", -1)
#define END { NULL, NULL, 0, NULL, 0, 0 }
#define EVS(...) ((const struct exp_ev[]){ __VA_ARGS__, END })
#define NOEVS ((const struct exp_ev[]){ END })

/*
 * Build the transcript of an expected event list into t.
 */
static void tr_expected(struct buf *t, const struct exp_ev *ev)
{
  for(; ev->event; ev++)
    tr_event(t, ev->event, strlen(ev->event), ev->data, ev->data_len,
             ev->id, ev->id_len, ev->retry);
}

/* parser configuration for one run */
struct cfg {
  size_t max_line;
  size_t max_event;
  unsigned long stop_at; /* callback returns 1 at this event, 0 = never */
};

static const struct cfg cfg_default = { 1 << 20, 1 << 24, 0 };

/* outcome of one run, compared across split patterns */
struct outcome {
  struct buf tr;
  unsigned long comments;
  int rc;     /* first non-OK status of any call, else OC_SSE_OK */
  int sticky; /* every call after the first error returned it again */
};

/* ---- running the parser ---- */

struct recorder {
  struct buf *tr;
  unsigned long nev;
  unsigned long stop_at;
};

/*
 * Parser callback: append the event to the recorder's transcript; ask the
 * parser to stop at event number stop_at.
 */
static int record_cb(void *ud, const struct oc_sse_event *ev)
{
  struct recorder *r = ud;

  UT_CHECK(ev->event && ev->data && ev->id);
  tr_event(r->tr, ev->event, ev->event_len, ev->data, ev->data_len, ev->id,
           ev->id_len, ev->retry);
  r->nev++;
  return r->stop_at && r->nev == r->stop_at;
}

/*
 * Feed in[0..len) to a fresh parser in chunks of the given sizes (which
 * sum to len; zeros allowed), then finish; fill *o. Each chunk lives in a
 * private heap block that is poisoned and freed after its feed.
 */
static void run_chunks(const struct cfg *c, const char *in, size_t len,
                       const size_t *sizes, size_t nsizes,
                       struct outcome *o)
{
  struct recorder r;
  struct oc_sse *p;
  size_t off = 0;
  size_t i;
  int rc;

  memset(o, 0, sizeof(*o));
  o->sticky = 1;
  r.tr = &o->tr;
  r.nev = 0;
  r.stop_at = c->stop_at;
  p = oc_sse_new(c->max_line, c->max_event, record_cb, &r);
  if(!UT_CHECK(p))
    return;
  for(i = 0; i < nsizes; i++) {
    char *chunk = malloc(sizes[i] ? sizes[i] : 1);
    if(!chunk) {
      fprintf(stderr, "test_sse: out of memory\n");
      exit(2);
    }
    memcpy(chunk, in + off, sizes[i]);
    rc = oc_sse_feed(p, chunk, sizes[i]);
    memset(chunk, 0xA5, sizes[i]);
    free(chunk);
    off += sizes[i];
    if(o->rc == OC_SSE_OK)
      o->rc = rc;
    else if(rc != o->rc)
      o->sticky = 0;
  }
  UT_CHECK(off == len);
  rc = oc_sse_finish(p);
  if(o->rc == OC_SSE_OK)
    o->rc = rc;
  else if(rc != o->rc)
    o->sticky = 0;
  if(o->rc != OC_SSE_OK) {
    /* a failed parser stays failed and delivers nothing more */
    if(oc_sse_feed(p, "data: z\n\n", 9) != o->rc)
      o->sticky = 0;
  }
  o->comments = oc_sse_comments(p);
  oc_sse_free(p);
}

/* ---- split patterns ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/*
 * Deterministic xorshift64* generator for split patterns and fuzz input.
 */
static uint64_t rng(void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Dull;
}

/*
 * Fill sizes with chunks of k bytes (the last may be shorter) covering
 * len bytes. Returns the count; sizes must hold len + 1 entries.
 */
static size_t split_fixed(size_t *sizes, size_t len, size_t k)
{
  size_t n = 0;
  size_t off;

  for(off = 0; off < len; off += k)
    sizes[n++] = len - off < k ? len - off : k;
  return n;
}

/*
 * Fill sizes with an irregular pattern: chunk lengths drawn from 0..max
 * (so empty feeds occur). Returns the count; sizes must hold
 * 2 * len + 2 entries.
 */
static size_t split_random(size_t *sizes, size_t len, size_t max)
{
  size_t n = 0;
  size_t left = len;

  while(left) {
    size_t k = (size_t)(rng() % (max + 1));
    if(k > left)
      k = left;
    if(!k && n && !sizes[n - 1])
      k = 1; /* no two empty feeds in a row keeps the count bounded */
    sizes[n++] = k;
    left -= k;
  }
  sizes[n++] = 0; /* trailing empty feed */
  return n;
}

struct expect {
  const char *tr;
  size_t tr_len;
  unsigned long comments;
  int rc;
};

static unsigned long runs_total;

/*
 * Run one split pattern and compare its outcome with x. desc names the
 * pattern in failure messages.
 */
static void check_run(const char *name, const char *desc, const struct cfg *c,
                      const char *in, size_t len, const size_t *sizes,
                      size_t nsizes, const struct expect *x)
{
  struct outcome o;

  ut_context("fixture '%s', %s", name, desc);
  run_chunks(c, in, len, sizes, nsizes, &o);
  runs_total++;
  if(!UT_CHECK_MEM(o.tr.p, o.tr.n, x->tr, x->tr_len)) {
    if(ut_failures <= 3)
      fprintf(stderr, "--- got:\n%.*s--- want:\n%.*s---\n", (int)o.tr.n,
              o.tr.p ? o.tr.p : "", (int)x->tr_len, x->tr);
  }
  UT_CHECK(o.comments == x->comments);
  UT_CHECK(o.rc == x->rc);
  UT_CHECK(o.sticky);
  buf_free(&o.tr);
}

/*
 * Check in[0..len) against x under every fixed split size 1..len, every
 * single cut point, the whole input at once and nrandom irregular
 * patterns.
 */
static void check_splits(const char *name, const struct cfg *c,
                         const char *in, size_t len, const struct expect *x,
                         int nrandom)
{
  size_t *sizes = malloc((2 * len + 2) * sizeof(*sizes));
  size_t n;
  size_t k;
  char desc[64];
  int i;

  if(!sizes) {
    fprintf(stderr, "test_sse: out of memory\n");
    exit(2);
  }
  sizes[0] = len;
  check_run(name, "whole", c, in, len, sizes, 1, x);
  for(k = 1; k <= len; k++) {
    n = split_fixed(sizes, len, k);
    snprintf(desc, sizeof(desc), "fixed split %zu", k);
    check_run(name, desc, c, in, len, sizes, n, x);
  }
  for(k = 0; k <= len; k++) {
    sizes[0] = k;
    sizes[1] = len - k;
    snprintf(desc, sizeof(desc), "cut at %zu", k);
    check_run(name, desc, c, in, len, sizes, 2, x);
  }
  for(i = 0; i < nrandom; i++) {
    static const size_t maxes[] = { 1, 2, 3, 5, 8, 17, 64 };
    size_t max = maxes[i % (int)(sizeof(maxes) / sizeof(maxes[0]))];
    n = split_random(sizes, len, max);
    snprintf(desc, sizeof(desc), "random pattern %d (max %zu)", i, max);
    check_run(name, desc, c, in, len, sizes, n, x);
  }
  free(sizes);
}

/* ---- fixtures ---- */

struct fixture {
  const char *name;
  const char *in;
  size_t len;
  unsigned long comments;
  const struct exp_ev *ev;
};

#define FX(name, in, comments, evs) { name, in, sizeof(in) - 1, comments, evs }

/* realistic OpenRouter chat-completion chunks */
#define OR_HEAD "{\"id\":\"gen-1\",\"provider\":\"Anthropic\"," \
  "\"model\":\"anthropic/claude-sonnet-4.5\",\"object\":" \
  "\"chat.completion.chunk\",\"created\":1732000000,\"choices\":"
#define OR1 OR_HEAD "[{\"index\":0,\"delta\":{\"role\":\"assistant\"," \
  "\"content\":\"h\xC3\xA9\"},\"finish_reason\":null}]}"
#define OR2 OR_HEAD "[{\"index\":0,\"delta\":{\"role\":\"assistant\"," \
  "\"content\":\"llo \xF0\x9F\x91\x8B \xE2\x82\xAC\"}," \
  "\"finish_reason\":null}]}"
#define OR3 OR_HEAD "[{\"index\":0,\"delta\":{\"role\":\"assistant\"," \
  "\"content\":\"\"},\"finish_reason\":\"stop\"}],\"usage\":" \
  "{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}"
#define OR_PROC ": OPENROUTER PROCESSING"

static const struct fixture fixtures[] = {
  FX("empty input", "", 0, NOEVS),
  FX("lf", "data: hello\n\n", 0, EVS(MSG("hello"))),
  FX("cr", "data: a\r\rdata: b\r\r", 0, EVS(MSG("a"), MSG("b"))),
  FX("crlf", "data: a\r\n\r\ndata: b\r\n\r\n", 0, EVS(MSG("a"), MSG("b"))),
  FX("mixed line ends", "data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r\n",
     0, EVS(MSG("a\nb\nc"), MSG("d"))),
  FX("cr cr lf", "data: a\r\r\ndata: b\n\r\r\n", 0,
     EVS(MSG("a"), MSG("b"))),
  FX("lf cr is two ends", "data: a\n\rdata: b\n\n", 0,
     EVS(MSG("a"), MSG("b"))),
  FX("no space", "data:x\n\n", 0, EVS(MSG("x"))),
  FX("one space", "data: x\n\n", 0, EVS(MSG("x"))),
  FX("two spaces keep one", "data:  x\n\n", 0, EVS(MSG(" x"))),
  FX("tab is not stripped", "data:\tx\n\n", 0, EVS(MSG("\tx"))),
  FX("trailing space kept", "data: x \n\n", 0, EVS(MSG("x "))),
  FX("empty value", "data:\n\ndata: \n\n", 0, EVS(MSG(""), MSG(""))),
  FX("colon in value", "data: a:b: c\n\n", 0, EVS(MSG("a:b: c"))),
  FX("multi-line data", "data: l1\ndata: l2\ndata:\ndata: l4\n\n", 0,
     EVS(MSG("l1\nl2\n\nl4"))),
  FX("spec YHOO", "data: YHOO\ndata: +2\ndata: 10\n\n", 0,
     EVS(MSG("YHOO\n+2\n10"))),
  FX("spec stream", ": test stream\n\ndata: first event\nid: 1\n\n"
     "data:second event\nid\n\ndata:  third event\n", 1,
     EVS(EV("message", "first event", "1", -1),
         EV("message", "second event", "", -1))),
  FX("spec two test", "data:test\n\ndata: test\n\n", 0,
     EVS(MSG("test"), MSG("test"))),
  FX("field without colon", "data\n\ndata\ndata\n\ndata:", 0,
     EVS(MSG(""), MSG("\n"))),
  FX("event id retry", "event: update\nid: 42\nretry: 1500\ndata: x\n\n",
     0, EVS(EV("update", "x", "42", 1500))),
  FX("fields after data", "data: x\nevent: late\nid: 9\nretry: 7\n\n", 0,
     EVS(EV("late", "x", "9", 7))),
  FX("event type reset", "event: e1\ndata: a\n\ndata: b\n\n", 0,
     EVS(EV("e1", "a", "", -1), MSG("b"))),
  FX("event type reset by empty dispatch", "event: e1\n\ndata: a\n\n", 0,
     EVS(MSG("a"))),
  FX("empty event type", "event: x\nevent:\ndata: a\n\n", 0,
     EVS(MSG("a"))),
  FX("event colon value", "event: a:b\ndata: 1\n\n", 0,
     EVS(EV("a:b", "1", "", -1))),
  FX("id persists", "id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n", 0,
     EVS(EV("message", "a", "7", -1), EV("message", "b", "7", -1),
         MSG("c"))),
  FX("id without data", "id: 3\n\ndata: x\n\n", 0,
     EVS(EV("message", "x", "3", -1))),
  FX("id no space", "id:5\ndata: x\n\n", 0,
     EVS(EV("message", "x", "5", -1))),
  FX("id with nul ignored", "id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n", 0,
     EVS(EV("message", "a", "1", -1), EV("message", "b", "1", -1))),
  FX("id last wins", "id: 1\nid: 2\ndata: a\n\n", 0,
     EVS(EV("message", "a", "2", -1))),
  FX("retry non-digits ignored",
     "retry: 12a\ndata: a\n\nretry: -5\ndata: b\n\nretry:\ndata: c\n\n"
     "retry: 3000\nretry: x\ndata: d\n\ndata: e\n\nretry: 1 \ndata: f\n\n",
     0, EVS(MSG("a"), MSG("b"), MSG("c"), EV("message", "d", "", 3000),
            MSG("e"), MSG("f"))),
  FX("retry forms", "retry:0\ndata: a\n\nretry: 007\ndata: b\n\n"
     "retry:  5\ndata: c\n\n", 0,
     EVS(EV("message", "a", "", 0), EV("message", "b", "", 7), MSG("c"))),
  FX("retry saturates", "retry: 99999999999999999999999999\ndata: a\n\n",
     0, EVS(EV("message", "a", "", LONG_MAX))),
  FX("retry kept until dispatch", "retry: 5\n\ndata: a\n\ndata: b\n\n", 0,
     EVS(EV("message", "a", "", 5), MSG("b"))),
  FX("bom", "\xEF\xBB\xBF" "data: a\n\n", 0, EVS(MSG("a"))),
  FX("bom then blank", "\xEF\xBB\xBF\n\ndata: a\n\n", 0, EVS(MSG("a"))),
  FX("bom only", "\xEF\xBB\xBF", 0, NOEVS),
  FX("double bom", "\xEF\xBB\xBF\xEF\xBB\xBF" "data: a\n\ndata: b\n\n", 0,
     EVS(MSG("b"))),
  FX("partial bom is content", "\xEF\xBB" "data: a\n\ndata: b\n\n", 0,
     EVS(MSG("b"))),
  FX("partial bom then lf", "\xEF\xBB\ndata: a\n\n", 0, EVS(MSG("a"))),
  FX("bom in value", "data: \xEF\xBB\xBF\n\n", 0, EVS(MSG("\xEF\xBB\xBF"))),
  FX("bom not at start", "data: a\n\n\xEF\xBB\xBF" "data: b\n\n", 0,
     EVS(MSG("a"))),
  FX("comments", OR_PROC "\n\ndata: x\n\n:\n:c2\r\n", 3, EVS(MSG("x"))),
  FX("comment inside event", "data: a\n: keep-alive\ndata: b\n\n", 1,
     EVS(MSG("a\nb"))),
  FX("comment only stream", ": one\n: two\r: three\r\n", 3, NOEVS),
  FX("unknown fields ignored",
     "foo: bar\ndata: a\nDATA: b\nData: c\n data: d\ndata : e\n\n", 0,
     EVS(MSG("a"))),
  FX("unterminated event discarded", "data: a\n\ndata: b\n", 0,
     EVS(MSG("a"))),
  FX("unterminated line discarded", "data: a\n\ndata: b", 0,
     EVS(MSG("a"))),
  FX("single unterminated line", "data: a", 0, NOEVS),
  FX("trailing cr dispatches", "data: a\r\r", 0, EVS(MSG("a"))),
  FX("empty lines only", "\n\n\r\n\r\r\n\n", 0, NOEVS),
  FX("utf-8", "data: h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xE4\xB8\xAD\n\n",
     0, EVS(MSG("h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xE4\xB8\xAD"))),
  FX("invalid utf-8 passes", "data: \xFF\xFE\xC3\n\n", 0,
     EVS(MSG("\xFF\xFE\xC3"))),
  FX("nul in data", "data: a\0b\n\n", 0, EVS(MSG("a\0b"))),
  FX("long event", "data: 0123456789abcdef0123456789abcdef"
     "0123456789abcdef0123456789abcdef\ndata: 0123456789abcdef"
     "0123456789abcdef\r\n\r\n", 0,
     EVS(MSG("0123456789abcdef0123456789abcdef0123456789abcdef"
             "0123456789abcdef\n0123456789abcdef0123456789abcdef"))),
  FX("openrouter stream",
     OR_PROC "\n\n" "data: " OR1 "\n\n" OR_PROC "\n\n" "data: " OR2 "\n\n"
     "data: " OR3 "\n\n" "data: [DONE]\n\n", 2,
     EVS(MSG(OR1), MSG(OR2), MSG(OR3), MSG("[DONE]"))),
  FX("openrouter stream crlf",
     OR_PROC "\r\n\r\n" "data: " OR1 "\r\n\r\n" "data: " OR2 "\r\n\r\n"
     "data: [DONE]\r\n\r\n", 1,
     EVS(MSG(OR1), MSG(OR2), MSG("[DONE]"))),
  FX("openai style named events",
     "event: response.output_text.delta\ndata: {\"delta\":\"Hi\"}\n\n"
     "event: response.completed\ndata: {\"status\":\"done\"}\n\n", 0,
     EVS(EV("response.output_text.delta", "{\"delta\":\"Hi\"}", "", -1),
         EV("response.completed", "{\"status\":\"done\"}", "", -1))),
};

/*
 * Run every fixture under every split pattern with default caps.
 */
static void test_fixtures(void)
{
  size_t i;

  for(i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
    const struct fixture *f = &fixtures[i];
    struct buf t = { NULL, 0, 0 };
    struct expect x;
    tr_expected(&t, f->ev);
    x.tr = t.p ? t.p : "";
    x.tr_len = t.n;
    x.comments = f->comments;
    x.rc = OC_SSE_OK;
    check_splits(f->name, &cfg_default, f->in, f->len, &x, 48);
    buf_free(&t);
  }
}

/* ---- caps and callback stop ---- */

struct limit_case {
  const char *name;
  struct cfg cfg;
  const char *in;
  size_t len;
  unsigned long comments;
  int rc;
  const struct exp_ev *ev;
};

#define LC(name, ml, me, stop, in, comments, rc, evs)                   \
  { name, { ml, me, stop }, in, sizeof(in) - 1, comments, rc, evs }

static const struct limit_case limit_cases[] = {
  LC("line at cap", 10, 100, 0, "data: 1234\n\n", 0, OC_SSE_OK,
     EVS(MSG("1234"))),
  LC("line over cap", 10, 100, 0, "data: a\n\ndata: 12345\n\ndata: b\n\n",
     0, OC_SSE_ETOOBIG, EVS(MSG("a"))),
  LC("crlf line at cap", 10, 100, 0, "data: 1234\r\n\r\n", 0, OC_SSE_OK,
     EVS(MSG("1234"))),
  LC("comment over cap", 10, 100, 0, ": c\n: 123456789\ndata: a\n\n", 1,
     OC_SSE_ETOOBIG, NOEVS),
  LC("unterminated line over cap", 10, 100, 0, "data: a\n\ndata: 123456789",
     0, OC_SSE_ETOOBIG, EVS(MSG("a"))),
  LC("unterminated line at cap", 10, 100, 0, "data: a\n\ndata: 1234", 0,
     OC_SSE_OK, EVS(MSG("a"))),
  LC("partial bom counts toward line", 2, 100, 0, "\xEF\xBBx\n", 0,
     OC_SSE_ETOOBIG, NOEVS),
  LC("event at cap", 100, 5, 0, "data: 12345\n\ndata: 12\ndata: 34\n\n", 0,
     OC_SSE_OK, EVS(MSG("12345"), MSG("12\n34"))),
  LC("single line event over cap", 100, 5, 0,
     "data: a\n\ndata: 123456\n\ndata: b\n\n", 0, OC_SSE_ETOOBIG,
     EVS(MSG("a"))),
  LC("joined event over cap", 100, 5, 0, "data: 12\ndata: 345\n\n", 0,
     OC_SSE_ETOOBIG, NOEVS),
  LC("newlines count toward event", 100, 5, 0,
     "data\ndata\ndata\ndata\ndata\ndata\n\n"
     "data\ndata\ndata\ndata\ndata\ndata\ndata\n\n", 0, OC_SSE_ETOOBIG,
     EVS(MSG("\n\n\n\n\n"))),
  LC("zero event cap", 100, 0, 0, "data\n\ndata\ndata\n\n", 0,
     OC_SSE_ETOOBIG, EVS(MSG(""))),
  LC("event cap reset per event", 100, 4, 0,
     "data: 1234\n\ndata: 5678\n\ndata: 12\ndata: 3\n\n", 0, OC_SSE_OK,
     EVS(MSG("1234"), MSG("5678"), MSG("12\n3"))),
  LC("callback stop", 100, 100, 2,
     "data: a\n\n: c\ndata: b\n\n: d\ndata: c\n\n", 1, OC_SSE_ECALLBACK,
     EVS(MSG("a"), MSG("b"))),
  LC("callback stop first", 100, 100, 1, "data: a\r\n\r\ndata: b\r\n\r\n", 0,
     OC_SSE_ECALLBACK, EVS(MSG("a"))),
};

/*
 * Caps (ETOOBIG), callback stop (ECALLBACK): same events, comments and
 * sticky status under every split pattern.
 */
static void test_limits(void)
{
  size_t i;

  for(i = 0; i < sizeof(limit_cases) / sizeof(limit_cases[0]); i++) {
    const struct limit_case *lc = &limit_cases[i];
    struct buf t = { NULL, 0, 0 };
    struct expect x;
    tr_expected(&t, lc->ev);
    x.tr = t.p ? t.p : "";
    x.tr_len = t.n;
    x.comments = lc->comments;
    x.rc = lc->rc;
    check_splits(lc->name, &lc->cfg, lc->in, lc->len, &x, 48);
    buf_free(&t);
  }
}

/* ---- reference parser and random streams ---- */

/*
 * Straightforward whole-input implementation of the WHATWG rules (with
 * the parser's retry convention), used as the oracle for random streams.
 * Appends the events to t and returns the comment count.
 */
static unsigned long ref_parse(const char *in, size_t len, struct buf *t)
{
  struct buf data = { NULL, 0, 0 };
  struct buf type = { NULL, 0, 0 };
  struct buf id = { NULL, 0, 0 };
  unsigned long comments = 0;
  long retry = -1;
  size_t i = 0;

  if(len >= 3 && !memcmp(in, "\xEF\xBB\xBF", 3))
    i = 3;
  for(;;) {
    size_t start = i;
    size_t n;
    size_t fn;
    const char *ln;
    const char *v;
    size_t vn;
    while(i < len && in[i] != '\r' && in[i] != '\n')
      i++;
    if(i == len)
      break; /* unterminated line: discarded with the pending event */
    ln = in + start;
    n = i - start;
    if(in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
      i++;
    i++;
    if(!n) {
      if(data.n) {
        tr_event(t, type.n ? type.p : "message", type.n ? type.n : 7,
                 data.p, data.n - 1, id.p ? id.p : "", id.n, retry);
        retry = -1;
      }
      data.n = 0;
      type.n = 0;
      continue;
    }
    if(ln[0] == ':') {
      comments++;
      continue;
    }
    v = memchr(ln, ':', n);
    if(v) {
      fn = (size_t)(v - ln);
      v++;
      vn = n - fn - 1;
      if(vn && v[0] == ' ') {
        v++;
        vn--;
      }
    }
    else {
      fn = n;
      v = ln + n;
      vn = 0;
    }
    if(fn == 4 && !memcmp(ln, "data", 4)) {
      buf_add(&data, v, vn);
      buf_add(&data, "\n", 1);
    }
    else if(fn == 5 && !memcmp(ln, "event", 5)) {
      type.n = 0;
      buf_add(&type, v, vn);
    }
    else if(fn == 2 && !memcmp(ln, "id", 2)) {
      if(!memchr(v, '\0', vn)) {
        id.n = 0;
        buf_add(&id, v, vn);
      }
    }
    else if(fn == 5 && !memcmp(ln, "retry", 5) && vn) {
      size_t k;
      long r = 0;
      for(k = 0; k < vn && v[k] >= '0' && v[k] <= '9'; k++)
        r = r > (LONG_MAX - (v[k] - '0')) / 10 ? LONG_MAX :
          r * 10 + (v[k] - '0');
      if(k == vn)
        retry = r;
    }
  }
  buf_free(&data);
  buf_free(&type);
  buf_free(&id);
  return comments;
}

static const char *const fuzz_tokens[] = {
  "data", "data:", "data: ", ":", " ", "event", "event:", "event: ",
  "id", "id:", "id: ", "retry", "retry:", "retry: ", "123", "7", "x",
  "h\xC3\xA9", "\xC3", "\xA9", "\xF0\x9F\x98", "\x80", "\0", "\r", "\n",
  "\r\n", "\n\n", "\r\n\r\n", "\xEF\xBB\xBF", "\xEF", "{\"a\":[1,2]}",
  OR_PROC, "message", "[DONE]", "  ",
};

/*
 * Append a random token stream of up to maxtok tokens to b.
 */
static void fuzz_stream(struct buf *b, int maxtok)
{
  int ntok = (int)(rng() % (uint64_t)(maxtok + 1));
  int i;
  size_t nt = sizeof(fuzz_tokens) / sizeof(fuzz_tokens[0]);

  if(rng() % 4 == 0)
    buf_add(b, "\xEF\xBB\xBF", 3);
  for(i = 0; i < ntok; i++) {
    size_t k = (size_t)(rng() % nt);
    /* "\0" is the only token with an embedded NUL */
    buf_add(b, fuzz_tokens[k], fuzz_tokens[k][0] ? strlen(fuzz_tokens[k])
            : 1);
    if(rng() % 3 == 0)
      buf_add(b, "\n", 1);
  }
}

/*
 * Random token streams: parser == reference under whole, 1-byte, every
 * cut point and random splits.
 */
static void test_fuzz(void)
{
  int iter;

  for(iter = 0; iter < 3000; iter++) {
    struct buf in = { NULL, 0, 0 };
    struct buf t = { NULL, 0, 0 };
    struct expect x;
    char name[32];
    fuzz_stream(&in, 60);
    x.comments = ref_parse(in.p ? in.p : "", in.n, &t);
    x.tr = t.p ? t.p : "";
    x.tr_len = t.n;
    x.rc = OC_SSE_OK;
    snprintf(name, sizeof(name), "fuzz %d", iter);
    if(iter < 300)
      check_splits(name, &cfg_default, in.p ? in.p : "", in.n, &x, 4);
    else {
      size_t *sizes = malloc((2 * in.n + 2) * sizeof(*sizes));
      size_t n;
      if(!sizes)
        exit(2);
      sizes[0] = in.n;
      check_run(name, "whole", &cfg_default, in.p ? in.p : "", in.n,
                sizes, 1, &x);
      n = split_fixed(sizes, in.n, 1);
      check_run(name, "fixed split 1", &cfg_default, in.p ? in.p : "",
                in.n, sizes, n, &x);
      n = split_random(sizes, in.n, 9);
      check_run(name, "random", &cfg_default, in.p ? in.p : "", in.n,
                sizes, n, &x);
      free(sizes);
    }
    buf_free(&in);
    buf_free(&t);
  }
}

/*
 * Large events: many-line and single-line data of hundreds of KiB, fed
 * at awkward chunk sizes, against the reference.
 */
static void test_large(void)
{
  struct buf in = { NULL, 0, 0 };
  struct buf t = { NULL, 0, 0 };
  struct expect x;
  size_t *sizes;
  size_t n;
  size_t i;
  static const size_t steps[] = { 1, 4093, 16384, 65536 };

  for(i = 0; i < 200; i++) {
    char line[1200];
    size_t k = (size_t)(rng() % sizeof(line));
    size_t j;
    for(j = 0; j < k; j++)
      line[j] = (char)('a' + rng() % 26);
    buf_add(&in, "data: ", 6);
    buf_add(&in, line, k);
    buf_add(&in, i % 3 ? "\n" : "\r\n", i % 3 ? 1 : 2);
    if(i % 50 == 49)
      buf_add(&in, "\n", 1);
  }
  buf_add(&in, "data: ", 6);
  for(i = 0; i < 300000; i++)
    buf_add(&in, i % 7 ? "y" : "\xC3\xA9", i % 7 ? 1 : 2);
  buf_add(&in, "\r\r", 2);
  x.comments = ref_parse(in.p, in.n, &t);
  x.tr = t.p;
  x.tr_len = t.n;
  x.rc = OC_SSE_OK;
  UT_CHECK(t.n > 300000);
  sizes = malloc((2 * in.n + 2) * sizeof(*sizes));
  if(!sizes)
    exit(2);
  for(i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    char desc[32];
    n = split_fixed(sizes, in.n, steps[i]);
    snprintf(desc, sizeof(desc), "fixed split %zu", steps[i]);
    check_run("large", desc, &cfg_default, in.p, in.n, sizes, n, &x);
  }
  n = split_random(sizes, in.n, 3000);
  check_run("large", "random", &cfg_default, in.p, in.n, sizes, n, &x);
  free(sizes);
  buf_free(&in);
  buf_free(&t);
}

/* ---- API behaviour ---- */

struct zc_state {
  const char *lo;
  const char *hi;
  int inside;
  int events;
};

/*
 * Callback recording whether the event data points into [lo, hi).
 */
static int zc_cb(void *ud, const struct oc_sse_event *ev)
{
  struct zc_state *z = ud;

  z->events++;
  z->inside = ev->data >= z->lo && ev->data + ev->data_len <= z->hi;
  return 0;
}

/*
 * An event whose single data line lies inside the fed chunk is delivered
 * without copying; one split across feeds is delivered intact.
 */
static void test_zero_copy(void)
{
  static const char in[] = "data: {\"x\":1}\n\n";
  struct zc_state z = { in, in + sizeof(in) - 1, 0, 0 };
  struct oc_sse *p = oc_sse_new(1024, 1024, zc_cb, &z);

  ut_context("zero copy");
  UT_CHECK(p);
  if(!p)
    return;
  UT_CHECK(oc_sse_feed(p, in, sizeof(in) - 1) == OC_SSE_OK);
  UT_CHECK(z.events == 1 && z.inside);
  UT_CHECK(oc_sse_feed(p, in, 8) == OC_SSE_OK);
  UT_CHECK(oc_sse_feed(p, in + 8, sizeof(in) - 9) == OC_SSE_OK);
  UT_CHECK(z.events == 2 && !z.inside);
  UT_CHECK(oc_sse_finish(p) == OC_SSE_OK);
  oc_sse_free(p);
}

/*
 * finish() drops the partial event and line, re-arms BOM skipping and
 * keeps the last event id; the parser then takes a new stream.
 */
static void test_finish_reuse(void)
{
  struct buf t = { NULL, 0, 0 };
  struct recorder r = { &t, 0, 0 };
  struct oc_sse *p = oc_sse_new(1024, 1024, record_cb, &r);
  static const char s1[] = "id: 5\ndata: a\n\nevent: e\ndata: part\r";
  static const char s2[] = "\n\xEF\xBB\xBF" "data: b\n\n";
  static const char want[] = "E7:messageD1:aI1:5R-1;\n"
    "E7:messageD0:I1:5R-1;\nE7:messageD1:bI1:5R-1;\n";

  ut_context("finish and reuse");
  UT_CHECK(p);
  if(!p)
    return;
  UT_CHECK(oc_sse_feed(p, s1, sizeof(s1) - 1) == OC_SSE_OK);
  UT_CHECK(oc_sse_finish(p) == OC_SSE_OK);
  /* the pending CR is forgotten: the LF is a blank line, but the data
     buffer is empty, so nothing is dispatched and the BOM is content */
  UT_CHECK(oc_sse_feed(p, s2, sizeof(s2) - 1) == OC_SSE_OK);
  UT_CHECK(oc_sse_finish(p) == OC_SSE_OK);
  UT_CHECK(r.nev == 1);
  UT_CHECK(oc_sse_feed(p, "\xEF\xBB", 2) == OC_SSE_OK);
  UT_CHECK(oc_sse_feed(p, "\xBF" "data\n\n\xEF\xBB\xBF" "data: b\n\n", 19)
           == OC_SSE_OK);
  UT_CHECK(oc_sse_finish(p) == OC_SSE_OK);
  UT_CHECK(r.nev == 2);
  UT_CHECK(oc_sse_feed(p, "\xEF\xBB\xBF" "data: b\n\n", 12) == OC_SSE_OK);
  UT_CHECK_MEM(t.p, t.n, want, sizeof(want) - 1);
  UT_CHECK(oc_sse_comments(p) == 0);
  oc_sse_free(p);
  buf_free(&t);
}

/*
 * NULL parser handling and a NULL callback.
 */
static void test_null(void)
{
  struct oc_sse *p;

  ut_context("null safety");
  oc_sse_free(NULL);
  UT_CHECK(oc_sse_comments(NULL) == 0);
  UT_CHECK(oc_sse_feed(NULL, "data: x\n\n", 9) == OC_SSE_ENOMEM);
  UT_CHECK(oc_sse_finish(NULL) == OC_SSE_ENOMEM);
  p = oc_sse_new(64, 64, NULL, NULL);
  UT_CHECK(p);
  if(!p)
    return;
  UT_CHECK(oc_sse_feed(p, NULL, 0) == OC_SSE_OK);
  UT_CHECK(oc_sse_feed(p, ": c\ndata: x\n\n", 13) == OC_SSE_OK);
  UT_CHECK(oc_sse_finish(p) == OC_SSE_OK);
  UT_CHECK(oc_sse_comments(p) == 1);
  oc_sse_free(p);
}

/* sanitizers that reserve huge shadow mappings (gcc, clang spellings) */
#if defined(__SANITIZE_ADDRESS__)
#define SHADOW_MEMORY 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SHADOW_MEMORY 1
#endif
#endif

/*
 * Whether allocation failure can be provoked with RLIMIT_AS here: not
 * under ASan (huge shadow mappings) nor valgrind (its own allocator).
 */
static int can_limit_memory(void)
{
#ifdef SHADOW_MEMORY
  return 0;
#else
  const char *pre = getenv("LD_PRELOAD");
  return !(pre && strstr(pre, "vgpreload"));
#endif
}

/*
 * In a child process with a 256 MiB address-space limit, grow one line
 * until realloc fails: feed must report ENOMEM, stay failed, and finish
 * and free must work. The child's exit status carries the verdict.
 */
static void test_enomem(void)
{
  pid_t pid;
  int status = 0;

  ut_context("allocation failure");
  if(!can_limit_memory()) {
    printf("test_sse: allocation-failure test skipped "
           "(sanitizer or valgrind)\n");
    return;
  }
  fflush(NULL);
  pid = fork();
  UT_CHECK(pid >= 0);
  if(pid == 0) {
    struct rlimit rl = { 256u << 20, 256u << 20 };
    static char chunk[1 << 20];
    struct oc_sse *p;
    int rc = OC_SSE_OK;
    int i;
    if(setrlimit(RLIMIT_AS, &rl))
      _exit(3);
    memset(chunk, 'x', sizeof(chunk));
    p = oc_sse_new(SIZE_MAX, SIZE_MAX, NULL, NULL);
    if(!p)
      _exit(4);
    for(i = 0; i < 4096 && rc == OC_SSE_OK; i++)
      rc = oc_sse_feed(p, chunk, sizeof(chunk));
    if(rc != OC_SSE_ENOMEM)
      _exit(5);
    if(oc_sse_feed(p, "\n\n", 2) != OC_SSE_ENOMEM)
      _exit(6);
    if(oc_sse_finish(p) != OC_SSE_ENOMEM)
      _exit(7);
    oc_sse_free(p);
    _exit(0);
  }
  if(pid > 0) {
    UT_CHECK(waitpid(pid, &status, 0) == pid);
    UT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
}

int main(void)
{
  test_fixtures();
  test_limits();
  test_fuzz();
  test_large();
  test_zero_copy();
  test_finish_reuse();
  test_null();
  test_enomem();
  ut_context("");
  printf("test_sse: %zu fixtures, %zu limit cases, %lu split runs\n",
         sizeof(fixtures) / sizeof(fixtures[0]),
         sizeof(limit_cases) / sizeof(limit_cases[0]), runs_total);
  return ut_done("test_sse");
}
