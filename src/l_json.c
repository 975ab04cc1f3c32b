/*
 * l_json.c - openclaw.core.json: a JSON codec that builds Lua values
 * directly. Exact integers, shortest round-trip floats, arrays that keep
 * their identity through a round trip (decoded arrays carry the
 * "openclaw.json.array" metatable), strict RFC 8259 decoding that reports
 * malformed remote data as `nil, message` instead of raising.
 * User documentation: docs/json.md.
 *
 * Decoder: one pass of recursive descent over the Lua string. It relies on
 * the NUL byte that Lua keeps after every string's last character
 * (lua_tolstring, manual §4.1.3): scanners stop on that sentinel, so hot
 * loops need no bounds test; when a scanner stops on a NUL, a comparison
 * with the end pointer tells a real NUL byte from the end of input.
 * Growing a table one key at a time costs a chain of rehashes, so tables
 * are created with a size: arrays park up to DEC_BATCH values on the Lua
 * stack and move them into a table of exactly that size; objects take the
 * size of the last object that began with the same key (a "shape hint"
 * kept beside the string cache described at push_cached).
 *
 * Encoder: writes into an inline buffer on the C stack; output that
 * outgrows it moves to heap memory owned by a "openclaw.json.buffer"
 * userdata (freed by __gc), so raising an error never leaks. A table of
 * path frames records where the encoder is, for error messages such as
 * "json.encode: cannot encode function at $.tools[2].run".
 */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "host.h"

#define JSON_MAX_DEPTH 1000  /* containers nested deeper are refused */
#define DEC_BATCH 32         /* array values parked on the stack */
#define DEC_SLACK 8          /* extra stack slots a container level uses */
#define DEC_MAX_HINT 32      /* largest object size taken from a hint */
#define ENC_INLINE 1024      /* output bytes kept on the C stack */
#define ENC_SLACK 12         /* stack slots a table level may use */
#define ENC_PATH_HEAD 8      /* path segments shown before an ellipsis */
#define ENC_PATH_TAIL 8      /* path segments shown after it */

#define BUFFER_MT "openclaw.json.buffer"
#define ARRAY_MT "openclaw.json.array"
#define OBJECT_MT "openclaw.json.object"

/*
 * Upvalues of every module function: the two marker metatables, the
 * string cache and the table that anchors the cached strings.
 */
#define UV_ARRAY lua_upvalueindex(1)
#define UV_OBJECT lua_upvalueindex(2)
#define UV_CACHE lua_upvalueindex(3)
#define UV_ANCHOR lua_upvalueindex(4)

/* json_decode copies two upvalues to fixed stack slots (faster access). */
#define DEC_ANCHOR 2
#define DEC_ARRAY_MT 3
#define DEC_CACHE_KEY "openclaw.json.cache"
#define DEC_ANCHOR_KEY "openclaw.json.anchor"

/* ------------------------------------------------------------------ */
/* Decoder                                                             */
/* ------------------------------------------------------------------ */

/*
 * String cache. Streams repeat the same keys and many of the same short
 * values in every message; interning a string makes Lua hash all of its
 * bytes and compare it again. The cache maps a cheap hash of a string's
 * first and last 8 bytes to a Lua string kept alive in the anchor table,
 * so a repeated string costs two word compares and a lua_rawgeti. Keys
 * and values use separate halves, so varying values cannot evict keys.
 */
#define SCACHE_BITS 8
#define SCACHE_HALF (1 << SCACHE_BITS)      /* slots for keys, for values */
#define SCACHE_SLOTS (2 * SCACHE_HALF)
#define SCACHE_MAXLEN 40                    /* Lua's short-string limit */

struct scache_entry {
  uint64_t head;      /* first 8 bytes, or all bytes of a shorter string */
  uint64_t tail;      /* last 8 bytes, or 0 for a string shorter than 8 */
  const char *s;      /* bytes of the anchored string; NULL: slot unused */
  size_t len;
};

struct scache {
  struct scache_entry e[SCACHE_SLOTS];
  /* pairs in the last object whose first key used key slot i */
  unsigned short shape[SCACHE_HALF];
};

struct dec {
  lua_State *L;
  const char *start;  /* first byte of the text */
  const char *p;      /* next byte to read */
  const char *end;    /* the NUL after the last byte */
  struct scache *cache;
  int key_slot;       /* cache slot of the last key pushed, or -1 */
  int depth;          /* containers currently open */
  char err[96];       /* message once a parse fails */
};

/* Bytes that end the fast scan of a string: controls, '"' and '\\'. */
static const unsigned char str_stop[256] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x00 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x10 */
  0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x20 '"' */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x30 */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x40 */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0   /* 0x50 '\\' */
};

/*
 * Skip JSON whitespace starting at p; returns the first other byte's
 * address (at worst the terminating NUL). No Lua stack use.
 */
