/*
 * l_http.c - Lua bridge of the transfer engine: "openclaw.core.http".
 *
 *   new{method, url, headers, body, timeout_ms, connect_timeout_ms,
 *       max_body_bytes, idle_timeout_ms, max_event_bytes, stream}
 *       -> transfer (already started)
 *
 * Transfer methods (metatable "openclaw.http.transfer"):
 *   t:state()       "active" | "done" | "failed" | "closed"
 *   t:head()        nil while the response head is pending, else
 *                   status, headers (lower-case names; repeats joined ", ")
 *   t:body()        the collected body (buffer transfers)
 *   t:error()       message, code of a failed transfer, else nil
 *   t:next_event()  data, event, id, retry of the next SSE event, or nil
 *   t:next_json()   the next SSE event's data decoded as JSON in place
 *                   (no data string is made): value, or false, data when
 *                   the data is not JSON (e.g. "[DONE]"), or nil
 *   t:next_chunk()  next raw chunk (string) or nil
 *   t:comments()    SSE comment lines seen
 *   t:info()        table: connects (new connections), http_version
 *   t:close()       idempotent; also __gc and __close
 *
 * The Lua half (lua/openclaw/http.lua) turns these into blocking calls
 * that yield the calling task. Misuse raises; network failures are state.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "host.h"
#include "curl_lazy.h"
#include "http.h"

#define XFER_MT "openclaw.http.transfer"
#define DEFAULT_MAX_BODY ((size_t)256 * 1024 * 1024)
#define DEFAULT_MAX_EVENT ((size_t)16 * 1024 * 1024)

struct lxfer {
  struct oc_xfer x;
  long connects;
  long http_version;
};

static struct lxfer *check_xfer(lua_State *L)
{
  struct lxfer *t = luaL_checkudata(L, 1, XFER_MT);
  if(t->x.state == OC_XS_CLOSED)
    luaL_error(L, "attempt to use a closed transfer");
  return t;
}

/* opt_ms() - optional non-negative number field of the options table */
static double opt_ms(lua_State *L, const char *key, double dflt)
{
  double v = dflt;
  int t = lua_getfield(L, 1, key);
  if(t != LUA_TNIL) {
    if(t != LUA_TNUMBER)
      luaL_error(L, "http: '%s' must be a number (milliseconds), got %s",
                 key, luaL_typename(L, -1));
    v = lua_tonumber(L, -1);
    if(v < 0 || v != v)
      luaL_error(L, "http: '%s' must be >= 0", key);
  }
  lua_pop(L, 1);
  return v;
}

/* opt_str() - optional string field; the pointer stays valid while the
   options table is on the stack (the string is referenced by it) */
static const char *opt_str(lua_State *L, const char *key, size_t *len)
{
  const char *s = NULL;
  int t = lua_getfield(L, 1, key);
  if(t != LUA_TNIL) {
    if(t != LUA_TSTRING)
      luaL_error(L, "http: '%s' must be a string, got %s", key,
                 luaL_typename(L, -1));
    s = lua_tolstring(L, -1, len);
  }
  lua_pop(L, 1);
  return s;
}

/* valid_method() - a token of upper-case letters */
static int valid_method(const char *m)
{
  size_t i;
  if(!*m)
    return 0;
  for(i = 0; m[i]; i++) {
    if(m[i] < 'A' || m[i] > 'Z')
      return 0;
  }
  return i <= 16;
}

/* add_headers() - copy the headers table into the transfer.
   Accepts {Name = "value"} (values: string or number). Names and values
   may not contain CR/LF. Raises on misuse. */
