/*
 * test_b64.c - unit tests for base64 (src/b64.c): RFC 4648 vectors, both
 * alphabets, round trips of every length 0..300, whitespace and padding
 * variants, every invalid byte at every position, and a large buffer.
 */
#include "b64.h"
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define B64_ERR ((size_t)-1)
#define CANARY 0xC5

static const char std_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static uint64_t rng_state = 0xD1B54A32D192ED03ull;

/*
 * Deterministic xorshift64* generator.
 */
static uint64_t rng(void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Dull;
}

/*
 * malloc that ends the test program (status 2) when memory runs out.
 */
static void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if(!p) {
    fprintf(stderr, "test_b64: out of memory\n");
    exit(2);
  }
  return p;
}

/*
 * Decode s[0..n) into a fresh buffer with 16 canary bytes after
 * oc_b64_decoded_max(n); check that the decoder stays within its bound.
 * Returns the decoder's result; *out receives the buffer (caller frees).
 */
static size_t decode(const char *s, size_t n, unsigned char **out)
{
  size_t max = oc_b64_decoded_max(n);
  unsigned char *d = xmalloc(max + 16);
  size_t r;
  size_t i;
  int intact = 1;

  memset(d, CANARY, max + 16);
  r = oc_b64_decode(s, n, d);
  for(i = max; i < max + 16; i++)
    intact &= d[i] == CANARY;
  UT_CHECK(intact);
  UT_CHECK(r == B64_ERR || r <= max);
  *out = d;
  return r;
}

/*
 * Check that s decodes to want[0..wn).
 */
static void check_decodes(const char *s, size_t n, const void *want,
                          size_t wn)
{
  unsigned char *d;
  size_t r = decode(s, n, &d);

  ut_context("decode \"%.*s\"", (int)(n > 60 ? 60 : n), s ? s : "");
  UT_CHECK(r != B64_ERR);
  if(r != B64_ERR)
    UT_CHECK_MEM(d, r, want, wn);
  free(d);
}

/*
 * Check that s is rejected.
 */
static void check_rejects(const char *s, size_t n)
{
  unsigned char *d;
  size_t r = decode(s, n, &d);

  ut_context("reject \"%.*s\"", (int)n, s);
  UT_CHECK(r == B64_ERR);
  free(d);
}

/*
 * Check the encodings of src[0..n) in both alphabets against the given
 * texts (std padded, url unpadded).
 */
static void check_encodes(const void *src, size_t n, const char *std,
                          const char *url)
{
  char *o = xmalloc(oc_b64_encoded_len(n) + 1);
  size_t r;

  ut_context("encode %zu bytes", n);
  UT_CHECK(oc_b64_encoded_len(n) == strlen(std));
  r = oc_b64_encode(src, n, o, 0);
  UT_CHECK_MEM(o, r, std, strlen(std));
  r = oc_b64_encode(src, n, o, 1);
  UT_CHECK_MEM(o, r, url, strlen(url));
  free(o);
}

/*
 * RFC 4648 section 10 test vectors, encoded and decoded in every form.
 */
static void test_rfc4648(void)
{
  static const char *const vec[][3] = {
    { "", "", "" },
    { "f", "Zg==", "Zg" },
    { "fo", "Zm8=", "Zm8" },
    { "foo", "Zm9v", "Zm9v" },
    { "foob", "Zm9vYg==", "Zm9vYg" },
    { "fooba", "Zm9vYmE=", "Zm9vYmE" },
    { "foobar", "Zm9vYmFy", "Zm9vYmFy" },
  };
  size_t i;

  for(i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
    size_t n = strlen(vec[i][0]);
    check_encodes(vec[i][0], n, vec[i][1], vec[i][2]);
    check_decodes(vec[i][1], strlen(vec[i][1]), vec[i][0], n);
    check_decodes(vec[i][2], strlen(vec[i][2]), vec[i][0], n);
  }
}

/*
 * All 64 characters of both alphabets; mixed alphabets; the alphabet-
 * specific characters at the values 62 and 63.
 */
