/*
 * l_fs.c - file-system helpers for config and state files: module
 * "openclaw.core.fs".
 *
 *   write_atomic(path, data [, {mode = 0x180, backup = true}])
 *                              -> true | nil, message, code
 *        write a temp file in the same folder (O_CREAT|O_EXCL, mode set at
 *        open and again with fchmod), fsync it, keep the old file as
 *        path .. ".bak" (same mode), rename over path, fsync the folder.
 *        A symbolic link at path is followed: its target is replaced.
 *   mkdir_p(path [, mode = 0x1c0]) -> true | nil, message, code
 *   chmod(path, mode)          -> true | nil, message, code
 *   isatty(fd)                 -> boolean     (fd is 0, 1 or 2)
 *   read_hidden(prompt)        -> string | nil, message, code
 *        prompt on /dev/tty (else stderr) and read one line with echo off;
 *        the terminal is restored before returning, also on Ctrl-C. When
 *        stdin is not a terminal, read one line from stdin instead.
 *   getpid()                   -> integer
 *   home()                     -> string | nil, message
 *   watch()                    -> watch | nil, message, code
 *        an inotify watch, a source the scheduler can wait on
 *        (sched.wait): w:add(path) -> absolute path | nil, message, code
 *        watches the file's folder for that name (write-and-close,
 *        rename over it, create, delete; through a symbolic link too);
 *        w:read() -> { changed path, ... } | nil (never blocks);
 *        w:files(); w:close() (also __gc, __close). Ready only when a
 *        watched name changed; idle costs nothing (no timers).
 *   fdwatch(fd)                -> fdwatch | nil, message, code
 *        "fd is readable" as a source: f:arm() (one-shot; the loop polls
 *        fd until it is readable, then reports f), f:ready() -> boolean,
 *        f:read([max]) -> string | nil, message, "EAGAIN" | "EOF" | code
 *        (never blocks), f:close(). fd itself is never closed.
 *
 * Misuse (wrong argument types) raises; failures of the system return
 * nil, "<path>: <strerror>", code where code is the errno name ("ENOENT").
 */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700   /* realpath() is XSI */
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "host.h"
#include "loop.h"

#define FS_DEFAULT_FILE_MODE 0600
#define FS_DEFAULT_DIR_MODE 0700
#define FS_HIDDEN_MAX 4096
#define FS_TEMP_TRIES 16

struct fs_errname {
  int err;
  const char *name;
};

static const struct fs_errname fs_errnames[] = {
  {EACCES, "EACCES"}, {EBADF, "EBADF"}, {EBUSY, "EBUSY"},
  {EDQUOT, "EDQUOT"}, {EEXIST, "EEXIST"}, {EFBIG, "EFBIG"},
  {EINTR, "EINTR"}, {EINVAL, "EINVAL"}, {EIO, "EIO"},
  {EISDIR, "EISDIR"}, {ELOOP, "ELOOP"}, {EMLINK, "EMLINK"},
  {ENAMETOOLONG, "ENAMETOOLONG"}, {ENOENT, "ENOENT"},
  {ENOMEM, "ENOMEM"}, {ENOSPC, "ENOSPC"}, {ENOTDIR, "ENOTDIR"},
  {ENOTTY, "ENOTTY"}, {ENXIO, "ENXIO"}, {EPERM, "EPERM"},
  {EROFS, "EROFS"}, {ETXTBSY, "ETXTBSY"}, {EXDEV, "EXDEV"},
  {0, NULL}
};

/*
 * errno_name() - the symbolic name of an errno value ("ENOENT"), else
 * "E<number>" written into buf. Never raises.
 */
static const char *errno_name(int err, char *buf, size_t size)
{
  const struct fs_errname *e;
  for(e = fs_errnames; e->name; e++) {
    if(e->err == err)
      return e->name;
  }
  snprintf(buf, size, "E%d", err);
  return buf;
}

/*
 * push_failure() - push nil, "<what>: <strerror(err)>", "<ENAME>" and
 * return 3. err must be captured by the caller before any Lua call.
 * Can raise only on memory errors (after all C resources are released).
 */
static int push_failure(lua_State *L, const char *what, int err)
{
  char buf[16];
  lua_pushnil(L);
  lua_pushfstring(L, "%s: %s", what, strerror(err));
  lua_pushstring(L, errno_name(err, buf, sizeof(buf)));
  return 3;
}

/*
 * check_mode() - the optional permission mode at index idx (an integer in
 * 0..07777), or def when absent. Raises on a bad argument.
 */
static mode_t check_mode(lua_State *L, int idx, mode_t def)
{
  lua_Integer m = luaL_optinteger(L, idx, (lua_Integer)def);
  luaL_argcheck(L, m >= 0 && m <= 07777, idx,
                "mode must be between 0 and 0x0fff (07777)");
  return (mode_t)m;
}

/*
 * check_path() - the path argument at idx: a non-empty string without NUL
 * bytes. Raises on misuse. The pointer stays valid while the argument is
 * on the stack.
 */
