/*
 * host.c - the Lua host: one lua_State, module paths, preloaded C modules,
 * a protected main with tracebacks, and the exit policy.
 *
 * Module search order (package.path):
 *   1. every folder of OPENCLAW_LUA_PATH (':'-separated), in order
 *   2. the openclaw Lua folder: <exe dir>/lua (build tree), else
 *      <exe dir>/../share/openclaw/lua (installed), else the compiled-in
 *      install folder
 *   3. Debian's system Lua folders (so system-installed libraries work)
 * No CWD-relative entries. package.cpath holds only Debian's system
 * folders. cjson, cjson.safe, lfs and our C modules are preloaded.
 */
#define _DEFAULT_SOURCE 1 /* realpath */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "alloc.h"
#include "host.h"
#include "http.h"
#include "loop.h"

int luaopen_cjson(lua_State *L);
int luaopen_cjson_safe(lua_State *L);
int luaopen_lfs(lua_State *L);

#define SYS_LUA_PATH \
  "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;" \
  "/usr/local/lib/lua/5.4/?.lua;/usr/local/lib/lua/5.4/?/init.lua;" \
  "/usr/share/lua/5.4/?.lua;/usr/share/lua/5.4/?/init.lua"
#define SYS_LUA_CPATH \
  "/usr/local/lib/lua/5.4/?.so;/usr/lib/x86_64-linux-gnu/lua/5.4/?.so;" \
  "/usr/lib/lua/5.4/?.so;/usr/local/lib/lua/5.4/loadall.so"

struct host_args {
  int argc;
  char **argv;
  int status;
};

static int is_dir(const char *p)
{
  struct stat st;
  return !stat(p, &st) && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
  struct stat st;
  return !stat(p, &st) && S_ISREG(st.st_mode);
}

/* exe_dir() - directory of the running binary into buf ("" if unknown) */
static void exe_dir(char *buf, size_t size)
{
  ssize_t n = readlink("/proc/self/exe", buf, size - 1);
  char *slash;
  if(n <= 0) {
    buf[0] = '\0';
    return;
  }
  buf[n] = '\0';
  slash = strrchr(buf, '/');
  if(slash)
    *slash = '\0';
}

/* push_dirs() - push the openclaw Lua folder (holding openclaw/init.lua)
   and the share folder above it (holding the shipped config.lua) */
static void push_dirs(lua_State *L)
{
  char exe[PATH_MAX];
  char cand[PATH_MAX + 64];
  char real[PATH_MAX];
  char *slash;
  const char *found = NULL;
  exe_dir(exe, sizeof(exe));
  if(exe[0]) {
    snprintf(cand, sizeof(cand), "%s/lua/openclaw/init.lua", exe);
    if(is_file(cand)) {
      snprintf(cand, sizeof(cand), "%s/lua", exe);
      found = cand;
    }
    else {
      snprintf(cand, sizeof(cand), "%s/../share/openclaw/lua", exe);
      if(is_dir(cand))
        found = cand;
    }
  }
  if(!found || !realpath(found, real))
    snprintf(real, sizeof(real), "%s", OPENCLAW_INSTALL_LUA_DIR);
  lua_pushstring(L, real);
  slash = strrchr(real, '/');
  if(slash && slash != real)
    *slash = '\0';
  lua_pushstring(L, real);
}

/* set_paths() - package.path/cpath as documented above; pushes nothing */
static void set_paths(lua_State *L, const char *lua_dir)
{
  luaL_Buffer b;
  const char *user = getenv("OPENCLAW_LUA_PATH");
  lua_getglobal(L, "package");                    /* [ package ] */
  luaL_buffinit(L, &b);
  if(user && *user) {
    const char *p = user;
    while(*p) {
      const char *e = strchr(p, ':');
      size_t n = e ? (size_t)(e - p) : strlen(p);
      if(n) {
        luaL_addlstring(&b, p, n);
        luaL_addstring(&b, "/?.lua;");
        luaL_addlstring(&b, p, n);
        luaL_addstring(&b, "/?/init.lua;");
      }
      p += n;
      if(*p == ':')
        p++;
    }
  }
  luaL_addstring(&b, lua_dir);
  luaL_addstring(&b, "/?.lua;");
  luaL_addstring(&b, lua_dir);
  luaL_addstring(&b, "/?/init.lua;");
  luaL_addstring(&b, SYS_LUA_PATH);
  luaL_pushresult(&b);                            /* [ package, path ] */
  lua_setfield(L, -2, "path");
  lua_pushliteral(L, SYS_LUA_CPATH);
  lua_setfield(L, -2, "cpath");
  lua_pop(L, 1);
}

