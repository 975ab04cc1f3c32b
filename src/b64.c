/*
 * b64.c - base64 (RFC 4648 sections 4 and 5) encode/decode, no Lua.
 *
 * Decoding is table-driven: four 256-entry tables map a character at each
 * position of a 4-character group straight to its bits of the 24-bit
 * group value, with a flag bit for anything that is not an alphabet
 * character. The fast loop ORs four lookups per group and only falls back
 * to the per-character state machine (whitespace, padding, errors) when
 * the flag is set. All tables are compile-time constants.
 *
 * The decoder does not insist on zero bits after the last significant
 * character ("Zh==" decodes like "Zg=="), as RFC 4648 section 3.5 permits.
 */
#include "b64.h"

#include <stdint.h>

#define B64_BAD 0xFF    /* not part of base64 text */
#define B64_WS 0xFE     /* ignored whitespace */
#define B64_PAD 0xFD    /* '=' */
#define B64_SLOW 0x01000000u /* flag in the position tables */

/* value of character c in either alphabet, or one of the markers above */
#define B64V(c)                                                         \
  ((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' :                               \
   (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 :                          \
   (c) >= '0' && (c) <= '9' ? (c) - '0' + 52 :                          \
   (c) == '+' || (c) == '-' ? 62 :                                      \
   (c) == '/' || (c) == '_' ? 63 :                                      \
   (c) == '=' ? B64_PAD :                                               \
   (c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n' ? B64_WS :   \
   B64_BAD)

#define B64_POS(c, shift)                                               \
  (B64V(c) < 64 ? (uint32_t)B64V(c) << (shift) : B64_SLOW)
#define B64_DEC(c) (unsigned char)B64V(c)
#define B64_P0(c) B64_POS(c, 18)
#define B64_P1(c) B64_POS(c, 12)
#define B64_P2(c) B64_POS(c, 6)
#define B64_P3(c) B64_POS(c, 0)

#define B64_R4(f, i) f(i), f((i) + 1), f((i) + 2), f((i) + 3)
#define B64_R16(f, i)                                                   \
  B64_R4(f, i), B64_R4(f, (i) + 4), B64_R4(f, (i) + 8), B64_R4(f, (i) + 12)
#define B64_R64(f, i)                                                   \
  B64_R16(f, i), B64_R16(f, (i) + 16), B64_R16(f, (i) + 32),            \
  B64_R16(f, (i) + 48)
#define B64_R256(f)                                                     \
  B64_R64(f, 0), B64_R64(f, 64), B64_R64(f, 128), B64_R64(f, 192)

static const unsigned char b64_dec[256] = { B64_R256(B64_DEC) };
static const uint32_t b64_p0[256] = { B64_R256(B64_P0) };
static const uint32_t b64_p1[256] = { B64_R256(B64_P1) };
static const uint32_t b64_p2[256] = { B64_R256(B64_P2) };
static const uint32_t b64_p3[256] = { B64_R256(B64_P3) };

static const char b64_std[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * Encoded size of n bytes with padding: 4 characters per started group of
 * 3 bytes. n must be at most SIZE_MAX / 4 * 3 for the result to fit.
 */
size_t oc_b64_encoded_len(size_t n)
{
  return (n / 3 + (n % 3 != 0)) * 4;
}

/*
 * Encode n bytes of src into dst (no NUL appended). Standard alphabet
 * with '=' padding, or (url != 0) the URL-safe alphabet without padding.
 * Returns the number of characters written.
 */
size_t oc_b64_encode(const unsigned char *src, size_t n, char *dst, int url)
{
  const char *t = url ? b64_url : b64_std;
  const unsigned char *s = src;
  const unsigned char *e;
  char *o = dst;
  uint32_t v;

  if(!n)
    return 0;
  e = src + n - n % 3;
  for(; s < e; s += 3, o += 4) {
    v = (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2];
    o[0] = t[v >> 18];
    o[1] = t[(v >> 12) & 63];
    o[2] = t[(v >> 6) & 63];
    o[3] = t[v & 63];
  }
  if(n % 3 == 1) {
    v = (uint32_t)s[0] << 16;
    *o++ = t[v >> 18];
    *o++ = t[(v >> 12) & 63];
    if(!url) {
      *o++ = '=';
      *o++ = '=';
    }
  }
  else if(n % 3 == 2) {
    v = (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8;
    *o++ = t[v >> 18];
    *o++ = t[(v >> 12) & 63];
    *o++ = t[(v >> 6) & 63];
    if(!url)
      *o++ = '=';
  }
  return (size_t)(o - dst);
}

/*
 * Largest number of bytes n base64 characters can decode to (exact for
 * input without whitespace or padding; no overflow for any n).
 */
size_t oc_b64_decoded_max(size_t n)
{
  return n / 4 * 3 + n % 4 * 3 / 4;
}

/*
 * Check the padding that starts at s (s[0] == '='): together with the k
 * significant characters of the last group it must complete the group,
 * and only whitespace may follow. Returns 0 if valid, -1 otherwise.
 */
static int b64_check_pad(const unsigned char *s, const unsigned char *e,
                         int k)
{
  int pads = 0;

  if(k < 2)
    return -1;
  for(; s < e; s++) {
    unsigned char v = b64_dec[*s];
    if(v == B64_PAD)
      pads++;
    else if(v != B64_WS)
      return -1;
  }
  return pads == 4 - k ? 0 : -1;
}

/*
 * Decode n characters of src into dst (>= oc_b64_decoded_max(n) bytes).
 * Both alphabets, optional padding, ASCII whitespace ignored anywhere.
 * Returns the byte count, or (size_t)-1 on an invalid character, bad
 * padding or a dangling single character; dst contents are then
 * unspecified.
 */
size_t oc_b64_decode(const char *src, size_t n, unsigned char *dst)
{
  const unsigned char *s = (const unsigned char *)src;
  const unsigned char *e;
  unsigned char *o = dst;
  uint32_t acc = 0;
  int k = 0; /* significant characters in the current group */

  if(!n)
    return 0;
  e = s + n;
  while(s < e) {
    unsigned char v;
    if(!k) {
      while(e - s >= 4) {
        uint32_t x = b64_p0[s[0]] | b64_p1[s[1]] | b64_p2[s[2]] |
                     b64_p3[s[3]];
        if(x & B64_SLOW)
          break;
        o[0] = (unsigned char)(x >> 16);
        o[1] = (unsigned char)(x >> 8);
        o[2] = (unsigned char)x;
        s += 4;
        o += 3;
      }
      if(s == e)
        break;
    }
    v = b64_dec[*s];
    if(v < 64) {
      acc = acc << 6 | v;
      if(++k == 4) {
        o[0] = (unsigned char)(acc >> 16);
        o[1] = (unsigned char)(acc >> 8);
        o[2] = (unsigned char)acc;
        o += 3;
        acc = 0;
        k = 0;
      }
    }
    else if(v == B64_PAD) {
      if(b64_check_pad(s, e, k))
        return (size_t)-1;
      break;
    }
    else if(v != B64_WS)
      return (size_t)-1;
    s++;
  }
  if(k == 1)
    return (size_t)-1;
  if(k == 2)
    *o++ = (unsigned char)(acc >> 4);
  else if(k == 3) {
    o[0] = (unsigned char)(acc >> 10);
    o[1] = (unsigned char)(acc >> 2);
    o += 2;
  }
  return (size_t)(o - dst);
}
