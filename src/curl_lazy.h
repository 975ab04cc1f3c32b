/*
 * curl_lazy.h - libcurl is loaded with dlopen() on first use (see
 * curl_lazy.c for why). The rest of the host calls libcurl as usual.
 */
#ifndef OC_CURL_LAZY_H
#define OC_CURL_LAZY_H

/* Load libcurl; 0 ok, -1 with *err set (static text). Idempotent. */
int oc_curl_load(const char **err);
/* True once libcurl is loaded. */
int oc_curl_loaded(void);
/* libcurl's version: the loaded library's, else the headers' we were
   built with (so `openclaw --version` needs no dlopen). */
const char *oc_curl_version(void);

#endif