/* preload() - register C modules in package.preload */
static void preload(lua_State *L)
{
  static const luaL_Reg mods[] = {
    {"cjson", luaopen_cjson},
    {"cjson.safe", luaopen_cjson_safe},
    {"lfs", luaopen_lfs},
    {"openclaw.core.base64", luaopen_openclaw_core_base64},
    {"openclaw.core.fs", luaopen_openclaw_core_fs},
    {"openclaw.core.http", luaopen_openclaw_core_http},
    {"openclaw.core.json", luaopen_openclaw_core_json},
    {"openclaw.core.loop", luaopen_openclaw_core_loop},
    {NULL, NULL}
  };
  const luaL_Reg *m;
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  for(m = mods; m->name; m++) {
    lua_pushcfunction(L, m->func);
    lua_setfield(L, -2, m->name);
  }
  lua_pop(L, 1);
}

int oc_msghandler(lua_State *L)
{
  const char *msg = lua_tostring(L, 1);
  if(!msg) {
    if(luaL_callmeta(L, 1, "__tostring") &&
       lua_type(L, -1) == LUA_TSTRING)
      return 1;          /* structured error: its own text, no traceback */
    msg = lua_pushfstring(L, "(error object is a %s value)",
                          luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

void oc_host_shutdown(void)
{
  fflush(stdout);
  fflush(stderr);
  oc_http_cancel_all("cancelled", "the program is exiting");
  oc_loop_shutdown();
}

static int interrupted_tostring(lua_State *L)
{
  lua_pushliteral(L, "interrupted");
  return 1;
}

/* pmain() - protected main: build the state, run openclaw.cli.main(argv).
   Stack in: [ host_args lightuserdata ]. */
static int pmain(lua_State *L)
{
  struct host_args *a = lua_touserdata(L, 1);
  int i;
  luaL_checkversion(L);
  /* OPENCLAW_GC=generational selects Lua's generational collector (an
     experiment knob; see docs/benchmarks.md). */
  if(getenv("OPENCLAW_GC") && !strcmp(getenv("OPENCLAW_GC"), "generational"))
    lua_gc(L, LUA_GCGEN, 50, 100);
  luaL_openlibs(L);
  lua_warning(L, getenv("OPENCLAW_WARNINGS") ? "@on" : "@off", 0);

  /* the Ctrl-C sentinel: a table with __tostring "interrupted" */
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "interrupted");
  lua_setfield(L, -2, "code");
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, interrupted_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, OC_INTERRUPTED_KEY);

  push_dirs(L);                                  /* [ a, lua_dir, share ] */
  set_paths(L, lua_tostring(L, -2));
  preload(L);

  /* package.loaded["openclaw.host"] = { version, lua_dir, share_dir,
     exe_args } */
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_createtable(L, 0, 4);
  lua_pushliteral(L, OPENCLAW_VERSION);
  lua_setfield(L, -2, "version");
  lua_pushvalue(L, -4);
  lua_setfield(L, -2, "lua_dir");
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "share_dir");
  lua_pushstring(L, LUA_RELEASE);
  lua_setfield(L, -2, "lua_version");
  lua_setfield(L, -2, "openclaw.host");
  lua_pop(L, 3);                                 /* [ a ] */

  lua_getglobal(L, "require");
  lua_pushliteral(L, "openclaw.cli");
  lua_call(L, 1, 1);                             /* [ a, cli ] */
  lua_getfield(L, -1, "main");
  lua_createtable(L, a->argc, 1);
  for(i = 0; i < a->argc; i++) {
    lua_pushstring(L, a->argv[i]);
    lua_rawseti(L, -2, i);
  }                                              /* [ a, cli, main, argv ] */
  lua_call(L, 1, 1);
  a->status = (int)luaL_optinteger(L, -1, 0);
  return 0;
}

int oc_host_main(int argc, char **argv)
{
  struct host_args a;
  lua_State *L = oc_newstate();
  int rc;
  if(!L) {
    fputs("openclaw: cannot create the Lua state: not enough memory\n",
          stderr);
    return 1;
  }
  a.argc = argc;
  a.argv = argv;
  a.status = 0;
  lua_pushcfunction(L, oc_msghandler);
  lua_pushcfunction(L, pmain);
  lua_pushlightuserdata(L, &a);
  rc = lua_pcall(L, 1, 0, 1);
  if(rc != LUA_OK) {
    int interrupted;
    lua_getfield(L, LUA_REGISTRYINDEX, OC_INTERRUPTED_KEY);
    interrupted = lua_rawequal(L, -1, -2);
    lua_pop(L, 1);
    fprintf(stderr, "openclaw: %s\n", lua_tostring(L, -1) ?
            lua_tostring(L, -1) : "(error object is not a string)");
    a.status = interrupted ? 130 : 1;
  }
  fflush(stdout);
  fflush(stderr);
  lua_close(L);          /* closes transfers through their __gc */
  oc_alloc_release();
  oc_loop_shutdown();
  return a.status;
}