static const char *skip_ws(const char *p)
{
  while(*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
    p++;
  return p;
}

/* Is c an ASCII digit? */
static int is_digit(char c)
{
  return c >= '0' && c <= '9';
}

/*
 * Return the first byte at or after q that ends the plain part of a
 * string: '"', '\\', a control byte, or the NUL at `end`. Tests 8 bytes
 * at a time while they lie inside the text. No Lua stack use.
 */
static const char *scan_str(const char *q, const char *end)
{
  const uint64_t ones = 0x0101010101010101u;
  const uint64_t highs = 0x8080808080808080u;

  while(end - q >= 8) {
    uint64_t w;
    uint64_t quote;
    uint64_t bslash;
    uint64_t hit;

    memcpy(&w, q, 8);
    quote = w ^ (ones * '"');
    bslash = w ^ (ones * '\\');
    /* exact "some byte is zero" and "some byte is below 0x20" tests */
    hit = ((quote - ones) & ~quote) | ((bslash - ones) & ~bslash) |
      ((w - ones * 0x20) & ~w);
    if(hit & highs)
      break;
    q += 8;
  }
  while(!str_stop[(unsigned char)*q])
    q++;
  return q;
}

/*
 * Record "json: <what> at offset N" for the byte at q. Returns -1 so a
 * parser can `return dec_error(...)`. No Lua stack use, never raises.
 */
static int dec_error(struct dec *d, const char *what, const char *q)
{
  snprintf(d->err, sizeof(d->err), "json: %s at offset %zu", what,
           (size_t)(q - d->start));
  return -1;
}

/*
 * Record the error for an unexpected byte at q, or "unexpected end of
 * input" when q is the end. Returns -1, never raises.
 */
static int dec_unexpected(struct dec *d, const char *q)
{
  unsigned char c = (unsigned char)*q;
  size_t off = (size_t)(q - d->start);

  if(q >= d->end)
    snprintf(d->err, sizeof(d->err), "json: unexpected end of input");
  else if(c > 0x20 && c < 0x7f)
    snprintf(d->err, sizeof(d->err),
             "json: unexpected character '%c' at offset %zu", c, off);
  else
    snprintf(d->err, sizeof(d->err),
             "json: unexpected character '\\x%02X' at offset %zu", c, off);
  return -1;
}

/*
 * Record the error for a malformed token whose bad byte is at q: end of
 * input if q is the end, otherwise `what` at offset `at`. Returns -1.
 */
static int dec_bad(struct dec *d, const char *what, const char *q,
                   const char *at)
{
  if(q >= d->end)
    return dec_unexpected(d, q);
  return dec_error(d, what, at);
}

static int dec_value(struct dec *d);

/*
 * Parse 4 hex digits at q. Returns the value, or -1 if any of them is not
 * a hex digit (reading stops at the first non-hex byte, so it never reads
 * past a NUL sentinel or closing quote).
 */
static long hex4(const char *q)
{
  long v = 0;
  int i;

  for(i = 0; i < 4; i++) {
    char c = q[i];
    v <<= 4;
    if(c >= '0' && c <= '9')
      v |= c - '0';
    else if(c >= 'a' && c <= 'f')
      v |= c - 'a' + 10;
    else if(c >= 'A' && c <= 'F')
      v |= c - 'A' + 10;
    else
      return -1;
  }
  return v;
}

/*
 * Write code point cp (< 0x110000, not a surrogate) as UTF-8 at o.
 * Returns the byte after the last one written. No Lua, never fails.
 */
static char *put_utf8(char *o, unsigned long cp)
{
  if(cp < 0x80)
    *o++ = (char)cp;
  else if(cp < 0x800) {
    *o++ = (char)(0xC0 | (cp >> 6));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  else if(cp < 0x10000) {
    *o++ = (char)(0xE0 | (cp >> 12));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  else {
    *o++ = (char)(0xF0 | (cp >> 18));
    *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  return o;
}

/*
 * Slow path of dec_string: s is the first content byte, q the first byte
 * that stopped the fast scan ('\\' or a control byte or the end). Pushes
 * the unescaped string and returns 0, or records an error and returns -1
 * (possibly leaving a buffer slot on the stack). Raises only on memory
 * errors.
 */
static int dec_string_slow(struct dec *d, const char *s, const char *q)
{
  const char *r = q;
  const char *end = d->end;
  luaL_Buffer b;
  char *out;
  char *o;

  /* Find the closing quote; the unescaped text is never longer. */
  while(r < end && *r != '"') {
    if(*r == '\\')
      r++;
    r++;
  }
  if(r >= end)
    return dec_unexpected(d, end);

  out = luaL_buffinitsize(d->L, &b, (size_t)(r - s));
  memcpy(out, s, (size_t)(q - s));
  o = out + (q - s);
  while(q < r) {
    const char *run = q;
    long cp;

    while(!str_stop[(unsigned char)*q])
      q++;
    memcpy(o, run, (size_t)(q - run));
    o += q - run;
    if(q >= r)
      break;
    if(*q != '\\')
      return dec_error(d, "unescaped control character in string", q);
    switch(q[1]) {
    case '"':
    case '\\':
    case '/':
      *o++ = q[1];
      break;
    case 'b':
      *o++ = '\b';
      break;
    case 'f':
      *o++ = '\f';
      break;
    case 'n':
      *o++ = '\n';
      break;
    case 'r':
      *o++ = '\r';
      break;
    case 't':
      *o++ = '\t';
      break;
    case 'u':
      cp = hex4(q + 2);
      if(cp < 0)
        return dec_error(d, "invalid \\u escape", q);
      if(cp >= 0xDC00 && cp <= 0xDFFF)
        return dec_error(d, "unpaired surrogate", q);
      if(cp >= 0xD800 && cp <= 0xDBFF) {
        long lo = -1;
        if(q[6] == '\\' && q[7] == 'u')
          lo = hex4(q + 8);
        if(lo < 0xDC00 || lo > 0xDFFF)
          return dec_error(d, "unpaired surrogate", q);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        q += 6;
      }
      o = put_utf8(o, (unsigned long)cp);
      q += 4;
      break;
    default:
      return dec_error(d, "invalid escape", q);
    }
    q += 2;
  }
  luaL_pushresultsize(&b, (size_t)(o - out));
  d->p = r + 1;
  return 0;
}

/*
 * Push the n bytes at s (n <= SCACHE_MAXLEN) as a Lua string, through
 * the cache half starting at `base`. Returns the slot used. Uses 2 stack
 * slots; raises only on memory errors.
 */
static unsigned push_cached(struct dec *d, const char *s, size_t n,
                            unsigned base)
{
  lua_State *L = d->L;
  struct scache_entry *e;
  uint64_t head = 0;
  uint64_t tail = 0;
  uint64_t h;
  unsigned slot;

  if(n >= 8) {
    memcpy(&head, s, 8);  /* fixed-size copies compile to plain loads */
    memcpy(&tail, s + n - 8, 8);
  }
  else {
    size_t i;
    for(i = 0; i < n; i++)
      head |= (uint64_t)(unsigned char)s[i] << (8 * i);
  }
  h = head * 0x9E3779B97F4A7C15u ^ tail * 0xC2B2AE3D27D4EB4Fu ^
    (uint64_t)n * 0x165667B19E3779F9u;
  slot = base + (unsigned)(h >> (64 - SCACHE_BITS));
  e = &d->cache->e[slot];
  if(e->s && e->len == n && e->head == head && e->tail == tail &&
     (n <= 16 || !memcmp(e->s + 8, s + 8, n - 16))) {
    lua_rawgeti(L, DEC_ANCHOR, (lua_Integer)slot + 1);
    return slot;
  }
  lua_pushlstring(L, s, n);
  lua_pushvalue(L, -1);
  lua_rawseti(L, DEC_ANCHOR, (lua_Integer)slot + 1);
  e->s = lua_tostring(L, -1);
  e->len = n;
  e->head = head;
  e->tail = tail;
  return slot;
}

/*
 * Parse the string whose opening quote is at d->p; `key` is non-zero for
 * object keys (they use their own cache half). Pushes it and returns 0,
 * or returns -1 with d->err set. Raises only on memory errors.
 */
static int dec_string(struct dec *d, int key)
{
  const char *s = d->p + 1;
  const char *q = s;
  size_t n;

  q = scan_str(q, d->end);
  d->key_slot = -1;
  if(*q != '"')
    return dec_string_slow(d, s, q);
  n = (size_t)(q - s);
  if(n > SCACHE_MAXLEN)
    lua_pushlstring(d->L, s, n);
  else if(key)
    d->key_slot = (int)push_cached(d, s, n, 0);
  else
    push_cached(d, s, n, SCACHE_HALF);
  d->p = q + 1;
  return 0;
}

/*
 * Convert the validated JSON number text [s, e) with strtod when the
 * locale's decimal point is not '.': copies the text with the point
 * replaced. Sets *x; returns 0, or -1 if the text would not convert.
 * May push and pop a scratch userdata; raises only on memory errors.
 */
static int dec_float_locale(lua_State *L, const char *s, const char *e,
                            double *x)
{
  const char *dp = localeconv()->decimal_point;
  size_t dplen = strlen(dp);
  size_t n = (size_t)(e - s);
  char small[128];
  char *buf = small;
  char *o;
  char *stop;
  int scratch = 0;

  if(n + dplen + 1 > sizeof(small)) {
    buf = lua_newuserdatauv(L, n + dplen + 1, 0);
    scratch = 1;
  }
  for(o = buf; s < e; s++) {
    if(*s == '.') {
      memcpy(o, dp, dplen);
      o += dplen;
    }
    else
      *o++ = *s;
  }
  *o = '\0';
  *x = strtod(buf, &stop);
  if(scratch)
    lua_pop(L, 1);
  return stop == o ? 0 : -1;
}

/*
 * Parse the number at d->p (grammar checked here). Pushes an integer when
 * the text has no fraction or exponent and fits int64 (except "-0", which
 * gives the float -0.0), otherwise a float converted by strtod (correctly
 * rounded; out-of-range magnitudes give +-inf or 0). Returns 0, or -1
 * with d->err set. Raises only on memory errors.
 */
static int dec_number(struct dec *d)
{
  lua_State *L = d->L;
  const char *start = d->p;
  const char *p = start;
  const char *digits;
  unsigned long long u = 0;
  int neg = 0;
  int isfloat = 0;
  size_t nd;
  char *stop;
  double x;

  if(*p == '-') {
    neg = 1;
    p++;
  }
  digits = p;
  if(*p == '0')
    p++;
  else if(*p >= '1' && *p <= '9') {
    while(is_digit(*p)) {
      u = u * 10 + (unsigned)(*p - '0');  /* wraps past 19 digits */
      p++;
    }
  }
  else
    return dec_bad(d, "invalid number", p, start);
  nd = (size_t)(p - digits);
  if(is_digit(*p))
    return dec_error(d, "invalid number (leading zero)", start);
  if(*p == '.') {
    p++;
    if(!is_digit(*p))
      return dec_bad(d, "invalid number", p, start);
    while(is_digit(*p))
      p++;
    isfloat = 1;
  }
  if(*p == 'e' || *p == 'E') {
    p++;
    if(*p == '+' || *p == '-')
      p++;
    if(!is_digit(*p))
      return dec_bad(d, "invalid number", p, start);
    while(is_digit(*p))
      p++;
    isfloat = 1;
  }
  d->p = p;
  if(!isfloat && nd <= 19) {
    if(!neg) {
      if(u <= (unsigned long long)LUA_MAXINTEGER) {
        lua_pushinteger(L, (lua_Integer)u);
        return 0;
      }
    }
    else if(u == 0) {
      lua_pushnumber(L, -0.0);
      return 0;
    }
    else if(u <= (unsigned long long)LUA_MAXINTEGER) {
      lua_pushinteger(L, -(lua_Integer)u);
      return 0;
    }
    else if(u == (unsigned long long)LUA_MAXINTEGER + 1) {
      lua_pushinteger(L, LUA_MININTEGER);
      return 0;
    }
  }
  x = strtod(start, &stop);
  if(stop != p && dec_float_locale(L, start, p, &x))
    return dec_error(d, "invalid number", start);
  lua_pushnumber(L, x);
  return 0;
}

/*
 * Match the literal `word` (len bytes) at d->p and push `kind`'s value
 * (0 false, 1 true, 2 json.null). Returns 0, or -1 with d->err set.
 * Never raises.
 */
static int dec_literal(struct dec *d, const char *word, size_t len,
                       int kind)
{
  const char *p = d->p;
  size_t i;

  for(i = 0; i < len; i++) {
    if(p[i] != word[i])  /* stops at the NUL sentinel at the latest */
      return dec_unexpected(d, p + i);
  }
  d->p = p + len;
  if(kind == 2)
    lua_pushlightuserdata(d->L, NULL);
  else
    lua_pushboolean(d->L, kind);
  return 0;
}

/*
 * Open a container at d->p: checks the depth limit and stack space,
 * pushes the nil placeholder that will become the table. Returns the
 * placeholder's stack index, or -1 with d->err set.
 */
static int dec_open(struct dec *d)
{
  if(d->depth >= JSON_MAX_DEPTH) {
    snprintf(d->err, sizeof(d->err),
             "json: nesting deeper than %d at offset %zu", JSON_MAX_DEPTH,
             (size_t)(d->p - d->start));
    return -1;
  }
  if(!lua_checkstack(d->L, DEC_BATCH + DEC_SLACK))
    return dec_error(d, "out of Lua stack space", d->p);
  d->depth++;
  lua_pushnil(d->L);
  return lua_gettop(d->L);
}

/*
 * Move the n values above `slot` into the array table at `slot`, creating
 * it (sized n) if slot still holds the placeholder; *done counts values
 * stored before. Pops the n values. Raises only on memory errors.
 */
static void arr_flush(lua_State *L, int slot, int n, lua_Integer *done)
{
  int i;

  if(lua_type(L, slot) == LUA_TNIL) {
    lua_createtable(L, n, 0);
    lua_replace(L, slot);
  }
  for(i = n; i > 0; i--)
    lua_rawseti(L, slot, *done + i);
  *done += n;
}

/*
 * Parse the array at d->p ('['). Pushes a table with the array marker
 * metatable and returns 0, or returns -1 with d->err set (stack contents
 * above the entry top are then unspecified). Raises only on memory errors.
 */
static int dec_array(struct dec *d)
{
  lua_State *L = d->L;
  lua_Integer done = 0;
  int n = 0;
  int slot = dec_open(d);

  if(slot < 0)
    return -1;
  d->p = skip_ws(d->p + 1);
  if(*d->p == ']')
    d->p++;
  else {
    for(;;) {
      if(dec_value(d))
        return -1;
      n++;
      if(n == DEC_BATCH) {
        arr_flush(L, slot, n, &done);
        n = 0;
      }
      d->p = skip_ws(d->p);
      if(*d->p == ',')
        d->p = skip_ws(d->p + 1);
      else if(*d->p == ']') {
        d->p++;
        break;
      }
      else
        return dec_unexpected(d, d->p);
    }
  }
  arr_flush(L, slot, n, &done);
  lua_pushvalue(L, DEC_ARRAY_MT);
  lua_setmetatable(L, slot);
  d->depth--;
  return 0;
}

/*
 * Parse the object at d->p ('{'). Pushes a plain table and returns 0, or
 * returns -1 with d->err set. Each pair is stored as soon as it is parsed
 * (so a repeated key keeps its last value) into a table sized by the
 * shape hint of its first key. Raises only on memory errors.
 */
static int dec_object(struct dec *d)
{
  lua_State *L = d->L;
  unsigned short *hint = NULL;
  int n = 0;
  int slot = dec_open(d);

  if(slot < 0)
    return -1;
  d->p = skip_ws(d->p + 1);
  if(*d->p == '}') {
    d->p++;
    lua_createtable(L, 0, 0);
    lua_replace(L, slot);
    d->depth--;
    return 0;
  }
  for(;;) {
    if(*d->p != '"')
      return dec_unexpected(d, d->p);
    if(dec_string(d, 1))
      return -1;
    if(!n) {
      /* [placeholder, first key] */
      if(d->key_slot >= 0)
        hint = &d->cache->shape[d->key_slot];
      lua_createtable(L, 0, hint ? *hint : 4);
      lua_replace(L, slot);
    }
    d->p = skip_ws(d->p);
    if(*d->p != ':')
      return dec_unexpected(d, d->p);
    d->p = skip_ws(d->p + 1);
    if(dec_value(d))
      return -1;
    lua_rawset(L, slot);  /* [table] */
    n++;
    d->p = skip_ws(d->p);
    if(*d->p == ',')
      d->p = skip_ws(d->p + 1);
    else if(*d->p == '}') {
      d->p++;
      break;
    }
    else
      return dec_unexpected(d, d->p);
  }
  if(hint)  /* capped: a hint sizes tables before their keys arrive */
    *hint = (unsigned short)(n < DEC_MAX_HINT ? n : DEC_MAX_HINT);
  d->depth--;
  return 0;
}

/*
 * Parse the value starting at d->p (whitespace already skipped). Pushes
 * it and returns 0, or returns -1 with d->err set. Raises only on memory
 * errors.
 */
static int dec_value(struct dec *d)
{
  switch(*d->p) {
  case '"':
    return dec_string(d, 0);
  case '{':
    return dec_object(d);
  case '[':
    return dec_array(d);
  case 't':
    return dec_literal(d, "true", 4, 1);
  case 'f':
    return dec_literal(d, "false", 5, 0);
  case 'n':
    return dec_literal(d, "null", 4, 2);
  case '-':
  case '0':
  case '1':
  case '2':
  case '3':
  case '4':
  case '5':
  case '6':
  case '7':
  case '8':
  case '9':
    return dec_number(d);
  default:
    return dec_unexpected(d, d->p);
  }
}

/*
 * json.decode(text) -> value | nil, message
 * Raises only if text is not a string (or on memory errors); malformed
 * text returns nil and a message.
 */
static int json_decode(lua_State *L)
{
  struct dec d;
  size_t len;

  luaL_checktype(L, 1, LUA_TSTRING);
  d.L = L;
  d.start = lua_tolstring(L, 1, &len);
  d.end = d.start + len;
  d.cache = lua_touserdata(L, UV_CACHE);
  d.depth = 0;
  d.err[0] = '\0';
  lua_settop(L, 1);
  if(!lua_checkstack(L, DEC_SLACK + 2))
    return luaL_error(L, "json.decode: out of Lua stack space");
  lua_pushvalue(L, UV_ANCHOR);
  lua_pushvalue(L, UV_ARRAY);  /* [text, anchor, array mt] */
  d.p = skip_ws(d.start);
  if(dec_value(&d))
    goto fail;
  d.p = skip_ws(d.p);
  if(d.p < d.end) {
    dec_error(&d, "trailing characters", d.p);
    goto fail;
  }
  return 1;
fail:
  lua_pushnil(L);
  lua_pushstring(L, d.err);
  return 2;
}

/*
 * oc_json_decode_mem(L, s, len) - decode s[0..len) for C callers (the
 * SSE stream's fused event decoder). s[len] must be a NUL byte, and the
 * stack must hold exactly one value (the caller's self) on entry, since
 * the decoder keeps its anchor and array metatable at slots 2 and 3.
 * Leaves [self, value] and returns 1, or [self, nil, message] and returns
 * 2 on malformed text. Raises only on memory errors, or if
 * openclaw.core.json was never loaded.
 */
int oc_json_decode_mem(lua_State *L, const char *s, size_t len)
{
  struct dec d;
  if(lua_gettop(L) != 1 || s[len] != '\0')
    return luaL_error(L, "oc_json_decode_mem: bad call");
  if(!lua_checkstack(L, DEC_SLACK + 2))
    return luaL_error(L, "json: out of Lua stack space");
  if(lua_getfield(L, LUA_REGISTRYINDEX, DEC_CACHE_KEY) != LUA_TUSERDATA)
    return luaL_error(L, "json: openclaw.core.json is not loaded");
  d.cache = lua_touserdata(L, -1);
  lua_pop(L, 1);
  d.L = L;
  d.start = s;
  d.end = s + len;
  d.depth = 0;
  d.err[0] = '\0';
  lua_getfield(L, LUA_REGISTRYINDEX, DEC_ANCHOR_KEY);  /* [self, anchor] */
  luaL_getmetatable(L, ARRAY_MT);               /* [self, anchor, mt] */
  d.p = skip_ws(d.start);
  if(dec_value(&d) == 0) {
    d.p = skip_ws(d.p);
    if(d.p >= d.end) {
      lua_replace(L, 2);                        /* [self, value, mt] */
      lua_settop(L, 2);
      return 1;
    }
    dec_error(&d, "trailing characters", d.p);
  }
  lua_settop(L, 1);
  lua_pushnil(L);
  lua_pushstring(L, d.err);
  return 2;
}

/* ------------------------------------------------------------------ */
/* Encoder                                                             */
/* ------------------------------------------------------------------ */

/* Heap output buffer, owned by a BUFFER_MT userdata. */
struct enc_heap {
  char *p;
  size_t cap;
};

/* One step of the path from the root to the value being encoded. */
struct enc_frame {
  const char *key;     /* object key (anchored on the Lua stack), or NULL */
  size_t keylen;
  lua_Integer index;   /* array index (1-based) when key is NULL */
};

struct enc {
  lua_State *L;
  char *out;               /* inline_buf or heap->p */
  size_t len;
  size_t cap;
  struct enc_heap *heap;   /* NULL while the inline buffer suffices */
  int heapslot;            /* stack slot reserved for the heap userdata */
  int pretty;
  int sort;
  int depth;               /* number of valid frames in path */
  struct enc_frame path[JSON_MAX_DEPTH];
  char inline_buf[ENC_INLINE];
};

/* Sort record for object keys. */
struct enc_key {
  const char *s;
  size_t len;
  lua_Integer anchor;  /* index of the key in the anchor table */
};

/*
 * Escape letters for bytes below 0x80: 0 = copy, 'u' = \u00XX, other =
 * backslash + that letter.
 */
static const char esc_char[128] = {
  'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',  /* 0x00 */
  'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',  /* 0x08 */
  'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',  /* 0x10 */
  'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',  /* 0x18 */
  0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x20 */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x30 */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x40 */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0  /* 0x50 */
};

static const char hex_digits[] = "0123456789abcdef";

/* Free the heap output of h (idempotent). No stack use, never raises. */
static void heap_release(lua_State *L, struct enc_heap *h)
{
  void *ud;
  lua_Alloc f = lua_getallocf(L, &ud);

  if(h->p)
    f(ud, h->p, h->cap, 0);
  h->p = NULL;
  h->cap = 0;
}

/*
 * __gc and __close of BUFFER_MT: frees the heap output (idempotent).
 * Expects the userdata at index 1; pushes nothing. Raises only if called
 * on another value.
 */
static int buffer_gc(lua_State *L)
{
  heap_release(L, luaL_checkudata(L, 1, BUFFER_MT));
  return 0;
}

/*
 * Make room for `need` more output bytes, moving the output to the heap
 * (owned by a userdata in e->heapslot) when the inline buffer is full.
 * Uses up to 2 stack slots temporarily. Raises on memory errors.
 */
static void enc_grow(struct enc *e, size_t need)
{
  lua_State *L = e->L;
  size_t cap = e->cap;
  void *ud;
  lua_Alloc f = lua_getallocf(L, &ud);
  char *p;

  while(cap - e->len < need) {
    if(cap > ((size_t)-1) / 2)
      luaL_error(L, "json.encode: output too large");
    cap *= 2;
  }
  if(!e->heap) {
    struct enc_heap *h = lua_newuserdatauv(L, sizeof(*h), 0);
    h->p = NULL;
    h->cap = 0;
    luaL_setmetatable(L, BUFFER_MT);
    lua_replace(L, e->heapslot);
    e->heap = h;
    p = f(ud, NULL, 0, cap);
    if(p)
      memcpy(p, e->out, e->len);
  }
  else
    p = f(ud, e->heap->p, e->heap->cap, cap);
  if(!p)
    luaL_error(L, "json.encode: not enough memory");
  e->heap->p = p;
  e->heap->cap = cap;
  e->out = p;
  e->cap = cap;
}

/* Append n bytes. Raises on memory errors. */
static void enc_put(struct enc *e, const char *s, size_t n)
{
  if(e->cap - e->len < n)
    enc_grow(e, n);
  memcpy(e->out + e->len, s, n);
  e->len += n;
}

/* Append one byte. Raises on memory errors. */
static void enc_putc(struct enc *e, char c)
{
  if(e->cap == e->len)
    enc_grow(e, 1);
  e->out[e->len++] = c;
}

/* Append a newline and 2 * level spaces. Raises on memory errors. */
static void enc_indent(struct enc *e, int level)
{
  size_t n = 1 + 2 * (size_t)level;

  if(e->cap - e->len < n)
    enc_grow(e, n);
  e->out[e->len] = '\n';
  memset(e->out + e->len + 1, ' ', n - 1);
  e->len += n;
}

/*
 * Append s (n bytes) as a JSON string literal: '"', '\\' and controls
 * escaped, other bytes (UTF-8) copied. Raises on memory errors.
 */
static void enc_string(struct enc *e, const char *s, size_t n)
{
  size_t i = 0;

  enc_putc(e, '"');
  while(i < n) {
    size_t run = i;
    unsigned char c = 0;
    char esc[6];

    while(i < n) {
      c = (unsigned char)s[i];
      if(c < 0x80 && esc_char[c])
        break;
      i++;
    }
    enc_put(e, s + run, i - run);
    if(i == n)
      break;
    esc[0] = '\\';
    esc[1] = esc_char[c];
    if(esc[1] == 'u') {
      esc[2] = '0';
      esc[3] = '0';
      esc[4] = hex_digits[c >> 4];
      esc[5] = hex_digits[c & 15];
      enc_put(e, esc, 6);
    }
    else
      enc_put(e, esc, 2);
    i++;
  }
  enc_putc(e, '"');
}

/*
 * Append the path of the value being encoded ("$", ".key", "[i]",
 * "[\"odd key\"]"), eliding the middle of very deep paths, to luaL_Buffer
 * b. Stack use is that of the buffer; raises only on memory errors.
 */
static void enc_add_path(struct enc *e, luaL_Buffer *b)
{
  int i;

  luaL_addchar(b, '$');
  for(i = 0; i < e->depth; i++) {
    const struct enc_frame *f = &e->path[i];
    size_t k;
    int ident = 1;

    if(e->depth > ENC_PATH_HEAD + ENC_PATH_TAIL && i == ENC_PATH_HEAD) {
      luaL_addstring(b, "...");
      i = e->depth - ENC_PATH_TAIL - 1;
      continue;
    }
    if(!f->key) {
      char num[32];
      snprintf(num, sizeof(num), "[%lld]", (long long)f->index);
      luaL_addstring(b, num);
      continue;
    }
    for(k = 0; k < f->keylen; k++) {
      char c = f->key[k];
      if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (k > 0 && is_digit(c))))
        ident = 0;
    }
    if(ident && f->keylen > 0 && f->keylen <= 64) {
      luaL_addchar(b, '.');
      luaL_addlstring(b, f->key, f->keylen);
    }
    else {
      luaL_addchar(b, '[');
      luaL_addchar(b, '"');
      for(k = 0; k < f->keylen && k < 64; k++) {
        unsigned char c = (unsigned char)f->key[k];
        if(c == '"' || c == '\\')
          luaL_addchar(b, '\\');
        if(c < 0x20)
          luaL_addchar(b, '?');
        else
          luaL_addchar(b, (char)c);
      }
      if(f->keylen > 64)
        luaL_addstring(b, "...");
      luaL_addchar(b, '"');
      luaL_addchar(b, ']');
    }
  }
}

/*
 * Raise "json.encode: <what> at <path>". Does not return. The heap
 * buffer, if any, is freed later by its __gc.
 */
static void enc_fail(struct enc *e, const char *what)
{
  lua_State *L = e->L;
  luaL_Buffer b;

  luaL_buffinit(L, &b);
  luaL_addstring(&b, "json.encode: ");
  luaL_addstring(&b, what);
  luaL_addstring(&b, " at ");
  enc_add_path(e, &b);
  luaL_pushresult(&b);
  lua_error(L);
}

/*
 * Append a float: the shortest of %.15g, %.16g, %.17g that strtod reads
 * back exactly, with the locale's decimal point replaced by '.'. Raises
 * (via enc_fail) for NaN and infinities, and on memory errors.
 */
static void enc_float(struct enc *e, double x)
{
  char buf[40];
  int prec;
  int n = 0;
  int i;

  if(x != x)
    enc_fail(e, "cannot encode NaN");
  if(x == HUGE_VAL)
    enc_fail(e, "cannot encode inf");
  if(x == -HUGE_VAL)
    enc_fail(e, "cannot encode -inf");
  /* %.15g is shortest for normal doubles; subnormals hold fewer digits */
  for(prec = fabs(x) < DBL_MIN && x != 0 ? 1 : 15; prec <= 17; prec++) {
    n = snprintf(buf, sizeof(buf), "%.*g", prec, x);
    if(strtod(buf, NULL) == x)
      break;
  }
  for(i = 0; i < n; i++) {
    char c = buf[i];
    if(!is_digit(c) && c != '-' && c != '+' && c != 'e') {
      /* a locale decimal point, possibly several bytes long */
      int j = i + 1;
      while(j < n && !is_digit(buf[j]))
        j++;
      buf[i] = '.';
      memmove(buf + i + 1, buf + j, (size_t)(n - j));
      n -= j - i - 1;
    }
  }
  enc_put(e, buf, (size_t)n);
}

/* Append integer v in decimal. Raises on memory errors. */
static void enc_integer(struct enc *e, lua_Integer v)
{
  char tmp[24];
  char buf[24];
  size_t n = 0;
  size_t i = 0;
  unsigned long long u = (unsigned long long)v;

  if(v < 0)
    u = 0ULL - u;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while(u);
  if(v < 0)
    buf[i++] = '-';
  while(n)
    buf[i++] = tmp[--n];
  enc_put(e, buf, i);
}

static void enc_value(struct enc *e, int idx);

/* qsort comparator: byte order of keys, a prefix first. */
static int key_cmp(const void *a, const void *b)
{
  const struct enc_key *x = a;
  const struct enc_key *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->s, y->s, n);

  if(c)
    return c;
  return (x->len > y->len) - (x->len < y->len);
}

/*
 * Append the value at stack index `idx` (absolute) of the object being
 * encoded under key k (klen bytes): separator, key and value. `first` is
 * non-zero for the first member. Stack balanced; raises on encode errors.
 */
static void enc_member(struct enc *e, const char *k, size_t klen,
                       int idx, int first)
{
  struct enc_frame *f = &e->path[e->depth];

  if(!first)
    enc_putc(e, ',');
  if(e->pretty)
    enc_indent(e, e->depth + 1);
  enc_string(e, k, klen);
  if(e->pretty)
    enc_put(e, ": ", 2);
  else
    enc_putc(e, ':');
  f->key = k;
  f->keylen = klen;
  e->depth++;
  enc_value(e, idx);
  e->depth--;
}

/*
 * Append the object at stack index t (absolute) whose nstr keys are all
 * strings, in key order when sorting is on. Stack balanced (uses up to 4
 * slots); raises on encode errors.
 */
static void enc_object(struct enc *e, int t, size_t nstr)
{
  lua_State *L = e->L;
  int first = 1;

  enc_putc(e, '{');
  if(!e->sort) {
    lua_pushnil(L);
    while(lua_next(L, t)) {
      size_t klen;
      const char *k;
      if(lua_type(L, -2) != LUA_TSTRING)
        enc_fail(e, "table modified during encoding");
      k = lua_tolstring(L, -2, &klen);
      enc_member(e, k, klen, lua_gettop(L), first);
      first = 0;
      lua_pop(L, 1);
    }
  }
  else if(nstr) {
    struct enc_key *keys;
    size_t n = 0;
    size_t i;
    int anchor;

    /* Anchor the keys in a table so no collection can free them. */
    lua_createtable(L, (int)(nstr < 0x7fffffff ? nstr : 0), 0);
    anchor = lua_gettop(L);
    keys = lua_newuserdatauv(L, nstr * sizeof(*keys), 0);
    lua_pushnil(L);
    while(lua_next(L, t)) {
      lua_pop(L, 1);
      if(lua_type(L, -1) != LUA_TSTRING || n == nstr)
        enc_fail(e, "table modified during encoding");
      lua_pushvalue(L, -1);
      lua_rawseti(L, anchor, (lua_Integer)n + 1);
      keys[n].s = lua_tolstring(L, -1, &keys[n].len);
      keys[n].anchor = (lua_Integer)n + 1;
      n++;
    }
    qsort(keys, n, sizeof(*keys), key_cmp);
    for(i = 0; i < n; i++) {
      lua_rawgeti(L, anchor, keys[i].anchor);
      lua_rawget(L, t);
      enc_member(e, keys[i].s, keys[i].len, lua_gettop(L), first);
      first = 0;
      lua_pop(L, 1);
    }
    lua_pop(L, 2);
  }
  if(e->pretty && !first)
    enc_indent(e, e->depth);
  enc_putc(e, '}');
}

/*
 * Append the array at stack index t (absolute) with elements 1..n.
 * Stack balanced (1 slot); raises on encode errors.
 */
static void enc_array(struct enc *e, int t, lua_Integer n)
{
  lua_State *L = e->L;
  struct enc_frame *f = &e->path[e->depth];
  lua_Integer i;

  enc_putc(e, '[');
  for(i = 1; i <= n; i++) {
    if(i > 1)
      enc_putc(e, ',');
    if(e->pretty)
      enc_indent(e, e->depth + 1);
    lua_rawgeti(L, t, i);
    f->key = NULL;
    f->index = i;
    e->depth++;
    enc_value(e, lua_gettop(L));
    e->depth--;
    lua_pop(L, 1);
  }
  if(e->pretty && n > 0)
    enc_indent(e, e->depth);
  enc_putc(e, ']');
}

/*
 * Append the table at stack index t (absolute): decides array or object
 * from the marker metatable and the keys, then encodes it. Stack
 * balanced; raises (with the path) on mixed, sparse or unsupported keys,
 * excessive depth, or errors below.
 */
static void enc_table(struct enc *e, int t)
{
  lua_State *L = e->L;
  int kind = 0;   /* 0 decide by keys, 1 json.array, 2 json.object */
  size_t nstr = 0;
  lua_Integer nint = 0;
  lua_Integer maxint = 0;
  int nonpos = 0;

  if(e->depth >= JSON_MAX_DEPTH)
    enc_fail(e, "nesting too deep or a cycle");
  if(!lua_checkstack(L, ENC_SLACK))
    enc_fail(e, "out of Lua stack space");
  if(lua_getmetatable(L, t)) {
    if(lua_rawequal(L, -1, UV_ARRAY))
      kind = 1;
    else if(lua_rawequal(L, -1, UV_OBJECT))
      kind = 2;
    lua_pop(L, 1);
  }
  lua_pushnil(L);
  while(lua_next(L, t)) {
    lua_pop(L, 1);
    if(lua_type(L, -1) == LUA_TSTRING)
      nstr++;
    else if(lua_isinteger(L, -1)) {
      lua_Integer k = lua_tointeger(L, -1);
      if(k >= 1) {
        nint++;
        if(k > maxint)
          maxint = k;
      }
      else
        nonpos = 1;
    }
    else {
      char what[64];
      snprintf(what, sizeof(what), "cannot encode table key of type %s",
               lua_isnumber(L, -1) ? "float" : luaL_typename(L, -1));
      enc_fail(e, what);
    }
  }
  if(kind == 1) {
    if(nstr)
      enc_fail(e, "json.array table has string keys");
    if(nonpos || nint != maxint)
      enc_fail(e, "sparse array");
    enc_array(e, t, maxint);
  }
  else if(kind == 2) {
    if(nint || nonpos)
      enc_fail(e, "json.object table has non-string keys");
    enc_object(e, t, nstr);
  }
  else if(nstr && (nint || nonpos))
    enc_fail(e, "table mixes array and string keys");
  else if(nonpos || nint != maxint)
    enc_fail(e, "sparse array");
  else if(nint)
    enc_array(e, t, maxint);
  else
    enc_object(e, t, nstr);
}

/*
 * Append the value at stack index idx (absolute). Stack balanced; raises
 * (with the path) for values JSON cannot represent.
 */
static void enc_value(struct enc *e, int idx)
{
  lua_State *L = e->L;
  size_t n;
  const char *s;
  char what[64];

  switch(lua_type(L, idx)) {
  case LUA_TNIL:
    enc_put(e, "null", 4);
    return;
  case LUA_TBOOLEAN:
    if(lua_toboolean(L, idx))
      enc_put(e, "true", 4);
    else
      enc_put(e, "false", 5);
    return;
  case LUA_TNUMBER:
    if(lua_isinteger(L, idx))
      enc_integer(e, lua_tointeger(L, idx));
    else
      enc_float(e, lua_tonumber(L, idx));
    return;
  case LUA_TSTRING:
    s = lua_tolstring(L, idx, &n);
    enc_string(e, s, n);
    return;
  case LUA_TTABLE:
    enc_table(e, idx);
    return;
  case LUA_TLIGHTUSERDATA:
    if(!lua_touserdata(L, idx)) {
      enc_put(e, "null", 4);
      return;
    }
    break;
  default:
    break;
  }
  snprintf(what, sizeof(what), "cannot encode %s", luaL_typename(L, idx));
  enc_fail(e, what);
}

/*
 * Read encode options from the table at index 2 (or none) into e.
 * Raises on a non-table argument or an unknown option name.
 */
static void enc_options(lua_State *L, struct enc *e)
{
  e->pretty = 0;
  e->sort = 0;
  if(lua_isnoneornil(L, 2))
    return;
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_pushnil(L);
  while(lua_next(L, 2)) {
    const char *k = lua_type(L, -2) == LUA_TSTRING ?
      lua_tostring(L, -2) : NULL;
    if(k && !strcmp(k, "pretty"))
      e->pretty = lua_toboolean(L, -1);
    else if(k && !strcmp(k, "sort_keys"))
      e->sort = lua_toboolean(L, -1);
    else
      luaL_error(L, "json.encode: unknown option '%s'",
                 k ? k : luaL_typename(L, -2));
    lua_pop(L, 1);
  }
  if(e->pretty)
    e->sort = 1;
}

/*
 * json.encode(value [, opts]) -> string
 * opts: {pretty = true} (2-space indent, sorted keys), {sort_keys = true}.
 * Raises "json.encode: <problem> at <path>" for values JSON cannot hold.
 */
static int json_encode(lua_State *L)
{
  struct enc e;

  luaL_checkany(L, 1);
  enc_options(L, &e);
  lua_settop(L, 2);
  lua_pushnil(L);  /* [value, opts, heap placeholder] */
  e.L = L;
  e.out = e.inline_buf;
  e.len = 0;
  e.cap = sizeof(e.inline_buf);
  e.heap = NULL;
  e.heapslot = 3;
  e.depth = 0;
  enc_value(&e, 1);
  lua_pushlstring(L, e.out, e.len);
  if(e.heap)
    heap_release(L, e.heap);  /* now rather than at the next collection */
  return 1;
}

/* ------------------------------------------------------------------ */
/* Markers                                                             */
/* ------------------------------------------------------------------ */

/*
 * Set metatable `uv` (an upvalue index) on the table argument 1, or on a
 * new table if the argument is absent or nil. Returns 1 (the table).
 * Raises if the argument is neither nil nor a table.
 */
static int set_marker(lua_State *L, int uv)
{
  if(lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  else
    luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_pushvalue(L, uv);
  lua_setmetatable(L, 1);
  return 1;
}

/* json.array([t]) -> t with the array marker. Raises on a bad argument. */
static int json_array(lua_State *L)
{
  return set_marker(L, UV_ARRAY);
}

/* json.object([t]) -> t with the object marker. Raises on a bad argument. */
static int json_object(lua_State *L)
{
  return set_marker(L, UV_OBJECT);
}

/*
 * json.is_array(v) -> boolean: true if json.encode would write v as a
 * JSON array (array marker, or no object marker and keys exactly 1..n
 * with n >= 1). Never raises.
 */
static int json_is_array(lua_State *L)
{
  lua_Integer n = 0;
  lua_Integer max = 0;
  int ok = 1;

  if(!lua_istable(L, 1)) {
    lua_pushboolean(L, 0);
    return 1;
  }
  lua_settop(L, 1);
  if(lua_getmetatable(L, 1)) {
    int kind = lua_rawequal(L, -1, UV_ARRAY) ? 1 :
      lua_rawequal(L, -1, UV_OBJECT) ? 2 : 0;
    lua_pop(L, 1);
    if(kind) {
      lua_pushboolean(L, kind == 1);
      return 1;
    }
  }
  lua_pushnil(L);
  while(ok && lua_next(L, 1)) {
    lua_pop(L, 1);
    if(lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) {
      n++;
      if(lua_tointeger(L, -1) > max)
        max = lua_tointeger(L, -1);
    }
    else
      ok = 0;
  }
  lua_pushboolean(L, ok && n > 0 && n == max);
  return 1;
}

static const luaL_Reg json_funcs[] = {
  {"array", json_array},
  {"decode", json_decode},
  {"encode", json_encode},
  {"is_array", json_is_array},
  {"object", json_object},
  {NULL, NULL}
};

static const luaL_Reg buffer_meta[] = {
  {"__close", buffer_gc},
  {"__gc", buffer_gc},
  {NULL, NULL}
};

/*
 * require("openclaw.core.json"): pushes the module table (functions,
 * plus `null`, the NULL light userdata shared with cjson). Creates the
 * metatables "openclaw.json.array", "openclaw.json.object" and
 * "openclaw.json.buffer" in the registry on first use.
 */
int luaopen_openclaw_core_json(lua_State *L)
{
  struct scache *cache;

  if(luaL_newmetatable(L, BUFFER_MT))
    luaL_setfuncs(L, buffer_meta, 0);
  lua_pop(L, 1);
  luaL_newlibtable(L, json_funcs);
  luaL_newmetatable(L, ARRAY_MT);
  luaL_newmetatable(L, OBJECT_MT);
  cache = lua_newuserdatauv(L, sizeof(*cache), 0);
  memset(cache, 0, sizeof(*cache));
  lua_createtable(L, SCACHE_SLOTS, 0);
  /* C callers (oc_json_decode_mem) find the same cache and anchor here */
  lua_pushvalue(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, DEC_CACHE_KEY);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, DEC_ANCHOR_KEY);
  luaL_setfuncs(L, json_funcs, 4);  /* [module] */
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "null");
  return 1;
}
