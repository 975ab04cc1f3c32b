/*
 * alloc.h - the Lua state's memory allocator.
 */
#ifndef OC_ALLOC_H
#define OC_ALLOC_H

#include <lua.h>

/* Create a Lua state using the host allocator: slabs of 16-byte size
   classes for blocks up to 512 bytes (Lua passes the old size on free, so
   blocks carry no header), malloc for the rest. OPENCLAW_MALLOC=libc in the environment, or a
   sanitizer build, selects plain realloc/free instead. */
lua_State *oc_newstate(void);
/* Release the spare slabs after lua_close() of the state. */
void oc_alloc_release(void);

#endif
