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
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "host.h"

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

static const luaL_Reg fs_funcs[] = {
  {"chmod", fs_chmod},
  {"getpid", fs_getpid},
  {"home", fs_home},
  {"isatty", fs_isatty},
  {"mkdir_p", fs_mkdir_p},
  {"read_hidden", fs_read_hidden},
  {"write_atomic", fs_write_atomic},
  {NULL, NULL}
};

/*
 * luaopen_openclaw_core_fs() - module opener: pushes the module table.
 */
int luaopen_openclaw_core_fs(lua_State *L)
{
  luaL_newlib(L, fs_funcs);
  return 1;
}