static const char *check_path(lua_State *L, int idx)
{
  size_t len;
  const char *p = luaL_checklstring(L, idx, &len);
  luaL_argcheck(L, len > 0, idx, "path must not be empty");
  luaL_argcheck(L, strlen(p) == len, idx, "path contains a NUL byte");
  return p;
}

/*
 * write_all() - write len bytes to fd, retrying on EINTR and short
 * writes. Returns 0 or -1 with errno set. No Lua.
 */
static int write_all(int fd, const char *data, size_t len)
{
  while(len > 0) {
    ssize_t n = write(fd, data, len);
    if(n < 0) {
      if(errno == EINTR)
        continue;
      return -1;
    }
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/*
 * copy_file() - copy src to a new file dst (O_EXCL, mode), fsync it.
 * Returns 0 or -1 with errno set; on failure dst is removed. No Lua.
 */
static int copy_file(const char *src, const char *dst, mode_t mode)
{
  char buf[8192];
  int in, out, err = 0;
  in = open(src, O_RDONLY | O_CLOEXEC);
  if(in < 0)
    return -1;
  out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if(out < 0) {
    err = errno;
    close(in);
    errno = err;
    return -1;
  }
  for(;;) {
    ssize_t n = read(in, buf, sizeof(buf));
    if(n < 0) {
      if(errno == EINTR)
        continue;
      err = errno;
      break;
    }
    if(n == 0)
      break;
    if(write_all(out, buf, (size_t)n)) {
      err = errno;
      break;
    }
  }
  if(!err && fchmod(out, mode))
    err = errno;
  if(!err && fsync(out))
    err = errno;
  close(in);
  if(close(out) && !err)
    err = errno;
  if(err) {
    unlink(dst);
    errno = err;
    return -1;
  }
  return 0;
}

/*
 * make_backup() - replace bak with a copy (hard link if possible) of
 * target, then set its mode. Returns 0 or -1 with errno set. No Lua.
 */
static int make_backup(const char *target, const char *bak, mode_t mode)
{
  if(unlink(bak) && errno != ENOENT)
    return -1;
  if(link(target, bak)) {
    if(copy_file(target, bak, mode))
      return -1;
    return 0;
  }
  /* the link shares the old file's inode, which keeps only this name
     once the rename below has replaced the target */
  return chmod(bak, mode);
}

/*
 * fsync_dir() - fsync the folder dir so a rename in it is durable.
 * Folders that cannot be synced (EINVAL, EBADF on some file systems) are
 * not an error. Returns 0 or -1 with errno set. No Lua.
 */
static int fsync_dir(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int err = 0;
  if(fd < 0)
    return -1;
  if(fsync(fd) && errno != EINVAL && errno != EBADF)
    err = errno;
  close(fd);
  if(err) {
    errno = err;
    return -1;
  }
  return 0;
}

/*
 * fs_write_atomic() - Lua: write_atomic(path, data [, opts])
 * -> true | nil, message, code. Raises on misuse only. All names are Lua
 * strings pushed before the first file is opened and kept on the stack
 * (no C heap), so a memory error can neither leak memory nor a descriptor.
 * Stack: [ path, data, opts, target, bak, dir, tmp ].
 */
static int fs_write_atomic(lua_State *L)
{
  const char *path = check_path(L, 1);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  mode_t mode = FS_DEFAULT_FILE_MODE;
  int backup = 1;
  char real[PATH_MAX];
  const char *target, *tmp = NULL, *bak, *dir, *slash;
  struct stat st;
  int fd = -1, err, i, exists;

  if(!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    if(lua_getfield(L, 3, "mode") != LUA_TNIL) {
      lua_Integer m = lua_tointeger(L, -1);
      luaL_argcheck(L, lua_isinteger(L, -1) && m >= 0 && m <= 07777, 3,
                    "opts.mode must be an integer between 0 and 0x0fff");
      mode = (mode_t)m;
    }
    if(lua_getfield(L, 3, "backup") != LUA_TNIL) {
      luaL_argcheck(L, lua_isboolean(L, -1), 3,
                    "opts.backup must be a boolean");
      backup = lua_toboolean(L, -1);
    }
  }
  lua_settop(L, 3);

  /* follow a symbolic link so dotfile setups keep their link */
  if(!lstat(path, &st) && S_ISLNK(st.st_mode) && realpath(path, real))
    target = lua_pushstring(L, real);
  else
    target = lua_pushstring(L, path);       /* [ path, data, opts, target ] */
  bak = lua_pushfstring(L, "%s.bak", target);
  slash = strrchr(target, '/');
  if(!slash)
    dir = lua_pushliteral(L, ".");
  else if(slash == target)
    dir = lua_pushliteral(L, "/");
  else
    dir = lua_pushlstring(L, target, (size_t)(slash - target));
  exists = !stat(target, &st);              /* [ ..., target, bak, dir ] */

  for(i = 0; i < FS_TEMP_TRIES; i++) {
    lua_settop(L, 6);
    tmp = lua_pushfstring(L, "%s.tmp.%d.%d", target, (int)getpid(), i);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if(fd >= 0 || errno != EEXIST)
      break;
  }                                         /* [ ..., dir, tmp ] */
  if(fd < 0) {
    err = errno;
    return push_failure(L, path, err);
  }

  /* from here on: no Lua calls until every descriptor is closed */
  err = 0;
  if(fchmod(fd, mode) || write_all(fd, data, len) || fsync(fd))
    err = errno;
  if(close(fd) && !err)
    err = errno;
  if(!err && backup && exists && make_backup(target, bak, mode))
    err = errno;
  if(!err && rename(tmp, target))
    err = errno;
  if(err) {
    unlink(tmp);
    return push_failure(L, path, err);
  }
  if(fsync_dir(dir)) {
    err = errno;
    return push_failure(L, dir, err);
  }
  lua_pushboolean(L, 1);
  return 1;
}

/*
 * fs_mkdir_p() - Lua: mkdir_p(path [, mode]) -> true | nil, message, code.
 * Creates every missing folder of path with mode (default 0700); existing
 * folders are left as they are. Raises on misuse only.
 * Stack: [ path, mode?, copy ].
 */
static int fs_mkdir_p(lua_State *L)
{
  const char *path = check_path(L, 1);
  mode_t mode = check_mode(L, 2, FS_DEFAULT_DIR_MODE);
  size_t len = strlen(path);
  char *buf, *p;
  struct stat st;
  int err;

  lua_settop(L, 2);
  /* a writable copy owned by Lua (freed by the GC even if we raise) */
  buf = lua_newuserdatauv(L, len + 1, 0);
  memcpy(buf, path, len + 1);
  for(p = buf + 1; ; p++) {
    if(*p == '/' || *p == '\0') {
      char c = *p;
      *p = '\0';
      if(mkdir(buf, mode) && errno != EEXIST) {
        err = errno;
        return push_failure(L, buf, err);
      }
      *p = c;
      if(c == '\0')
        break;
    }
  }
  if(stat(path, &st)) {
    err = errno;
    return push_failure(L, path, err);
  }
  if(!S_ISDIR(st.st_mode))
    return push_failure(L, path, ENOTDIR);
  lua_pushboolean(L, 1);
  return 1;
}

/*
 * fs_chmod() - Lua: chmod(path, mode) -> true | nil, message, code.
 * Raises on misuse only.
 */
static int fs_chmod(lua_State *L)
{
  const char *path = check_path(L, 1);
  mode_t mode;
  int err;
  luaL_checkinteger(L, 2);
  mode = check_mode(L, 2, 0);
  if(chmod(path, mode)) {
    err = errno;
    return push_failure(L, path, err);
  }
  lua_pushboolean(L, 1);
  return 1;
}

/*
 * fs_isatty() - Lua: isatty(fd) -> boolean, for fd 0, 1 or 2. Raises on
 * any other fd.
 */
static int fs_isatty(lua_State *L)
{
  lua_Integer fd = luaL_checkinteger(L, 1);
  luaL_argcheck(L, fd >= 0 && fd <= 2, 1, "fd must be 0, 1 or 2");
  lua_pushboolean(L, isatty((int)fd));
  return 1;
}

static volatile sig_atomic_t hidden_signal;

/* hidden_on_signal() - async-signal-safe: remember which signal came */
static void hidden_on_signal(int sig)
{
  hidden_signal = sig;
}

#define HIDDEN_NSIG 4
static const int hidden_sigs[HIDDEN_NSIG] = {
  SIGINT, SIGTERM, SIGHUP, SIGQUIT
};

/*
 * read_tty_line() - read one line from fd into buf (size bytes, NUL
 * terminated, newline dropped) with echo off. Signals listed above are
 * caught for the duration (no SA_RESTART, so read() returns EINTR); the
 * terminal mode and the previous handlers are restored before returning,
 * then a caught signal is raised again so its usual handler runs.
 * Returns the length, -1 with errno set, or -2 when interrupted. No Lua.
 */
static long read_tty_line(int fd, char *buf, size_t size)
{
  struct termios old, quiet;
  struct sigaction sa, saved[HIDDEN_NSIG];
  size_t n = 0;
  int i, err = 0, sig;

  if(tcgetattr(fd, &old))
    return -1;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = hidden_on_signal;
  sigemptyset(&sa.sa_mask);
  hidden_signal = 0;
  for(i = 0; i < HIDDEN_NSIG; i++)
    sigaction(hidden_sigs[i], &sa, &saved[i]);
  quiet = old;
  quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
  quiet.c_lflag |= ECHONL;
  if(tcsetattr(fd, TCSAFLUSH, &quiet))
    err = errno;
  while(!err && !hidden_signal) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if(r < 0) {
      if(errno == EINTR)
        continue;
      err = errno;
      break;
    }
    if(r == 0 || c == '\n' || c == '\r')
      break;
    if(n + 1 >= size) {
      err = E2BIG;
      break;
    }
    buf[n++] = c;
  }
  buf[n] = '\0';
  tcsetattr(fd, TCSAFLUSH, &old);
  sig = hidden_signal;
  if(sig)
    (void)write_all(fd, "\n", 1);  /* end the prompt line */
  for(i = 0; i < HIDDEN_NSIG; i++)
    sigaction(hidden_sigs[i], &saved[i], NULL);
  if(sig) {
    raise(sig);
    return -2;
  }
  if(err) {
    errno = err;
    return -1;
  }
  return (long)n;
}

/*
 * read_stdin_line() - read one line from stdin (the stdio stream Lua's
 * io library also uses) into buf. Returns the length, or -1 at end of
 * input with nothing read, -3 when the line is too long. No Lua.
 */
static long read_stdin_line(char *buf, size_t size)
{
  size_t n = 0;
  int c;
  for(;;) {
    c = getc(stdin);
    if(c == EOF || c == '\n')
      break;
    if(n + 1 >= size) {
      while(c != EOF && c != '\n')
        c = getc(stdin);
      buf[0] = '\0';
      return -3;
    }
    buf[n++] = (char)c;
  }
  buf[n] = '\0';
  if(c == EOF && n == 0)
    return -1;
  if(n > 0 && buf[n - 1] == '\r')
    buf[--n] = '\0';
  return (long)n;
}

/* wipe() - clear a buffer that held a secret (not optimised away) */
static void wipe(char *buf, size_t size)
{
  volatile char *p = buf;
  while(size--)
    *p++ = 0;
}

/*
 * fs_read_hidden() - Lua: read_hidden(prompt) -> string | nil, message,
 * code. The line is read into a C stack buffer and pushed only after the
 * terminal is restored, so nothing can raise while echo is off.
 */
static int fs_read_hidden(lua_State *L)
{
  size_t plen;
  const char *prompt = luaL_checklstring(L, 1, &plen);
  char buf[FS_HIDDEN_MAX];
  long n;
  int err, fd;

  if(!isatty(0)) {
    if(isatty(2) && plen)
      (void)write_all(2, prompt, plen);
    n = read_stdin_line(buf, sizeof(buf));
    if(n == -3) {
      lua_pushnil(L);
      lua_pushliteral(L, "input line too long");
      lua_pushliteral(L, "E2BIG");
      return 3;
    }
    if(n < 0) {
      lua_pushnil(L);
      lua_pushliteral(L, "no input (end of file on stdin)");
      lua_pushliteral(L, "EOF");
      return 3;
    }
  }
  else {
    int own = 1;
    fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if(fd < 0) {
      fd = 0;
      own = 0;
    }
    if(plen)
      (void)write_all(own ? fd : 2, prompt, plen);
    n = read_tty_line(fd, buf, sizeof(buf));
    err = errno;
    if(own)
      close(fd);
    if(n == -2) {
      lua_pushnil(L);
      lua_pushliteral(L, "interrupted");
      lua_pushliteral(L, "EINTR");
      return 3;
    }
    if(n < 0) {
      wipe(buf, sizeof(buf));
      if(err == E2BIG) {
        lua_pushnil(L);
        lua_pushliteral(L, "input line too long");
        lua_pushliteral(L, "E2BIG");
        return 3;
      }
      return push_failure(L, "/dev/tty", err);
    }
  }
  lua_pushlstring(L, buf, (size_t)n);
  wipe(buf, sizeof(buf));
  return 1;
}

/* fs_getpid() - Lua: getpid() -> integer */
static int fs_getpid(lua_State *L)
{
  lua_pushinteger(L, (lua_Integer)getpid());
  return 1;
}

/*
 * fs_home() - Lua: home() -> string | nil, message. $HOME when set and
 * not empty, else the password database entry of the real user.
 */
static int fs_home(lua_State *L)
{
  const char *h = getenv("HOME");
  struct passwd pw, *res = NULL;
  char buf[4096];
  int rc;
  if(h && *h) {
    lua_pushstring(L, h);
    return 1;
  }
  rc = getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res);
  if(rc || !res || !res->pw_dir || !*res->pw_dir) {
    lua_pushnil(L);
    lua_pushliteral(L, "cannot find the home folder: HOME is not set");
    return 2;
  }
  lua_pushstring(L, res->pw_dir);
  return 1;
}

