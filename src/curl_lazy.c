/*
 * curl_lazy.c - load libcurl on first use.
 *
 * libcurl pulls in some thirty shared libraries (TLS, HTTP/2, IDN,
 * Kerberos, ...). Linking it normally costs every start-up ~4 ms and
 * ~6 MB even for a script that never touches the network, so the binary
 * does not link it: the libcurl functions the host uses are defined here
 * as thin forwarders to symbols resolved with dlopen() the first time
 * oc_curl_load() is called (the loop calls it before creating the multi
 * handle). No Lua in here.
 */
#define CURL_DISABLE_TYPECHECK 1
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>

#include "curl_lazy.h"

#define CURL_SONAME "libcurl.so.4"

static void *lib;
static char load_err[256];

static struct {
  CURLcode (*global_init)(long);
  void (*global_cleanup)(void);
  CURLM *(*multi_init)(void);
  CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
  CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned int, int,
                          int *);
  CURLMcode (*multi_perform)(CURLM *, int *);
  CURLMsg *(*multi_info_read)(CURLM *, int *);
  CURLMcode (*multi_add_handle)(CURLM *, CURL *);
  CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
  CURLMcode (*multi_cleanup)(CURLM *);
  CURL *(*easy_init)(void);
  CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
  CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
  void (*easy_cleanup)(CURL *);
  CURLcode (*easy_pause)(CURL *, int);
  const char *(*easy_strerror)(CURLcode);
  struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
  void (*slist_free_all)(struct curl_slist *);
  curl_version_info_data *(*version_info)(CURLversion);
} fn;

/* resolve() - look up one symbol; returns 0 or -1 (load_err set) */
static int resolve(void **slot, const char *name)
{
  *slot = dlsym(lib, name);
  if(!*slot) {
    snprintf(load_err, sizeof(load_err), "%s lacks %s", CURL_SONAME,
             name);
    return -1;
  }
  return 0;
}

int oc_curl_load(const char **err)
{
  int set_env = 0;
  if(lib)
    return 0;
  /* Debian's libcurl reaches GnuTLS only through libldap, and LDAP URLs
     are never allowed (CURLOPT_PROTOCOLS_STR), so skip GnuTLS's costly
     load-time initialisation (~0.7 ms, ~0.6 MB); TLS itself is OpenSSL */
  if(!getenv("GNUTLS_NO_IMPLICIT_INIT")) {
    setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 0);
    set_env = 1;
  }
  lib = dlopen(CURL_SONAME, RTLD_LAZY | RTLD_LOCAL);
  if(set_env)
    unsetenv("GNUTLS_NO_IMPLICIT_INIT");
  if(!lib) {
    snprintf(load_err, sizeof(load_err), "cannot load %s: %s (install "
             "the libcurl4 package)", CURL_SONAME, dlerror());
    *err = load_err;
    return -1;
  }
  if(resolve((void **)&fn.global_init, "curl_global_init") ||
     resolve((void **)&fn.global_cleanup, "curl_global_cleanup") ||
     resolve((void **)&fn.multi_init, "curl_multi_init") ||
     resolve((void **)&fn.multi_setopt, "curl_multi_setopt") ||
     resolve((void **)&fn.multi_poll, "curl_multi_poll") ||
     resolve((void **)&fn.multi_perform, "curl_multi_perform") ||
     resolve((void **)&fn.multi_info_read, "curl_multi_info_read") ||
     resolve((void **)&fn.multi_add_handle, "curl_multi_add_handle") ||
     resolve((void **)&fn.multi_remove_handle,
             "curl_multi_remove_handle") ||
     resolve((void **)&fn.multi_cleanup, "curl_multi_cleanup") ||
     resolve((void **)&fn.easy_init, "curl_easy_init") ||
     resolve((void **)&fn.easy_setopt, "curl_easy_setopt") ||
     resolve((void **)&fn.easy_getinfo, "curl_easy_getinfo") ||
     resolve((void **)&fn.easy_cleanup, "curl_easy_cleanup") ||
     resolve((void **)&fn.easy_pause, "curl_easy_pause") ||
     resolve((void **)&fn.easy_strerror, "curl_easy_strerror") ||
     resolve((void **)&fn.slist_append, "curl_slist_append") ||
     resolve((void **)&fn.slist_free_all, "curl_slist_free_all") ||
     resolve((void **)&fn.version_info, "curl_version_info")) {
    dlclose(lib);
    lib = NULL;
    *err = load_err;
    return -1;
  }
  return 0;
}

int oc_curl_loaded(void)
{
  return lib != NULL;
}

const char *oc_curl_version(void)
{
  if(!lib)
    return LIBCURL_VERSION;
  return fn.version_info(CURLVERSION_NOW)->version;
}

/* Forwarders. The variadic ones pass on the single argument with the
   type its option number says (curl.h: CURLOPTTYPE_* ranges). */

CURLcode curl_global_init(long flags)
{
  return fn.global_init(flags);
}

void curl_global_cleanup(void)
{
  fn.global_cleanup();
}

CURLM *curl_multi_init(void)
{
  return fn.multi_init();
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
  va_list ap;
  CURLMcode rc;
  va_start(ap, opt);
  if(opt < CURLOPTTYPE_OBJECTPOINT)
    rc = fn.multi_setopt(m, opt, va_arg(ap, long));
  else if(opt < CURLOPTTYPE_OFF_T)
    rc = fn.multi_setopt(m, opt, va_arg(ap, void *));
  else
    rc = fn.multi_setopt(m, opt, va_arg(ap, curl_off_t));
  va_end(ap);
  return rc;
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra[],
                          unsigned int n, int timeout_ms, int *ret)
{
  return fn.multi_poll(m, extra, n, timeout_ms, ret);
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
  return fn.multi_perform(m, running);
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
  return fn.multi_info_read(m, left);
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *e)
{
  return fn.multi_add_handle(m, e);
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *e)
{
  return fn.multi_remove_handle(m, e);
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
  return fn.multi_cleanup(m);
}

CURL *curl_easy_init(void)
{
  return fn.easy_init();
}

CURLcode curl_easy_setopt(CURL *e, CURLoption opt, ...)
{
  va_list ap;
  CURLcode rc;
  va_start(ap, opt);
  if(opt < CURLOPTTYPE_OBJECTPOINT)
    rc = fn.easy_setopt(e, opt, va_arg(ap, long));
  else if(opt < CURLOPTTYPE_OFF_T)
    rc = fn.easy_setopt(e, opt, va_arg(ap, void *));
  else if(opt < CURLOPTTYPE_BLOB)
    rc = fn.easy_setopt(e, opt, va_arg(ap, curl_off_t));
  else
    rc = fn.easy_setopt(e, opt, va_arg(ap, void *));
  va_end(ap);
  return rc;
}

CURLcode curl_easy_getinfo(CURL *e, CURLINFO info, ...)
{
  va_list ap;
  CURLcode rc;
  va_start(ap, info);
  rc = fn.easy_getinfo(e, info, va_arg(ap, void *));
  va_end(ap);
  return rc;
}

void curl_easy_cleanup(CURL *e)
{
  fn.easy_cleanup(e);
}

CURLcode curl_easy_pause(CURL *e, int bitmask)
{
  return fn.easy_pause(e, bitmask);
}

const char *curl_easy_strerror(CURLcode rc)
{
  return fn.easy_strerror(rc);
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
  return fn.slist_append(l, s);
}

void curl_slist_free_all(struct curl_slist *l)
{
  if(lib)
    fn.slist_free_all(l);
}

curl_version_info_data *curl_version_info(CURLversion v)
{
  return fn.version_info(v);
}