static void test_alphabets(void)
{
  unsigned char bytes[48];
  unsigned char *d;
  char mixed[65];
  size_t r;

  r = decode(std_alphabet, 64, &d);
  UT_CHECK(r == 48);
  memcpy(bytes, d, 48);
  free(d);
  check_encodes(bytes, 48, std_alphabet, url_alphabet);
  check_decodes(url_alphabet, 64, bytes, 48);
  memcpy(mixed, std_alphabet, 65);
  mixed[62] = '-';
  check_decodes(mixed, 64, bytes, 48);
  check_encodes("\xfb\xff\xbf", 3, "+/+/", "-_-_");
  check_decodes("-_-_", 4, "\xfb\xff\xbf", 3);
  check_decodes("+/+/", 4, "\xfb\xff\xbf", 3);
  check_encodes("\xff", 1, "/w==", "_w");
  check_encodes("\xff\xff", 2, "//8=", "__8");
}

/*
 * Insert whitespace at random places of s[0..n) into out (room for
 * 3 * n + 4). Returns the new length.
 */
static size_t sprinkle(const char *s, size_t n, char *out)
{
  static const char ws[] = " \t\r\n";
  size_t o = 0;
  size_t i;
  int k;

  for(i = 0; i <= n; i++) {
    for(k = 0; k < 2 && rng() % 3 == 0; k++)
      out[o++] = ws[rng() % 4];
    if(i < n)
      out[o++] = s[i];
  }
  return o;
}

/*
 * Random bytes of every length 0..300: encode both ways, decode the
 * encodings with and without padding, with whitespace and with MIME line
 * breaks; check lengths and alphabets.
 */
static void test_round_trip(void)
{
  size_t n;

  for(n = 0; n <= 300; n++) {
    unsigned char *src = xmalloc(n);
    size_t elen = oc_b64_encoded_len(n);
    char *enc = xmalloc(elen + 4);
    char *ws = xmalloc(3 * (elen + 4) + 4);
    char *mime = xmalloc(elen + elen / 76 * 2 + 2);
    size_t r;
    size_t i;
    size_t m;
    int ok = 1;
    for(i = 0; i < n; i++)
      src[i] = (unsigned char)rng();
    r = oc_b64_encode(src, n, enc, 0);
    ut_context("round trip %zu std", n);
    UT_CHECK(r == elen && r % 4 == 0);
    for(i = 0; i < r; i++)
      ok &= enc[i] == '=' ? i >= r - 2 : !!strchr(std_alphabet, enc[i]);
    UT_CHECK(ok);
    check_decodes(enc, r, src, n);
    /* padding stripped */
    m = r;
    while(m && enc[m - 1] == '=')
      m--;
    check_decodes(enc, m, src, n);
    /* whitespace anywhere, including between '=' */
    for(i = 0; i < 3; i++) {
      size_t wn = sprinkle(enc, r, ws);
      check_decodes(ws, wn, src, n);
    }
    /* MIME-style 76-column lines */
    for(i = 0, m = 0; i < r; i++) {
      if(i && i % 76 == 0) {
        mime[m++] = '\r';
        mime[m++] = '\n';
      }
      mime[m++] = enc[i];
    }
    check_decodes(mime, m, src, n);
    /* URL-safe: no padding, length 4n/3 rounded up */
    r = oc_b64_encode(src, n, enc, 1);
    ut_context("round trip %zu url", n);
    UT_CHECK(r == (n * 4 + 2) / 3);
    for(i = 0, ok = 1; i < r; i++)
      ok &= !!strchr(url_alphabet, enc[i]);
    UT_CHECK(ok);
    check_decodes(enc, r, src, n);
    /* unpadded input decodes to exactly decoded_max bytes */
    UT_CHECK(oc_b64_decoded_max(r) == n);
    /* URL-safe with padding added */
    while(r % 4)
      enc[r++] = '=';
    check_decodes(enc, r, src, n);
    free(src);
    free(enc);
    free(ws);
    free(mime);
  }
}

/*
 * Invalid input: bad characters, bad padding, impossible lengths.
 */