/* ---------------------------------------------------------------------
 * File watches and readable-fd waits: sources the scheduler can wait on
 * (see loop.h). Both are idle until the kernel reports something: the
 * loop blocks in poll() with their descriptors, no timers.
 * ------------------------------------------------------------------- */

#define FS_WATCH_MT "openclaw.fs.watch"
#define FS_FDWATCH_MT "openclaw.fs.fdwatch"
/* Complete writes, renames over the file (editors' "save by rename"),
   creation and removal; not IN_MODIFY, so a truncate-and-write is seen
   once, when the writer closes the file, never half written. */
#define FS_WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | \
                       IN_CREATE | IN_DELETE | IN_ONLYDIR)
#define FS_READ_MAX (1024 * 1024)

struct fs_wfile {          /* a watched file, as the caller named it */
  char *path;              /* absolute */
  int pending;             /* changed since the last read() */
};

struct fs_wname {          /* one (folder watch, file name) pair */
  int wd;                  /* inotify watch descriptor of the folder */
  char *name;              /* the file's name in that folder */
  size_t file;             /* index into files */
};

struct fs_watch {
  struct oc_source src;    /* first: the loop hands this back */
  struct oc_watchfd wfd;
  int fd;                  /* inotify descriptor, -1 once closed */
  int in_loop;             /* wfd is on the loop's list */
  struct fs_wfile *files;
  size_t nfiles, capfiles;
  struct fs_wname *names;
  size_t nnames, capnames;
  size_t npending;
};