static void add_headers(lua_State *L, struct lxfer *t)
{
  int ty = lua_getfield(L, 1, "headers");
  if(ty == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  if(ty != LUA_TTABLE)
    luaL_error(L, "http: 'headers' must be a table, got %s",
               luaL_typename(L, -1));
  lua_pushnil(L);
  while(lua_next(L, -2)) {                   /* [ opts.., hdrs, k, v ] */
    luaL_Buffer b;
    size_t kl, vl;
    const char *k, *v;
    if(lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "http: header names must be strings");
    if(lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
      luaL_error(L, "http: header '%s' must be a string, got %s",
                 lua_tostring(L, -2), luaL_typename(L, -1));
    k = lua_tolstring(L, -2, &kl);
    lua_pushvalue(L, -1);
    v = lua_tolstring(L, -1, &vl);           /* [ .., k, v, vstr ] */
    if(!kl || strpbrk(k, "\r\n:") || strlen(k) != kl ||
       strpbrk(v, "\r\n") || strlen(v) != vl)
      luaL_error(L, "http: header '%s' has an invalid name or value", k);
    luaL_buffinit(L, &b);
    luaL_addlstring(&b, k, kl);
    luaL_addstring(&b, vl ? ": " : ";");
    luaL_addlstring(&b, v, vl);
    luaL_pushresult(&b);                     /* [ .., k, v, vstr, line ] */
    if(oc_xfer_add_header(&t->x, lua_tostring(L, -1)))
      luaL_error(L, "http: out of memory");
    lua_pop(L, 3);                           /* [ .., hdrs, k ] */
  }
  lua_pop(L, 1);
}

/* http_new() - {options} -> transfer; raises on misuse, returns nil,
   message, code when the transfer cannot be created */
static int http_new(lua_State *L)
{
  struct oc_xfer_opts o;
  struct lxfer *t;
  const char *err = NULL;
  const char *method;
  size_t len = 0;
  luaL_checktype(L, 1, LUA_TTABLE);
  memset(&o, 0, sizeof(o));
  o.url = opt_str(L, "url", &len);
  if(!o.url)
    return luaL_error(L, "http: 'url' is required");
  if(strncmp(o.url, "http://", 7) && strncmp(o.url, "https://", 8))
    return luaL_error(L, "http: 'url' must start with http:// or "
                      "https:// (got '%s')", o.url);
  method = opt_str(L, "method", &len);
  o.method = method ? method : "GET";
  if(!valid_method(o.method))
    return luaL_error(L, "http: 'method' must be an upper-case HTTP "
                      "method such as GET or POST (got '%s')", o.method);
  o.body = opt_str(L, "body", &o.body_len);
  o.has_body = o.body != NULL;
  o.timeout_ms = (long)opt_ms(L, "timeout_ms", 0);
  o.connect_timeout_ms = (long)opt_ms(L, "connect_timeout_ms", 0);
  o.idle_ms = opt_ms(L, "idle_timeout_ms", 0);
  o.max_body = (size_t)opt_ms(L, "max_body_bytes", (double)DEFAULT_MAX_BODY);
  o.max_event = (size_t)opt_ms(L, "max_event_bytes",
                               (double)DEFAULT_MAX_EVENT);
  if(o.max_event < 16)
    o.max_event = 16;
  lua_getfield(L, 1, "stream");
  o.stream = lua_toboolean(L, -1);
  lua_pop(L, 1);

  t = lua_newuserdatauv(L, sizeof(*t), 0);   /* [ opts, t ] */
  memset(t, 0, sizeof(*t));
  t->x.state = OC_XS_CLOSED;                 /* until fully created */
  luaL_setmetatable(L, XFER_MT);
  if(oc_xfer_init(&t->x, &o, &err)) {
    t->x.state = OC_XS_CLOSED;
    lua_pushnil(L);
    lua_pushstring(L, err);
    lua_pushstring(L, "init");
    return 3;
  }
  add_headers(L, t);
  if(oc_xfer_start(&t->x, &err)) {
    oc_xfer_close(&t->x);
    lua_pushnil(L);
    lua_pushstring(L, err);
    lua_pushstring(L, "init");
    return 3;
  }
  lua_pushvalue(L, -1);
  t->x.src.ref = luaL_ref(L, LUA_REGISTRYINDEX);   /* anchor while active */
  return 1;
}

/* unanchor() - drop the registry anchor of a finished transfer */
static void unanchor(lua_State *L, struct lxfer *t)
{
  if(t->x.src.ref >= 0) {
    luaL_unref(L, LUA_REGISTRYINDEX, t->x.src.ref);
    t->x.src.ref = -2;
  }
}

/* capture() - remember connection facts before curl forgets them */
static void capture(struct lxfer *t)
{
  if(t->x.easy && (t->x.state == OC_XS_DONE || t->x.state == OC_XS_FAILED)
     && !t->http_version) {
    curl_easy_getinfo(t->x.easy, CURLINFO_NUM_CONNECTS, &t->connects);
    curl_easy_getinfo(t->x.easy, CURLINFO_HTTP_VERSION, &t->http_version);
    if(!t->http_version)
      t->http_version = -1;
  }
}

static int xfer_state(lua_State *L)
{
  static const char *const names[] = {
    "active", "active", "done", "failed", "closed"
  };
  struct lxfer *t = luaL_checkudata(L, 1, XFER_MT);
  if(t->x.state == OC_XS_DONE || t->x.state == OC_XS_FAILED) {
    capture(t);
    unanchor(L, t);
  }
  lua_pushstring(L, names[t->x.state]);
  return 1;
}

static int xfer_head(lua_State *L)
{
  struct lxfer *t = check_xfer(L);
  size_t off = 0;
  if(!t->x.head_done)
    return 0;
  lua_pushinteger(L, t->x.status);
  lua_createtable(L, 0, 8);                  /* [ t, status, hdrs ] */
  while(off < t->x.head.len) {
    const char *name = t->x.head.data + off;
    size_t nl = strlen(name);
    const char *val = name + nl + 1;
    size_t vl = strlen(val);
    off += nl + vl + 2;
    lua_pushlstring(L, name, nl);
    if(lua_rawget(L, -2) == LUA_TSTRING) {   /* repeat: join with ", " */
      lua_pushlstring(L, name, nl);
      lua_insert(L, -2);
      lua_pushliteral(L, ", ");
      lua_pushlstring(L, val, vl);
      lua_concat(L, 3);
    }
    else {
      lua_pop(L, 1);
      lua_pushlstring(L, name, nl);
      lua_pushlstring(L, val, vl);
    }
    lua_rawset(L, -3);
  }
  return 2;
}

static int xfer_body(lua_State *L)
{
  struct lxfer *t = check_xfer(L);
  lua_pushlstring(L, t->x.body.data ? t->x.body.data : "", t->x.body.len);
  return 1;
}

static int xfer_error(lua_State *L)
{
  struct lxfer *t = luaL_checkudata(L, 1, XFER_MT);
  if(t->x.state != OC_XS_FAILED)
    return 0;
  lua_pushstring(L, t->x.errmsg);
  lua_pushstring(L, t->x.errcode ? t->x.errcode : "network");
  return 2;
}

static int xfer_next_event(lua_State *L)
{
  struct lxfer *t = check_xfer(L);
  struct oc_rec r;
  const char *p;
  if(!t->x.mode_fixed && oc_xfer_set_mode(&t->x, OC_XM_SSE))
    return 0;
  if(t->x.mode != OC_XM_SSE)
    return luaL_error(L, "this stream delivers raw chunks, not events");
  if(!oc_xfer_peek(&t->x, &r, &p))
    return 0;
  lua_pushlstring(L, p + r.event_len + r.id_len, r.data_len);
  lua_pushlstring(L, p, r.event_len);
  if(r.id_len)
    lua_pushlstring(L, p + r.event_len, r.id_len);
  else
    lua_pushnil(L);
  if(r.retry >= 0)
    lua_pushinteger(L, r.retry);
  else
    lua_pushnil(L);
  oc_xfer_drop(&t->x);
  return 4;
}

int oc_json_decode_mem(lua_State *L, const char *s, size_t len);

static int xfer_next_json(lua_State *L)
{
  struct lxfer *t = check_xfer(L);
  struct oc_rec r;
  const char *p;
  const char *data;
  lua_settop(L, 1);
  if(!t->x.mode_fixed && oc_xfer_set_mode(&t->x, OC_XM_SSE))
    return 0;
  if(t->x.mode != OC_XM_SSE)
    return luaL_error(L, "this stream delivers raw chunks, not events");
  if(!oc_xfer_peek(&t->x, &r, &p))
    return 0;
  data = p + r.event_len + r.id_len;
  if(oc_json_decode_mem(L, data, r.data_len) == 1) {
    oc_xfer_drop(&t->x);                 /* [t, value] */
    return 1;
  }
  lua_settop(L, 1);
  lua_pushboolean(L, 0);
  lua_pushlstring(L, data, r.data_len);  /* [t, false, data] */
  oc_xfer_drop(&t->x);
  return 2;
}

static int xfer_next_chunk(lua_State *L)
{
  struct lxfer *t = check_xfer(L);
  struct oc_rec r;
  const char *p;
  if(!t->x.mode_fixed)
    oc_xfer_set_mode(&t->x, OC_XM_RAW);
  if(t->x.mode == OC_XM_SSE)
    return luaL_error(L, "this stream delivers events, not raw chunks");
  if(t->x.mode == OC_XM_BUFFER)
    return luaL_error(L, "not a stream");
  if(!oc_xfer_peek(&t->x, &r, &p))
    return 0;
  lua_pushlstring(L, p, r.data_len);
  oc_xfer_drop(&t->x);
  return 1;
}

static int xfer_comments(lua_State *L)
{
  struct lxfer *t = check_xfer(L);
  unsigned long c = t->x.sse ? oc_sse_comments(t->x.sse) : t->x.comments;
  lua_pushinteger(L, (lua_Integer)c);
  return 1;
}

static int xfer_info(lua_State *L)
{
  struct lxfer *t = luaL_checkudata(L, 1, XFER_MT);
  capture(t);
  lua_createtable(L, 0, 2);
  lua_pushinteger(L, t->connects);
  lua_setfield(L, -2, "connects");
  lua_pushinteger(L, t->http_version == CURL_HTTP_VERSION_2_0 ? 2 :
                  t->http_version == CURL_HTTP_VERSION_1_1 ? 11 :
                  t->http_version == CURL_HTTP_VERSION_1_0 ? 10 : 0);
  lua_setfield(L, -2, "http_version");
  return 1;
}

/* xfer_close() - idempotent; used for close, __gc and __close */
static int xfer_close(lua_State *L)
{
  struct lxfer *t = luaL_checkudata(L, 1, XFER_MT);
  if(t->x.state != OC_XS_CLOSED) {
    capture(t);
    oc_source_unlink(&t->x.src);
    oc_xfer_close(&t->x);
  }
  unanchor(L, t);
  return 0;
}

static int xfer_tostring(lua_State *L)
{
  struct lxfer *t = luaL_checkudata(L, 1, XFER_MT);
  lua_pushfstring(L, "openclaw.http.transfer (%p)", (void *)t);
  return 1;
}

static const luaL_Reg xfer_methods[] = {
  {"body", xfer_body},
  {"close", xfer_close},
  {"comments", xfer_comments},
  {"error", xfer_error},
  {"head", xfer_head},
  {"info", xfer_info},
  {"next_chunk", xfer_next_chunk},
  {"next_event", xfer_next_event},
  {"next_json", xfer_next_json},
  {"state", xfer_state},
  {NULL, NULL}
};

static const luaL_Reg xfer_meta[] = {
  {"__close", xfer_close},
  {"__gc", xfer_close},
  {"__index", NULL},
  {"__tostring", xfer_tostring},
  {NULL, NULL}
};

/* http_curl_version() -> libcurl version string (loads nothing) */
static int http_curl_version(lua_State *L)
{
  lua_pushstring(L, oc_curl_version());
  return 1;
}

static const luaL_Reg http_funcs[] = {
  {"curl_version", http_curl_version},
  {"new", http_new},
  {NULL, NULL}
};

int luaopen_openclaw_core_http(lua_State *L)
{
  oc_http_init();
  luaL_newmetatable(L, XFER_MT);
  luaL_setfuncs(L, xfer_meta, 0);
  luaL_newlibtable(L, xfer_methods);
  luaL_setfuncs(L, xfer_methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newlib(L, http_funcs);
  return 1;
}