static void test_invalid(void)
{
  static const char *const bad[] = {
    "Z", "Zm9vY", "Zm9vYmFyZ", "Z=", "Z===", "=", "==", "===", "====",
    "Zg=", "Zg===", "Zm8==", "Zm9v=", "Zm9v==", "Zg==Zg==", "Zg==x",
    "Zg=x=", "Zm9v!", "Zm9\x80", "Zm.v", "Zm9v\v", "Zm9v\f", "Zg==\x01",
    "=Zg=", "Zm9vYmFy=", "Z =", "Zm9vY\r\n",
  };
  size_t i;
  int c;

  for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    check_rejects(bad[i], strlen(bad[i]));
  check_rejects("Zm\0v", 4);
  check_rejects("Zg==\0", 5);
  /* every non-base64 byte at every position, fast and slow paths */
  for(c = 0; c < 256; c++) {
    char s[16];
    size_t pos;
    if(strchr(std_alphabet, c) || strchr(url_alphabet, c) || c == '=' ||
       c == ' ' || c == '\t' || c == '\r' || c == '\n')
      continue; /* strchr(.., 0) also excludes NUL here; tested above */
    for(pos = 0; pos <= 8; pos++) {
      memcpy(s, "Zm9vYmFy", 8);
      memmove(s + pos + 1, s + pos, 8 - pos);
      s[pos] = (char)c;
      check_rejects(s, 9);
    }
  }
}

/*
 * Valid edge cases: empty and whitespace-only input, whitespace inside
 * padding, non-zero trailing bits (accepted, RFC 4648 3.5 allows it).
 */
static void test_edges(void)
{
  check_decodes("", 0, "", 0);
  check_decodes(NULL, 0, "", 0);
  check_decodes("   ", 3, "", 0);
  check_decodes("\r\n\t ", 4, "", 0);
  check_decodes("Zg=\n=", 5, "f", 1);
  check_decodes("Zg = = \r\n", 9, "f", 1);
  check_decodes(" Zm9v ", 6, "foo", 3);
  check_decodes("Zm 9v\tYm\nFy", 11, "foobar", 6);
  check_decodes("Zh==", 4, "f", 1);
  check_decodes("Zm9=", 4, "fo", 2);
  ut_context("encoded_len");
  UT_CHECK(oc_b64_encoded_len(0) == 0);
  UT_CHECK(oc_b64_encoded_len(1) == 4);
  UT_CHECK(oc_b64_encoded_len(3) == 4);
  UT_CHECK(oc_b64_encoded_len(4) == 8);
  UT_CHECK(oc_b64_encode(NULL, 0, NULL, 0) == 0);
  UT_CHECK(oc_b64_decoded_max(0) == 0);
  UT_CHECK(oc_b64_decoded_max(1) == 0);
  UT_CHECK(oc_b64_decoded_max(4) == 3);
  UT_CHECK(oc_b64_decoded_max(SIZE_MAX) > SIZE_MAX / 4 * 2);
}

/*
 * A 3 MiB buffer round trip, plain and with CRLF every 76 characters.
 */
static void test_large(void)
{
  size_t n = 3u << 20;
  unsigned char *src = xmalloc(n);
  size_t elen = oc_b64_encoded_len(n);
  char *enc = xmalloc(elen);
  char *mime = xmalloc(elen + elen / 76 * 2 + 2);
  size_t i;
  size_t m = 0;

  for(i = 0; i < n; i++)
    src[i] = (unsigned char)(rng() >> 56);
  UT_CHECK(oc_b64_encode(src, n, enc, 0) == elen);
  check_decodes(enc, elen, src, n);
  for(i = 0; i < elen; i++) {
    if(i && i % 76 == 0) {
      mime[m++] = '\r';
      mime[m++] = '\n';
    }
    mime[m++] = enc[i];
  }
  check_decodes(mime, m, src, n);
  free(src);
  free(enc);
  free(mime);
}

int main(void)
{
  test_rfc4648();
  test_alphabets();
  test_round_trip();
  test_invalid();
  test_edges();
  test_large();
  ut_context("");
  return ut_done("test_b64");
}