struct fs_fdwatch {
  struct oc_source src;    /* first */
  struct oc_watchfd wfd;
  int fd;                  /* the watched descriptor (not ours) */
  int armed;               /* wfd is on the loop's list */
  int closed;
};

/*
 * watch_of() - the watch that owns the loop entry wfd. No Lua.
 */
static struct fs_watch *watch_of(struct oc_watchfd *wfd)
{
  return (struct fs_watch *)(void *)((char *)wfd -
                                     offsetof(struct fs_watch, wfd));
}

/*
 * watch_mark() - flag file i as changed. No Lua.
 */
static void watch_mark(struct fs_watch *w, size_t i)
{
  if(!w->files[i].pending) {
    w->files[i].pending = 1;
    w->npending++;
  }
}

/*
 * watch_event() - apply one inotify event: mark the files it names (all
 * of them on a queue overflow); forget the names of a folder whose watch
 * the kernel dropped (folder removed), marking their files. No Lua.
 */
static void watch_event(struct fs_watch *w, const struct inotify_event *ev)
{
  size_t i;
  if(ev->mask & IN_Q_OVERFLOW) {
    for(i = 0; i < w->nfiles; i++)
      watch_mark(w, i);
    return;
  }
  if(ev->mask & IN_IGNORED) {
    i = 0;
    while(i < w->nnames) {
      if(w->names[i].wd == ev->wd) {
        watch_mark(w, w->names[i].file);
        free(w->names[i].name);
        w->names[i] = w->names[--w->nnames];
      }
      else
        i++;
    }
    return;
  }
  if(!ev->len)
    return;
  for(i = 0; i < w->nnames; i++) {
    if(w->names[i].wd == ev->wd && !strcmp(w->names[i].name, ev->name))
      watch_mark(w, w->names[i].file);
  }
}

