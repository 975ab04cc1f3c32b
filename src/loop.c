/*
 * loop.c - event loop core: curl multi + self-pipe + watched fds.
 * See loop.h. No Lua in here.
 */
#include "loop.h"
#include "curl_lazy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t oc_interrupt_pending = 0;
volatile sig_atomic_t oc_loop_waiting = 0;
void (*oc_on_interrupt)(void);

static CURLM *multi;
static int curl_ready;
static int sigpipe_fds[2] = {-1, -1};
static struct oc_watchfd *watch_list;
static struct oc_source *ready_head;
static struct oc_source *ready_tail;
static struct oc_loop_hooks hooks;
static int running_count;

double oc_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* on_signal() - async-signal-safe: set the flag, poke the self-pipe. A
   second SIGINT while the first is still pending exits at once. */
static void on_signal(int sig)
{
  int saved = errno;
  char c = 1;
  if(sig == SIGINT && oc_interrupt_pending)
    _exit(130);
  oc_interrupt_pending = 1;
  if(!oc_loop_waiting && oc_on_interrupt)
    oc_on_interrupt();
  if(sigpipe_fds[1] >= 0) {
    ssize_t w = write(sigpipe_fds[1], &c, 1);
    (void)w;
  }
  errno = saved;
}

int oc_signals_install(void)
{
  struct sigaction sa;
  int i;
  if(sigpipe_fds[0] >= 0)
    return 0;
  if(pipe(sigpipe_fds))
    return -1;
  for(i = 0; i < 2; i++) {
    fcntl(sigpipe_fds[i], F_SETFL, fcntl(sigpipe_fds[i], F_GETFL) |
          O_NONBLOCK);
    fcntl(sigpipe_fds[i], F_SETFD, FD_CLOEXEC);
  }
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL);
  return 0;
}

CURLM *oc_loop_multi(const char **err)
{
  if(multi)
    return multi;
  if(!curl_ready) {
    struct rlimit rl;
    if(oc_curl_load(err))
      return NULL;
    if(curl_global_init(CURL_GLOBAL_DEFAULT)) {
      *err = "libcurl initialisation failed";
      return NULL;
    }
    curl_ready = 1;
    /* Many concurrent streams need many sockets. */
    if(!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = rl.rlim_max;
      setrlimit(RLIMIT_NOFILE, &rl);
    }
  }
  multi = curl_multi_init();
  if(!multi) {
    *err = "libcurl multi handle could not be created";
    return NULL;
  }
  curl_multi_setopt(multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 64L);
  return multi;
}

int oc_loop_curl_ready(void)
{
  return curl_ready;
}

void oc_source_notify(struct oc_source *s)
{
  if(s->ready)
    return;
  s->ready = 1;
  s->next_ready = NULL;
  if(ready_tail)
    ready_tail->next_ready = s;
  else
    ready_head = s;
  ready_tail = s;
}

struct oc_source *oc_source_pop_ready(void)
{
  struct oc_source *s = ready_head;
  if(!s)
    return NULL;
  ready_head = s->next_ready;
  if(!ready_head)
    ready_tail = NULL;
  s->ready = 0;
  s->next_ready = NULL;
  return s;
}

void oc_source_unlink(struct oc_source *s)
{
  struct oc_source *p = NULL;
  struct oc_source *c = ready_head;
  if(!s->ready)
    return;
  while(c && c != s) {
    p = c;
    c = c->next_ready;
  }
  if(c) {
    if(p)
      p->next_ready = s->next_ready;
    else
      ready_head = s->next_ready;
    if(ready_tail == s)
      ready_tail = p;
  }
  s->ready = 0;
  s->next_ready = NULL;
}

void oc_loop_add_fd(struct oc_watchfd *w)
{
  w->next = watch_list;
  watch_list = w;
}

void oc_loop_remove_fd(struct oc_watchfd *w)
{
  struct oc_watchfd **pp = &watch_list;
  while(*pp) {
    if(*pp == w) {
      *pp = w->next;
      return;
    }
    pp = &(*pp)->next;
  }
}

