/*
 * spawn_stat.c - start-up cost of a command: wall time and peak RSS.
 *
 * Runs the command RUNS times (after WARMUP untimed runs) with
 * posix_spawnp(), stdin/stdout/stderr on /dev/null, and reaps each run
 * with wait4() for its rusage. Wall time is CLOCK_MONOTONIC from just
 * before the spawn to just after the reap; peak RSS is the child's
 * ru_maxrss.
 *
 * Why a small C launcher: on exec, Linux folds the hiwater RSS of the
 * address space being replaced into the child's ru_maxrss. With fork()
 * that is a copy of the parent, and with posix_spawn()'s vfork-style
 * clone it is the parent's own address space, so a launcher with a big
 * heap (Python, say) inflates every child's figure. This launcher's own
 * peak RSS is printed as self_rss_kb: a child's figure can never read
 * below it.
 *
 * Usage: bench_spawn_stat [-n RUNS] [-w WARMUP] [-l LABEL] -- CMD [ARGS...]
 * Prints one line:
 *   LABEL runs=N wall_ms_median=.. wall_ms_min=.. wall_ms_max=..
 *         rss_kb_median=.. rss_kb_max=.. self_rss_kb=.. failures=..
 * Exit status 1 if any run exited non-zero (still prints the figures).
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_RUNS 1000

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int cmp_long(const void *a, const void *b)
{
  long x = *(const long *)a, y = *(const long *)b;
  return x < y ? -1 : x > y;
}

static double median_d(double *v, int n)
{
  qsort(v, (size_t)n, sizeof(*v), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long median_l(long *v, int n)
{
  qsort(v, (size_t)n, sizeof(*v), cmp_long);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* run_once() - spawn, reap; fills wall ms and maxrss KB; returns the
   exit status (or -1 when it could not be started) */
static int run_once(char **cmd, double *wall, long *rss)
{
  posix_spawn_file_actions_t fa;
  pid_t pid;
  int status = 0;
  struct rusage ru;
  double t0;
  int rc;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  t0 = now_ms();
  rc = posix_spawnp(&pid, cmd[0], &fa, NULL, cmd, environ);
  posix_spawn_file_actions_destroy(&fa);
  if(rc) {
    fprintf(stderr, "spawn_stat: cannot run %s: %s\n", cmd[0],
            strerror(rc));
    return -1;
  }
  memset(&ru, 0, sizeof(ru));
  while(wait4(pid, &status, 0, &ru) < 0) {
    if(errno != EINTR) {
      perror("spawn_stat: wait4");
      return -1;
    }
  }
  *wall = now_ms() - t0;
  *rss = ru.ru_maxrss;
  if(WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int main(int argc, char **argv)
{
  int runs = 20, warmup = 2;
  const char *label = "cmd";
  static double wall[MAX_RUNS];
  static long rss[MAX_RUNS];
  double wmin, wmax, w;
  long rmax, r;
  int i, failures = 0;
  struct rusage self;

  for(i = 1; i < argc; i++) {
    if(!strcmp(argv[i], "-n") && i + 1 < argc)
      runs = atoi(argv[++i]);
    else if(!strcmp(argv[i], "-w") && i + 1 < argc)
      warmup = atoi(argv[++i]);
    else if(!strcmp(argv[i], "-l") && i + 1 < argc)
      label = argv[++i];
    else if(!strcmp(argv[i], "--")) {
      i++;
      break;
    }
    else
      break;
  }
  if(i >= argc || runs < 1 || runs > MAX_RUNS || warmup < 0) {
    fprintf(stderr, "usage: %s [-n RUNS] [-w WARMUP] [-l LABEL] -- CMD "
            "[ARGS...]\n", argv[0]);
    return 2;
  }
  for(r = 0; r < warmup; r++) {
    if(run_once(argv + i, &w, &rmax) < 0)
      return 2;
  }
  for(r = 0; r < runs; r++) {
    int st = run_once(argv + i, &wall[r], &rss[r]);
    if(st < 0)
      return 2;
    if(st)
      failures++;
  }
  wmin = wmax = wall[0];
  rmax = rss[0];
  for(r = 1; r < runs; r++) {
    if(wall[r] < wmin)
      wmin = wall[r];
    if(wall[r] > wmax)
      wmax = wall[r];
    if(rss[r] > rmax)
      rmax = rss[r];
  }
  getrusage(RUSAGE_SELF, &self);
  w = median_d(wall, runs);
  printf("%s runs=%d wall_ms_median=%.2f wall_ms_min=%.2f wall_ms_max=%.2f "
         "rss_kb_median=%ld rss_kb_max=%ld self_rss_kb=%ld failures=%d\n",
         label, runs, w, wmin, wmax, median_l(rss, runs), rmax,
         self.ru_maxrss, failures);
  return failures ? 1 : 0;
}
