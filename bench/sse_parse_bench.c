/*
 * sse_parse_bench.c - throughput of the SSE parser and of base64.
 *
 * Builds ~150 MB of realistic OpenRouter chat-completion SSE events in
 * memory (with an occasional ": OPENROUTER PROCESSING" comment), feeds it
 * to the parser in 16 KiB chunks as libcurl would, and reports the best of
 * several runs; then the same stream with CRLF line ends; then base64
 * encode/decode of a 32 MB text. The results are verified (event count,
 * data bytes, round trip) and the program exits 1 on a mismatch.
 * MB = 10^6 bytes.
 *
 * Usage: bench_sse_parse [megabytes [chunk-bytes]]  (default 150 16384)
 */
#include "b64.h"
#include "sse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK (16 * 1024) /* default feed size */
#define RUNS 5
#define COMMENT_EVERY 500 /* events between keep-alive comments */

struct totals {
  unsigned long events;
  unsigned long long data_bytes;
};

struct stream {
  char *p;
  size_t n;
  size_t cap;
  unsigned long events;
  unsigned long long data_bytes;
  unsigned long comments;
};

static size_t chunk = CHUNK;

static unsigned long long rng_state = 0x243F6A8885A308D3ull;

/*
 * Deterministic xorshift64* generator.
 */
static unsigned long long rng(void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Dull;
}

/*
 * Monotonic time in seconds.
 */
static double now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Append n bytes to the stream (capacity was reserved up front; exits on
 * overflow of that reservation, which would be a bench bug).
 */
static void put(struct stream *s, const char *b, size_t n)
{
  if(s->n + n > s->cap) {
    fprintf(stderr, "bench: stream buffer overflow\n");
    exit(2);
  }
  memcpy(s->p + s->n, b, n);
  s->n += n;
}

/*
 * Fill s with about target bytes of chat-completion chunk events; eol is
 * the line terminator ("\n" or "\r\n"). Records the expected totals.
 */
static void build_stream(struct stream *s, size_t target, const char *eol)
{
  static const char alpha[] =
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ.,0123456789";
  size_t el = strlen(eol);
  char data[512];
  char content[9];
  int i;

  s->cap = target + 1024;
  s->p = malloc(s->cap);
  if(!s->p) {
    fprintf(stderr, "bench: out of memory\n");
    exit(2);
  }
  s->n = 0;
  s->events = 0;
  s->data_bytes = 0;
  s->comments = 0;
  while(s->n + 600 < target) {
    int dn;
    for(i = 0; i < 8; i++)
      content[i] = alpha[rng() % (sizeof(alpha) - 1)];
    content[8] = '\0';
    dn = snprintf(data, sizeof(data),
                  "{\"id\":\"gen-1732000000-%08llx%08llx\","
                  "\"object\":\"chat.completion.chunk\","
                  "\"created\":1732000000,"
                  "\"model\":\"anthropic/claude-sonnet-4.5\","
                  "\"choices\":[{\"index\":0,\"delta\":{\"role\":"
                  "\"assistant\",\"content\":\"%s\"},"
                  "\"finish_reason\":null}]}",
                  (rng() >> 32), (rng() >> 32), content);
    put(s, "data: ", 6);
    put(s, data, (size_t)dn);
    put(s, eol, el);
    put(s, eol, el);
    s->events++;
    s->data_bytes += (unsigned long long)dn;
    if(s->events % COMMENT_EVERY == 0) {
      put(s, ": OPENROUTER PROCESSING", 23);
      put(s, eol, el);
      put(s, eol, el);
      s->comments++;
    }
  }
}

/*
 * Parser callback: count events and data bytes.
 */
static int count_cb(void *ud, const struct oc_sse_event *ev)
{
  struct totals *t = ud;

  t->events++;
  t->data_bytes += ev->data_len;
  return 0;
}

/*
 * Parse the stream RUNS times in chunk-byte feeds, verify the totals and
 * print the best run under label. Returns 0, or 1 on a mismatch.
 */