void oc_loop_set_hooks(const struct oc_loop_hooks *h)
{
  hooks = *h;
}

int oc_loop_running(void)
{
  return running_count;
}

void oc_loop_count(int delta)
{
  running_count += delta;
}

/* drain_sigpipe() - empty the self-pipe; returns 1 if anything was read */
static int drain_sigpipe(void)
{
  char tmp[64];
  int any = 0;
  if(sigpipe_fds[0] < 0)
    return 0;
  while(read(sigpipe_fds[0], tmp, sizeof(tmp)) > 0)
    any = 1;
  return any;
}

/* clamp_timeout() - bound the wait by the engine's next deadline */
static int clamp_timeout(int timeout_ms)
{
  double now, dl;
  if(!hooks.next_deadline)
    return timeout_ms;
  now = oc_now_ms();
  dl = hooks.next_deadline(now);
  if(dl >= 0) {
    int until = (int)(dl - now) + 1;
    if(until < 0)
      until = 0;
    if(timeout_ms < 0 || until < timeout_ms)
      timeout_ms = until;
  }
  return timeout_ms;
}

int oc_loop_wait(int timeout_ms)
{
  struct curl_waitfd extra[16];
  struct oc_watchfd *watched[16];
  unsigned int n = 0;
  struct oc_watchfd *w;
  unsigned int i;

  if(oc_interrupt_pending)
    return 1;
  timeout_ms = clamp_timeout(timeout_ms);
  if(sigpipe_fds[0] >= 0) {
    extra[n].fd = sigpipe_fds[0];
    extra[n].events = CURL_WAIT_POLLIN;
    extra[n].revents = 0;
    watched[n] = NULL;
    n++;
  }
  for(w = watch_list; w && n < 16; w = w->next) {
    extra[n].fd = w->fd;
    extra[n].events = CURL_WAIT_POLLIN;
    extra[n].revents = 0;
    watched[n] = w;
    n++;
  }

  if(multi && running_count > 0) {
    int numfds = 0;
    int still = 0;
    CURLMsg *msg;
    int left;
    CURLMcode mc;
    oc_loop_waiting = 1;
    /* curl_multi_poll wants a finite timeout; an hour is "forever" */
    mc = curl_multi_poll(multi, extra, n,
                         timeout_ms < 0 ? 3600000 : timeout_ms, &numfds);
    oc_loop_waiting = 0;
    if(mc != CURLM_OK)
      return -1;
    curl_multi_perform(multi, &still);
    while((msg = curl_multi_info_read(multi, &left))) {
      if(msg->msg == CURLMSG_DONE && hooks.on_done)
        hooks.on_done(msg->easy_handle, msg->data.result);
    }
  }
  else {
    struct pollfd pfd[16];
    int prc;
    for(i = 0; i < n; i++) {
      pfd[i].fd = extra[i].fd;
      pfd[i].events = POLLIN;
      pfd[i].revents = 0;
    }
    oc_loop_waiting = 1;
    prc = poll(pfd, n, timeout_ms);
    oc_loop_waiting = 0;
    if(prc < 0 && errno != EINTR)
      return -1;
    for(i = 0; i < n; i++)
      extra[i].revents = (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) ?
        CURL_WAIT_POLLIN : 0;
  }
  for(i = 0; i < n; i++) {
    if(watched[i] && extra[i].revents)
      watched[i]->on_ready(watched[i]);
  }
  if(hooks.check_deadlines)
    hooks.check_deadlines(oc_now_ms());
  drain_sigpipe();
  return oc_interrupt_pending ? 1 : 0;
}

void oc_loop_shutdown(void)
{
  if(multi) {
    curl_multi_cleanup(multi);
    multi = NULL;
  }
  if(curl_ready) {
    curl_global_cleanup();
    curl_ready = 0;
  }
}
