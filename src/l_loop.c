/*
 * l_loop.c - Lua bridge of the event loop: module "openclaw.core.loop".
 *
 *   now() -> ms              monotonic clock, fractional milliseconds
 *   poll(timeout_ms) -> ready, interrupted
 *                            wait for transfers/watches/signals; `ready` is
 *                            an array of the objects that changed
 *   resume(co, ...) -> ok, ...   like coroutine.resume, but tracks the
 *                            running task for Ctrl-C and, on error, returns
 *                            false, err, traceback
 *   running() -> n           transfers in flight
 *   live() -> n              transfers not yet closed (leak checks)
 *   exit([code])             close transfers, flush, exit the process
 *   INTERRUPTED              the sentinel error raised by Ctrl-C
 *
 * The scheduler itself is Lua (lua/openclaw/sched.lua).
 */
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "host.h"
#include "http.h"
#include "loop.h"

static lua_State *volatile current_L;

/* stop_hook() - raise the interrupted sentinel at a safe point */
static void stop_hook(lua_State *L, lua_Debug *ar)
{
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  oc_interrupt_pending = 0;
  oc_http_cancel_all("interrupted", "interrupted");
  lua_getfield(L, LUA_REGISTRYINDEX, OC_INTERRUPTED_KEY);
  lua_error(L);
}

/* on_interrupt() - from the signal handler while Lua runs: arm the hook
   on the running thread (lua_sethook is signal-safe, as in lua.c) */
static void on_interrupt(void)
{
  lua_State *L = current_L;
  if(L)
    lua_sethook(L, stop_hook,
                LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT,
                1);
}

static int loop_now(lua_State *L)
{
  lua_pushnumber(L, oc_now_ms());
  return 1;
}

/* loop_poll() - [timeout] -> ready array, interrupted boolean */
static int loop_poll(lua_State *L)
{
  lua_Number t = luaL_optnumber(L, 1, -1);
  int timeout = t < 0 ? -1 : (t > 2147483.0 * 1000 ? 2147483000 :
                              (int)t);
  int rc, n = 0;
  struct oc_source *s;
  rc = oc_loop_wait(timeout);
  if(rc < 0)
    return luaL_error(L, "event loop failure");
  if(rc == 1) {
    oc_interrupt_pending = 0;
    oc_http_cancel_all("interrupted", "interrupted");
  }
  lua_createtable(L, 8, 0);                 /* [ ready ] */
  while((s = oc_source_pop_ready())) {
    if(s->ref < 0)
      continue;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->ref);
    lua_rawseti(L, -2, ++n);
  }
  lua_pushboolean(L, rc == 1);
  return 2;
}

/* loop_resume() - co, ... -> true, ... | false, err, traceback */
static int loop_resume(lua_State *L)
{
  lua_State *co = lua_tothread(L, 1);
  lua_State *prev;
  int nargs = lua_gettop(L) - 1;
  int nres = 0;
  int status;
  luaL_argexpected(L, co, 1, "coroutine");
  if(lua_status(co) == LUA_OK && lua_gettop(co) == 0)
    return luaL_error(L, "cannot resume dead coroutine");
  if(!lua_checkstack(co, nargs))
    return luaL_error(L, "too many arguments to resume");
  lua_xmove(L, co, nargs);
  prev = current_L;
  current_L = co;
  status = lua_resume(co, L, nargs, &nres);
  current_L = prev;
  if(status == LUA_OK || status == LUA_YIELD) {
    if(!lua_checkstack(L, nres + 1)) {
      lua_pop(co, nres);
      return luaL_error(L, "too many results to resume");
    }
    lua_pushboolean(L, 1);
    lua_xmove(co, L, nres);
    return nres + 1;
  }
  lua_pushboolean(L, 0);                     /* [ ..., false ] */
  lua_xmove(co, L, 1);                       /* [ ..., false, err ] */
  if(lua_type(L, -1) == LUA_TSTRING)
    luaL_traceback(L, co, lua_tostring(L, -1), 0);
  else
    luaL_traceback(L, co, NULL, 0);         /* [ ..., false, err, tb ] */
  lua_resetthread(co);                       /* close pending tbc vars */
  lua_settop(co, 0);                         /* and make it "dead" */
  return 3;
}

static int loop_running(lua_State *L)
{
  lua_pushinteger(L, oc_loop_running());
  return 1;
}

static int loop_live(lua_State *L)
{
  lua_pushinteger(L, oc_http_live());
  return 1;
}

/* loop_exit() - [code|boolean] : os.exit that closes transfers first */
static int loop_exit(lua_State *L)
{
  int code;
  if(lua_isboolean(L, 1))
    code = lua_toboolean(L, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
  else
    code = (int)luaL_optinteger(L, 1, EXIT_SUCCESS);
  oc_host_shutdown();
  exit(code);
  return 0;
}

static const luaL_Reg loop_funcs[] = {
  {"exit", loop_exit},
  {"live", loop_live},
  {"now", loop_now},
  {"poll", loop_poll},
  {"resume", loop_resume},
  {"running", loop_running},
  {NULL, NULL}
};

int luaopen_openclaw_core_loop(lua_State *L)
{
  oc_signals_install();
  oc_on_interrupt = on_interrupt;
  current_L = NULL;
  luaL_newlib(L, loop_funcs);
  lua_getfield(L, LUA_REGISTRYINDEX, OC_INTERRUPTED_KEY);
  lua_setfield(L, -2, "INTERRUPTED");
  return 1;
}
