/*
 * alloc.c - slab allocator for the Lua state.
 *
 * A streaming agent allocates and frees millions of small objects (event
 * strings, decoded JSON tables). glibc's malloc spends most of that time
 * in _int_malloc/free and consolidation (see docs/benchmarks.md), so
 * small blocks come from slabs: 64 KiB aligned arenas that each serve one
 * size class (16-byte steps up to 512 bytes). Because lua_Alloc receives
 * the old size on every free and realloc, a block needs no header; its
 * slab is found by masking the address. A slab that becomes empty goes to
 * a short spare list or back to the system, so memory freed after a peak
 * is returned and later allocations stay compact (a global free list
 * instead scatters them and slows everything after the first big free).
 * Blocks larger than 512 bytes go to malloc.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "alloc.h"

#define GRAN 16
#define SMALL_MAX 512
#define CLASSES (SMALL_MAX / GRAN)
#define SLAB_SIZE ((size_t)64 * 1024)
#define SLAB_HEAD 64              /* header bytes, keeps blocks aligned */
#define MAX_SPARE 64              /* empty slabs kept (4 MiB) */

struct free_block {
  struct free_block *next;
};

struct slab {
  struct slab *next;              /* partial list of its class */
  struct slab *prev;
  struct free_block *free;        /* freed blocks of this slab */
  char *bump;                     /* never-used space */
  unsigned int used;              /* blocks handed out */
  unsigned int cls;
  int partial;                    /* on its class's partial list */
};

static struct slab *partial[CLASSES + 1];
static struct slab *spare;
static int nspare;

static unsigned size_class(size_t n)
{
  return (unsigned)((n + GRAN - 1) / GRAN);
}

static void unlink_partial(struct slab *s)
{
  if(s->prev)
    s->prev->next = s->next;
  else
    partial[s->cls] = s->next;
  if(s->next)
    s->next->prev = s->prev;
  s->next = s->prev = NULL;
  s->partial = 0;
}

static void push_partial(struct slab *s)
{
  s->prev = NULL;
  s->next = partial[s->cls];
  if(s->next)
    s->next->prev = s;
  partial[s->cls] = s;
  s->partial = 1;
}

/* new_slab() - an empty slab for class c (spare or fresh), or NULL */
static struct slab *new_slab(unsigned c)
{
  struct slab *s = spare;
  if(s) {
    spare = s->next;
    nspare--;
  }
  else {
    s = aligned_alloc(SLAB_SIZE, SLAB_SIZE);
    if(!s)
      return NULL;
  }
  memset(s, 0, sizeof(*s));
  s->cls = c;
  s->bump = (char *)s + SLAB_HEAD;
  return s;
}

/* slab_get() - a block of class c, or NULL */
static void *slab_get(unsigned c)
{
  struct slab *s = partial[c];
  size_t sz = (size_t)c * GRAN;
  void *p;
  if(!s) {
    s = new_slab(c);
    if(!s)
      return NULL;
    push_partial(s);
  }
  if(s->free) {
    p = s->free;
    s->free = s->free->next;
  }
  else {
    p = s->bump;
    s->bump += sz;
  }
  s->used++;
  if(!s->free && (size_t)((char *)s + SLAB_SIZE - s->bump) < sz)
    unlink_partial(s);            /* full */
  return p;
}

/* slab_put() - give a block of class c back */
static void slab_put(void *p)
{
  struct slab *s = (struct slab *)((uintptr_t)p & ~(uintptr_t)(SLAB_SIZE -
                                                                1));
  struct free_block *f = p;
  f->next = s->free;
  s->free = f;
  s->used--;
  if(!s->used) {
    if(s->partial)
      unlink_partial(s);
    if(nspare < MAX_SPARE) {
      s->next = spare;
      spare = s;
      nspare++;
    }
    else {
      free(s);
    }
    return;
  }
  if(!s->partial)
    push_partial(s);
}

static void release(void *p, size_t n)
{
  if(n <= SMALL_MAX)
    slab_put(p);
  else
    free(p);
}

/* pool_alloc() - lua_Alloc with Lua's contract: nsize 0 frees, ptr NULL
   allocates (osize is then a type tag), else reallocates */
static void *pool_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
  void *np;
  (void)ud;
  if(!ptr)
    osize = 0;
  if(nsize == 0) {
    if(ptr)
      release(ptr, osize);
    return NULL;
  }
  if(ptr && osize > SMALL_MAX && nsize > SMALL_MAX)
    return realloc(ptr, nsize);
  if(ptr && osize <= SMALL_MAX && nsize <= SMALL_MAX &&
     size_class(osize) == size_class(nsize))
    return ptr;
  np = nsize <= SMALL_MAX ? slab_get(size_class(nsize)) : malloc(nsize);
  if(!np)
    return NULL;
  if(ptr) {
    memcpy(np, ptr, osize < nsize ? osize : nsize);
    release(ptr, osize);
  }
  return np;
}

/* libc_alloc() - the plain allocator (sanitizer builds, diagnostics) */
static void *libc_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
  (void)ud;
  (void)osize;
  if(nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

/* on_panic() - an error outside any protected call: say so, then Lua
   aborts (only reachable through a host bug) */
static int on_panic(lua_State *L)
{
  const char *msg = lua_tostring(L, -1);
  lua_writestringerror("openclaw: PANIC: unprotected error in call to "
                       "Lua API (%s)\n", msg ? msg : "not a string");
  return 0;
}

lua_State *oc_newstate(void)
{
  lua_Alloc f = pool_alloc;
  const char *env = getenv("OPENCLAW_MALLOC");
  lua_State *L;
#ifdef OPENCLAW_SANITIZE
  f = libc_alloc;                 /* let the sanitizers see every block */
#endif
  if(env && !strcmp(env, "libc"))
    f = libc_alloc;
  else if(env && !strcmp(env, "slab"))
    f = pool_alloc;
  L = lua_newstate(f, NULL);
  if(L)
    lua_atpanic(L, on_panic);
  return L;
}

void oc_alloc_release(void)
{
  /* after lua_close every slab is empty: only spares are left */
  while(spare) {
    struct slab *s = spare;
    spare = s->next;
    free(s);
  }
  nspare = 0;
}