/*
 * watch_drain() - read every queued inotify event (the descriptor is
 * non-blocking). Returns the number of files pending. No Lua.
 */
static size_t watch_drain(struct fs_watch *w)
{
  union {
    struct inotify_event ev;
    char buf[8192];
  } u;
  if(w->fd < 0)
    return 0;
  for(;;) {
    ssize_t n = read(w->fd, u.buf, sizeof(u.buf));
    char *p;
    if(n < 0 && errno == EINTR)
      continue;
    if(n <= 0)
      break;
    p = u.buf;
    while(p + sizeof(struct inotify_event) <= u.buf + n) {
      /* aligned: the buffer is, and the kernel pads each name */
      const struct inotify_event *ev =
        (const struct inotify_event *)(void *)p;
      watch_event(w, ev);
      p += sizeof(struct inotify_event) + ev->len;
    }
  }
  return w->npending;
}

/*
 * watch_on_ready() - loop callback: the inotify descriptor is readable.
 * Drains it; the source becomes ready only when a watched file changed,
 * so activity on other files of the same folders wakes no Lua code.
 */
static void watch_on_ready(struct oc_watchfd *wfd)
{
  struct fs_watch *w = watch_of(wfd);
  if(watch_drain(w))
    oc_source_notify(&w->src);
}

/*
 * watch_release() - close the watch: off the loop and the ready list,
 * descriptor closed, memory freed, registry anchor dropped. Idempotent;
 * safe from __gc (L is only used to unref).
 */
static void watch_release(lua_State *L, struct fs_watch *w)
{
  size_t i;
  if(w->in_loop) {
    oc_loop_remove_fd(&w->wfd);
    w->in_loop = 0;
  }
  oc_source_unlink(&w->src);
  if(w->fd >= 0) {
    close(w->fd);
    w->fd = -1;
  }
  for(i = 0; i < w->nfiles; i++)
    free(w->files[i].path);
  for(i = 0; i < w->nnames; i++)
    free(w->names[i].name);
  free(w->files);
  free(w->names);
  w->files = NULL;
  w->names = NULL;
  w->nfiles = w->capfiles = w->nnames = w->capnames = w->npending = 0;
  if(w->src.ref >= 0) {
    luaL_unref(L, LUA_REGISTRYINDEX, w->src.ref);
    w->src.ref = LUA_NOREF;
  }
}

/*
 * check_watch() - the watch at index 1; raises on another value, and
 * (when open is set) on a closed watch.
 */
