/*
 * l_base64.c - openclaw.core.base64: Lua bridge over the base64 core in
 * b64.c. Output goes through luaL_Buffer, so a memory error raised by Lua
 * leaves no C memory behind. User documentation: docs/json.md (base64
 * section).
 */
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "b64.h"
#include "host.h"

/*
 * Read the options table at index 2 (or none); returns non-zero for
 * {url = true}. Raises on a non-table argument or an unknown option.
 */
static int encode_options(lua_State *L)
{
  int url = 0;

  if(lua_isnoneornil(L, 2))
    return 0;
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_pushnil(L);
  while(lua_next(L, 2)) {
    const char *k = lua_type(L, -2) == LUA_TSTRING ?
      lua_tostring(L, -2) : NULL;
    if(k && !strcmp(k, "url"))
      url = lua_toboolean(L, -1);
    else
      luaL_error(L, "base64.encode: unknown option '%s'",
                 k ? k : luaL_typename(L, -2));
    lua_pop(L, 1);
  }
  return url;
}

/*
 * base64.encode(s [, {url = true}]) -> string
 * Standard alphabet with padding, or URL-safe without padding.
 * Raises if s is not a string or on a bad option.
 */
static int base64_encode(lua_State *L)
{
  size_t n;
  const char *s;
  int url;
  luaL_Buffer b;
  char *out;
  size_t w;

  luaL_checktype(L, 1, LUA_TSTRING);
  s = lua_tolstring(L, 1, &n);
  url = encode_options(L);
  lua_settop(L, 1);
  if(n > ((size_t)-1) / 4 * 3 - 3)
    return luaL_error(L, "base64.encode: input too large");
  out = luaL_buffinitsize(L, &b, oc_b64_encoded_len(n));
  w = oc_b64_encode((const unsigned char *)s, n, out, url);
  luaL_pushresultsize(&b, w);
  return 1;
}

/*
 * Offset (0-based) to blame for invalid base64 text s of n bytes: the
 * first byte outside both alphabets, '=' and whitespace, else the first
 * '=', else n (the text ended early). No stack use.
 */
static size_t bad_offset(const char *s, size_t n)
{
  size_t i;
  size_t pad = n;

  for(i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
       (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '-' ||
       c == '_' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
      continue;
    if(c != '=')
      return i;
    if(pad == n)
      pad = i;
  }
  return pad;
}

/*
 * base64.decode(s) -> string | nil, message
 * Accepts both alphabets, optional padding and ASCII whitespace.
 * Malformed text returns nil, "base64: invalid input at offset N".
 * Raises only if s is not a string (or on memory errors).
 */
static int base64_decode(lua_State *L)
{
  size_t n;
  const char *s;
  luaL_Buffer b;
  char *out;
  size_t w;

  luaL_checktype(L, 1, LUA_TSTRING);
  s = lua_tolstring(L, 1, &n);
  lua_settop(L, 1);
  out = luaL_buffinitsize(L, &b, oc_b64_decoded_max(n));
  w = oc_b64_decode(s, n, (unsigned char *)out);
  if(w == (size_t)-1) {
    lua_pushnil(L);  /* the unfinished buffer below is garbage */
    lua_pushfstring(L, "base64: invalid input at offset %I",
                    (lua_Integer)bad_offset(s, n));
    return 2;
  }
  luaL_pushresultsize(&b, w);
  return 1;
}

static const luaL_Reg base64_funcs[] = {
  {"decode", base64_decode},
  {"encode", base64_encode},
  {NULL, NULL}
};

/* require("openclaw.core.base64"): pushes the module table. */
int luaopen_openclaw_core_base64(lua_State *L)
{
  luaL_newlib(L, base64_funcs);
  return 1;
}
