/*
 * loop.h - the host's event loop core (no Lua): one libcurl multi handle,
 * a self-pipe for signals, extra file descriptors (e.g. inotify), and a
 * list of "sources" that became ready during a wait.
 *
 * A source is anything Lua can wait on (a transfer, a file watch). The loop
 * marks it ready; the Lua bridge (l_loop.c) hands ready sources to the
 * scheduler after oc_loop_wait() returns, so no Lua code ever runs inside
 * a libcurl callback.
 */
#ifndef OC_LOOP_H
#define OC_LOOP_H

#include <signal.h>
#include <curl/curl.h>

struct oc_source {
  int ref;                    /* registry ref of the Lua object, or -2 */
  int ready;                  /* on the ready list */
  struct oc_source *next_ready;
};

/* An extra file descriptor polled with the transfers. on_ready is called
   (outside of any Lua code) when fd is readable. */
struct oc_watchfd {
  int fd;
  void (*on_ready)(struct oc_watchfd *w);
  struct oc_watchfd *next;
};

extern volatile sig_atomic_t oc_interrupt_pending;

/* Monotonic clock in milliseconds (fractional). */
double oc_now_ms(void);

/* Install SIGINT/SIGTERM handlers writing to the self-pipe. Idempotent. */
int oc_signals_install(void);

/* Lazily initialise libcurl and the multi handle (first HTTP use).
   Returns NULL and sets *err on failure. */
CURLM *oc_loop_multi(const char **err);
/* True once libcurl was initialised. */
int oc_loop_curl_ready(void);

/* Mark a source ready (idempotent). */
void oc_source_notify(struct oc_source *s);
/* Pop the next ready source, or NULL. */
struct oc_source *oc_source_pop_ready(void);
/* Take a source off the ready list if it is on it (before freeing). */
void oc_source_unlink(struct oc_source *s);
/* True while oc_loop_wait() is blocked (no Lua code is running). */
extern volatile sig_atomic_t oc_loop_waiting;
/* Called from the signal handler when Lua code is running (set by the
   Lua bridge; must be async-signal-safe). */
extern void (*oc_on_interrupt)(void);

void oc_loop_add_fd(struct oc_watchfd *w);
void oc_loop_remove_fd(struct oc_watchfd *w);

/* Hooks the HTTP engine registers so the loop can drive transfers
   without knowing their layout. */
struct oc_loop_hooks {
  void (*on_done)(CURL *easy, CURLcode result);
  double (*next_deadline)(double now);   /* <0: none */
  void (*check_deadlines)(double now);
};
void oc_loop_set_hooks(const struct oc_loop_hooks *h);

/* Wait up to timeout_ms (<0: no limit) for transfer progress, signals or
   watched fds; drive libcurl; collect finished transfers. Returns 1 if an
   interrupt (SIGINT) arrived, 0 otherwise, -1 on a loop failure. */
int oc_loop_wait(int timeout_ms);

/* Number of transfers currently in the multi handle. */
int oc_loop_running(void);
void oc_loop_count(int delta);

/* Tear down curl (at exit). */
void oc_loop_shutdown(void);

#endif