static struct fs_watch *check_watch(lua_State *L, int open)
{
  struct fs_watch *w = luaL_checkudata(L, 1, FS_WATCH_MT);
  if(open && w->fd < 0)
    luaL_error(L, "openclaw.fs.watch: the watch is closed");
  return w;
}

/*
 * fs_watch_new() - Lua: watch() -> watch | nil, message, code. A new
 * inotify instance with no files yet (so it costs nothing until add()).
 */
static int fs_watch_new(lua_State *L)
{
  struct fs_watch *w = lua_newuserdatauv(L, sizeof(*w), 0);
  int err;
  memset(w, 0, sizeof(*w));
  w->src.ref = LUA_NOREF;
  w->fd = -1;
  luaL_setmetatable(L, FS_WATCH_MT);
  w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if(w->fd < 0) {
    err = errno;
    return push_failure(L, "inotify", err);
  }
  w->wfd.fd = w->fd;
  w->wfd.on_ready = watch_on_ready;
  return 1;
}

/*
 * watch_grow() - make room for one more file and one more name. Returns
 * 0, or -1 when out of memory (nothing changed then). No Lua.
 */
static int watch_grow(struct fs_watch *w)
{
  if(w->nfiles == w->capfiles) {
    size_t cap = w->capfiles ? 2 * w->capfiles : 8;
    struct fs_wfile *f = realloc(w->files, cap * sizeof(*f));
    if(!f)
      return -1;
    w->files = f;
    w->capfiles = cap;
  }
  if(w->nnames + 1 >= w->capnames) {
    size_t cap = w->capnames ? 2 * w->capnames : 16;
    struct fs_wname *n = realloc(w->names, cap * sizeof(*n));
    if(!n)
      return -1;
    w->names = n;
    w->capnames = cap;
  }
  return 0;
}

/*
 * watch_add_name() - watch the folder of path for the name in it, on
 * behalf of file index fi. Returns 0, or -1 with errno set. Needs room
 * for one name (watch_grow). No Lua.
 */
