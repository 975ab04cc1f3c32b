/*
 * host.h - the Lua host: state creation, module paths, preloads,
 * protected calls with tracebacks.
 */
#ifndef OC_HOST_H
#define OC_HOST_H

#include <lua.h>

/* Registry key of the "interrupted" sentinel error object. */
#define OC_INTERRUPTED_KEY "openclaw.interrupted"

/* Run the host with argv; returns the process exit code. */
int oc_host_main(int argc, char **argv);

/* Message handler for lua_pcall: appends a traceback to string errors,
   honours __tostring, leaves the interrupted sentinel alone. */
int oc_msghandler(lua_State *L);

/* Lua module openers (one bridge file each). */
int luaopen_openclaw_core_loop(lua_State *L);
int luaopen_openclaw_core_http(lua_State *L);
int luaopen_openclaw_core_json(lua_State *L);
int luaopen_openclaw_core_base64(lua_State *L);
int luaopen_openclaw_core_fs(lua_State *L);

/* Shut down transfers and libcurl, flush stdio (before exit). */
void oc_host_shutdown(void);

#endif
