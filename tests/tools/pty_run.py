#!/usr/bin/python3
"""Run a command on a pseudo-terminal and type answers to its prompts.

    pty_run.py [--timeout S] [--answer PROMPT=TEXT]... [--env NAME=VALUE]...
               -- COMMAND [ARGS...]

For each --answer, in order: wait until PROMPT (a substring) has appeared
in the output since the previous answer, wait until the terminal's echo is
off when the prompt reads hidden input (at most 2 s, then type anyway),
then type TEXT and Enter. Prints one JSON object on stdout:
{"output": <everything the command wrote to the terminal>, "code": <exit
status, 128+N for a signal>, "echo_off": [<per answer: was echo off when
typed>], "timed_out": bool}. Exit status 0 unless this helper itself
fails. Standard library only (Debian's /usr/bin/python3).
"""
import argparse
import json
import os
import pty
import select
import signal
import sys
import termios
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--answer", action="append", default=[])
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("missing COMMAND")
    answers = []
    for item in a.answer:
        prompt, sep, text = item.partition("=")
        if not sep:
            ap.error("--answer needs PROMPT=TEXT")
        answers.append((prompt, text))
    env = dict(os.environ)
    for item in a.env:
        name, _, value = item.partition("=")
        env[name] = value

    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvpe(cmd[0], cmd, env)
        except OSError as e:
            os.write(2, ("exec failed: %s\n" % e).encode())
            os._exit(127)

    out = bytearray()
    echo_off = []
    mark = 0
    deadline = time.monotonic() + a.timeout
    timed_out = False
    pending = list(answers)
    while True:
        if pending:
            prompt, text = pending[0]
            idx = out.find(prompt.encode(), mark)
            if idx >= 0:
                off = False
                t_end = time.monotonic() + 2.0
                while time.monotonic() < t_end:
                    try:
                        lflag = termios.tcgetattr(fd)[3]
                    except termios.error:
                        break
                    if not lflag & termios.ECHO:
                        off = True
                        break
                    time.sleep(0.01)
                echo_off.append(off)
                os.write(fd, text.encode() + b"\r")
                mark = idx + len(prompt)
                pending.pop(0)
                continue
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            break
        r, _, _ = select.select([fd], [], [], min(left, 0.1))
        if fd in r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
    else:
        code = 128 + os.WTERMSIG(status)
    json.dump({"output": out.decode("utf-8", "replace"), "code": code,
               "echo_off": echo_off, "timed_out": timed_out}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