static int watch_add_name(struct fs_watch *w, const char *path, size_t fi)
{
  const char *slash = strrchr(path, '/');
  char dir[PATH_MAX];
  size_t dlen;
  char *name;
  int wd;
  if(!slash || !slash[1]) {
    errno = EINVAL;
    return -1;
  }
  dlen = slash == path ? 1 : (size_t)(slash - path);
  if(dlen >= sizeof(dir)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(dir, path, dlen);
  dir[dlen] = '\0';
  name = strdup(slash + 1);
  if(!name)
    return -1;
  wd = inotify_add_watch(w->fd, dir, FS_WATCH_MASK);
  if(wd < 0) {
    int err = errno;
    free(name);
    errno = err;
    return -1;
  }
  w->names[w->nnames].wd = wd;
  w->names[w->nnames].name = name;
  w->names[w->nnames].file = fi;
  w->nnames++;
  return 0;
}

/*
 * fs_watch_add() - Lua: w:add(path) -> absolute path | nil, message,
 * code. Watches the folder of path for changes to that name (so saving by
 * rename is seen); when path is a symbolic link, the target's folder is
 * watched too. The folder must exist. Adding a path twice is a no-op.
 * Stack: [ w, path, abs ].
 */
static int fs_watch_add(lua_State *L)
{
  struct fs_watch *w = check_watch(L, 1);
  const char *path = check_path(L, 2);
  const char *abs;
  char cwd[PATH_MAX], real[PATH_MAX];
  char *copy;
  struct stat st;
  size_t i, fi;
  int err;

  lua_settop(L, 2);
  if(path[0] == '/')
    abs = lua_pushstring(L, path);
  else {
    if(!getcwd(cwd, sizeof(cwd))) {
      err = errno;
      return push_failure(L, path, err);
    }
    abs = lua_pushfstring(L, "%s/%s", cwd, path);
  }                                         /* [ w, path, abs ] */
  luaL_argcheck(L, abs[strlen(abs) - 1] != '/', 2,
                "path must name a file, not end with '/'");
  for(i = 0; i < w->nfiles; i++) {
    if(!strcmp(w->files[i].path, abs))
      return 1;
  }
  if(w->src.ref < 0) {
    /* anchor first: the only step below that can raise */
    lua_pushvalue(L, 1);
    w->src.ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  copy = strdup(abs);
  if(!copy || watch_grow(w)) {
    free(copy);
    return push_failure(L, abs, ENOMEM);
  }
  fi = w->nfiles;
  if(watch_add_name(w, abs, fi)) {
    err = errno;
    free(copy);
    return push_failure(L, abs, err);
  }
  w->files[fi].path = copy;
  w->files[fi].pending = 0;
  w->nfiles++;
  /* a link: edits of the target happen in the target's folder */
  if(!lstat(abs, &st) && S_ISLNK(st.st_mode) && realpath(abs, real) &&
     strcmp(real, abs) && !watch_grow(w))
    (void)watch_add_name(w, real, fi);
  if(!w->in_loop) {
    oc_loop_add_fd(&w->wfd);
    w->in_loop = 1;
  }
  return 1;
}

/*
 * fs_watch_read() - Lua: w:read() -> { path, ... } | nil. The files that
 * changed since the last read (each once, as add() returned them), or
 * nil when none did. Never blocks. nil on a closed watch.
 */
static int fs_watch_read(lua_State *L)
{
  struct fs_watch *w = check_watch(L, 0);
  size_t i;
  int n = 0;
  if(w->fd < 0 || !watch_drain(w)) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, (int)w->npending, 0);
  for(i = 0; i < w->nfiles; i++) {
    if(w->files[i].pending) {
      lua_pushstring(L, w->files[i].path);
      lua_rawseti(L, -2, ++n);
    }
  }
  /* clear only once the list is complete (a memory error above keeps
     the changes for the next read) */
  for(i = 0; i < w->nfiles; i++)
    w->files[i].pending = 0;
  w->npending = 0;
  oc_source_unlink(&w->src);
  return 1;
}

/*
 * fs_watch_files() - Lua: w:files() -> { path, ... } the watched files.
 */
static int fs_watch_files(lua_State *L)
{
  struct fs_watch *w = check_watch(L, 0);
  size_t i;
  lua_createtable(L, (int)w->nfiles, 0);
  for(i = 0; i < w->nfiles; i++) {
    lua_pushstring(L, w->files[i].path);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/*
 * fs_watch_close() - Lua: w:close() (also __gc and __close). Idempotent.
 */
static int fs_watch_close(lua_State *L)
{
  struct fs_watch *w = check_watch(L, 0);
  watch_release(L, w);
  return 0;
}

/*
 * fs_watch_tostring() - Lua: tostring(w)
 */
static int fs_watch_tostring(lua_State *L)
{
  struct fs_watch *w = check_watch(L, 0);
  if(w->fd < 0)
    lua_pushliteral(L, "openclaw.fs.watch (closed)");
  else
    lua_pushfstring(L, "openclaw.fs.watch (%d files)", (int)w->nfiles);
  return 1;
}

/*
 * fdwatch_on_ready() - loop callback: the descriptor is readable (or at
 * end of file, or failed). One-shot: off the loop until armed again, so
 * unread input never makes the loop spin.
 */
static void fdwatch_on_ready(struct oc_watchfd *wfd)
{
  struct fs_fdwatch *f = (struct fs_fdwatch *)(void *)((char *)wfd -
    offsetof(struct fs_fdwatch, wfd));
  if(f->armed) {
    oc_loop_remove_fd(&f->wfd);
    f->armed = 0;
  }
  oc_source_notify(&f->src);
}

/*
 * check_fdwatch() - the fd watch at index 1; raises on another value and
 * (when open is set) on a closed one.
 */
static struct fs_fdwatch *check_fdwatch(lua_State *L, int open)
{
  struct fs_fdwatch *f = luaL_checkudata(L, 1, FS_FDWATCH_MT);
  if(open && f->closed)
    luaL_error(L, "openclaw.fs.fdwatch: the watch is closed");
  return f;
}

/*
 * fd_readable() - 1 when a read() of fd would not block (data, end of
 * file or an error to report), else 0. No Lua.
 */
static int fd_readable(int fd)
{
  struct pollfd p;
  int rc;
  p.fd = fd;
  p.events = POLLIN;
  p.revents = 0;
  do
    rc = poll(&p, 1, 0);
  while(rc < 0 && errno == EINTR);
  return rc > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL));
}

/*
 * fs_fdwatch_new() - Lua: fdwatch(fd) -> fdwatch | nil, message, code.
 * A source for "fd is readable"; fd stays the caller's (never closed).
 */
static int fs_fdwatch_new(lua_State *L)
{
  lua_Integer fd = luaL_checkinteger(L, 1);
  struct fs_fdwatch *f;
  luaL_argcheck(L, fd >= 0 && fd <= INT_MAX, 1,
                "fd must be a descriptor number >= 0");
  if(fcntl((int)fd, F_GETFD) < 0) {
    int err = errno;
    lua_pushnil(L);
    lua_pushfstring(L, "fd %d: %s", (int)fd, strerror(err));
    lua_pushstring(L, err == EBADF ? "EBADF" : "EINVAL");
    return 3;
  }
  f = lua_newuserdatauv(L, sizeof(*f), 0);
  memset(f, 0, sizeof(*f));
  f->src.ref = LUA_NOREF;
  f->fd = (int)fd;
  f->wfd.fd = (int)fd;
  f->wfd.on_ready = fdwatch_on_ready;
  luaL_setmetatable(L, FS_FDWATCH_MT);
  return 1;
}

/*
 * fs_fdwatch_arm() - Lua: f:arm() -> f. Until the descriptor becomes
 * readable once, the loop polls it; then the watch is reported to the
 * waiting task (sched.wait(f)) and disarmed. Arming twice is a no-op.
 */
static int fs_fdwatch_arm(lua_State *L)
{
  struct fs_fdwatch *f = check_fdwatch(L, 1);
  lua_settop(L, 1);
  if(f->src.ref < 0) {
    lua_pushvalue(L, 1);
    f->src.ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  if(!f->armed) {
    oc_loop_add_fd(&f->wfd);
    f->armed = 1;
  }
  return 1;
}

/*
 * fs_fdwatch_ready() - Lua: f:ready() -> boolean: a read() would not
 * block now.
 */
static int fs_fdwatch_ready(lua_State *L)
{
  struct fs_fdwatch *f = check_fdwatch(L, 1);
  lua_pushboolean(L, fd_readable(f->fd));
  return 1;
}

/*
 * fs_fdwatch_read() - Lua: f:read([max = 65536]) -> string | nil,
 * message, code. One read() of at most max bytes, only when it cannot
 * block: code "EAGAIN" when nothing is available yet, "EOF" at the end.
 */
static int fs_fdwatch_read(lua_State *L)
{
  struct fs_fdwatch *f = check_fdwatch(L, 1);
  lua_Integer max = luaL_optinteger(L, 2, 65536);
  luaL_Buffer b;
  char ebuf[16];
  char *p;
  ssize_t n;
  int err;
  luaL_argcheck(L, max > 0 && max <= FS_READ_MAX, 2,
                "max must be between 1 and 1048576");
  if(!fd_readable(f->fd)) {
    lua_pushnil(L);
    lua_pushliteral(L, "no input available yet");
    lua_pushliteral(L, "EAGAIN");
    return 3;
  }
  p = luaL_buffinitsize(L, &b, (size_t)max);
  do
    n = read(f->fd, p, (size_t)max);
  while(n < 0 && errno == EINTR);
  if(n < 0) {
    err = errno;
    if(err == EAGAIN || err == EWOULDBLOCK) {
      lua_pushnil(L);
      lua_pushliteral(L, "no input available yet");
      lua_pushliteral(L, "EAGAIN");
      return 3;
    }
    lua_pushnil(L);
    lua_pushfstring(L, "fd %d: %s", f->fd, strerror(err));
    lua_pushstring(L, errno_name(err, ebuf, sizeof(ebuf)));
    return 3;
  }
  if(n == 0) {
    lua_pushnil(L);
    lua_pushliteral(L, "end of file");
    lua_pushliteral(L, "EOF");
    return 3;
  }
  luaL_pushresultsize(&b, (size_t)n);
  return 1;
}

/*
 * fs_fdwatch_close() - Lua: f:close() (also __gc, __close). Disarms;
 * the descriptor itself stays open. Idempotent.
 */
static int fs_fdwatch_close(lua_State *L)
{
  struct fs_fdwatch *f = check_fdwatch(L, 0);
  if(f->armed) {
    oc_loop_remove_fd(&f->wfd);
    f->armed = 0;
  }
  oc_source_unlink(&f->src);
  f->closed = 1;
  if(f->src.ref >= 0) {
    luaL_unref(L, LUA_REGISTRYINDEX, f->src.ref);
    f->src.ref = LUA_NOREF;
  }
  return 0;
}

static const luaL_Reg watch_methods[] = {
  {"add", fs_watch_add},
  {"close", fs_watch_close},
  {"files", fs_watch_files},
  {"read", fs_watch_read},
  {NULL, NULL}
};

static const luaL_Reg fdwatch_methods[] = {
  {"arm", fs_fdwatch_arm},
  {"close", fs_fdwatch_close},
  {"read", fs_fdwatch_read},
  {"ready", fs_fdwatch_ready},
  {NULL, NULL}
};

/*
 * new_class() - create metatable mt with methods, __gc and __close set
 * to closer, __tostring to tostr (may be NULL). Leaves the stack as is.
 */
static void new_class(lua_State *L, const char *mt, const luaL_Reg *methods,
                      lua_CFunction closer, lua_CFunction tostr)
{
  luaL_newmetatable(L, mt);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, closer);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, closer);
  lua_setfield(L, -2, "__close");
  if(tostr) {
    lua_pushcfunction(L, tostr);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);
}

static const luaL_Reg fs_funcs[] = {
  {"chmod", fs_chmod},
  {"fdwatch", fs_fdwatch_new},
  {"getpid", fs_getpid},
  {"home", fs_home},
  {"isatty", fs_isatty},
  {"mkdir_p", fs_mkdir_p},
  {"read_hidden", fs_read_hidden},
  {"watch", fs_watch_new},
  {"write_atomic", fs_write_atomic},
  {NULL, NULL}
};

/*
 * luaopen_openclaw_core_fs() - module opener: pushes the module table.
 */
int luaopen_openclaw_core_fs(lua_State *L)
{
  new_class(L, FS_WATCH_MT, watch_methods, fs_watch_close,
            fs_watch_tostring);
  new_class(L, FS_FDWATCH_MT, fdwatch_methods, fs_fdwatch_close, NULL);
  luaL_newlib(L, fs_funcs);
  return 1;
}