static int bench_sse(const char *label, const struct stream *s)
{
  double best = 1e30;
  int run;

  for(run = 0; run < RUNS; run++) {
    struct totals t = { 0, 0 };
    struct oc_sse *p = oc_sse_new(1 << 20, 16 << 20, count_cb, &t);
    size_t off;
    double t0;
    double dt;
    int rc = OC_SSE_OK;
    if(!p) {
      fprintf(stderr, "bench: out of memory\n");
      return 1;
    }
    t0 = now();
    for(off = 0; off < s->n && rc == OC_SSE_OK; off += chunk)
      rc = oc_sse_feed(p, s->p + off, s->n - off < chunk ? s->n - off
                       : chunk);
    if(rc == OC_SSE_OK)
      rc = oc_sse_finish(p);
    dt = now() - t0;
    if(rc != OC_SSE_OK || t.events != s->events ||
       t.data_bytes != s->data_bytes ||
       oc_sse_comments(p) != s->comments) {
      fprintf(stderr, "%s: verification failed (rc %d, %lu/%lu events)\n",
              label, rc, t.events, s->events);
      oc_sse_free(p);
      return 1;
    }
    oc_sse_free(p);
    if(dt < best)
      best = dt;
  }
  printf("%s: %lu events, %.1f MB in %.3f s = %.0f MB/s, %.0f events/s\n",
         label, s->events, (double)s->n / 1e6, best,
         (double)s->n / 1e6 / best, (double)s->events / best);
  return 0;
}

/*
 * Encode and decode a 32 MB base64 text RUNS times each; verify the round
 * trip and print the best runs. Returns 0, or 1 on a mismatch.
 */
static int bench_b64(void)
{
  size_t n = 24u * 1000 * 1000; /* encodes to 32 MB */
  size_t elen = oc_b64_encoded_len(n);
  unsigned char *src = malloc(n);
  unsigned char *dec = malloc(oc_b64_decoded_max(elen));
  char *enc = malloc(elen);
  double best_enc = 1e30;
  double best_dec = 1e30;
  size_t i;
  size_t r = 0;
  int run;
  int bad = 0;

  if(!src || !dec || !enc) {
    fprintf(stderr, "bench: out of memory\n");
    free(src);
    free(dec);
    free(enc);
    return 1;
  }
  for(i = 0; i < n; i++)
    src[i] = (unsigned char)(rng() >> 56);
  for(run = 0; run < RUNS; run++) {
    double t0 = now();
    double dt;
    r = oc_b64_encode(src, n, enc, 0);
    dt = now() - t0;
    if(dt < best_enc)
      best_enc = dt;
    t0 = now();
    r = oc_b64_decode(enc, elen, dec);
    dt = now() - t0;
    if(dt < best_dec)
      best_dec = dt;
  }
  if(r != n || memcmp(src, dec, n)) {
    fprintf(stderr, "b64: round trip failed\n");
    bad = 1;
  }
  else {
    printf("b64_encode: %.1f MB in %.4f s = %.0f MB/s (output)\n",
           (double)elen / 1e6, best_enc, (double)elen / 1e6 / best_enc);
    printf("b64_decode: %.1f MB in %.4f s = %.0f MB/s (input)\n",
           (double)elen / 1e6, best_dec, (double)elen / 1e6 / best_dec);
  }
  free(src);
  free(dec);
  free(enc);
  return bad;
}

int main(int argc, char **argv)
{
  struct stream s;
  size_t mb = 150;
  int bad = 0;

  if(argc > 1)
    mb = (size_t)strtoul(argv[1], NULL, 10);
  if(argc > 2)
    chunk = (size_t)strtoul(argv[2], NULL, 10);
  if(!mb || mb > 4000 || !chunk || chunk > (64u << 20)) {
    fprintf(stderr, "usage: %s [megabytes 1..4000 [chunk-bytes]]\n",
            argv[0]);
    return 2;
  }
  printf("feeding %zu-byte chunks\n", chunk);
  build_stream(&s, mb * 1000 * 1000, "\n");
  bad |= bench_sse("sse_parse", &s);
  free(s.p);
  build_stream(&s, mb * 1000 * 1000, "\r\n");
  bad |= bench_sse("sse_parse (crlf)", &s);
  free(s.p);
  bad |= bench_b64();
  return bad;
}
