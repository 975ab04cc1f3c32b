#!/usr/bin/python3
"""Drive an interactive command on a pseudo-terminal, step by step.

    pty_chat.py [--timeout S] [--env NAME=VALUE]... STEPS_JSON -- COMMAND [ARGS...]

STEPS_JSON is a JSON list of steps, run in order:
  {"expect": "TEXT"}     wait until TEXT appears in the output after the
                         point the previous expect matched
  {"send": "TEXT"}       type TEXT (use "\\n" for Enter)
  {"intr": true}         press Ctrl-C (the terminal sends SIGINT)
  {"eof": true}          press Ctrl-D
  {"sleep": SECONDS}     wait
Then it waits for the command to exit. Prints one JSON object on stdout:
{"output": <everything written to the terminal>, "code": <exit status,
128+N for a signal, null if it had to be killed>, "failed": <index of the
step that timed out, or null>, "timed_out": bool}. The exit status of this
helper is 0 unless it fails itself. Standard library only.
"""
import argparse
import json
import os
import pty
import select
import signal
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=20.0,
                    help="seconds for each step and for the exit")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("steps")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("missing COMMAND")
    steps = json.loads(a.steps)
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
    state = {"eof": False}

    def pump(seconds):
        """Read output for up to `seconds` (returns early at EOF)."""
        end = time.monotonic() + seconds
        while not state["eof"]:
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([fd], [], [], min(left, 0.05))
            if r:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    state["eof"] = True
                    return
                out.extend(data)

    mark = 0
    failed = None
    for i, step in enumerate(steps):
        if "expect" in step:
            want = step["expect"].encode()
            deadline = time.monotonic() + a.timeout
            while True:
                at = out.find(want, mark)
                if at >= 0:
                    mark = at + len(want)
                    break
                if state["eof"] or time.monotonic() > deadline:
                    failed = i
                    break
                pump(0.05)
            if failed is not None:
                break
        elif "send" in step:
            os.write(fd, step["send"].encode())
        elif step.get("intr"):
            os.write(fd, b"\x03")
        elif step.get("eof"):
            os.write(fd, b"\x04")
        elif "sleep" in step:
            pump(float(step["sleep"]))

    code = None
    timed_out = failed is not None
    deadline = time.monotonic() + (0.5 if failed is not None else a.timeout)
    while True:
        pump(0.05)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = (os.WEXITSTATUS(status) if os.WIFEXITED(status)
                    else 128 + os.WTERMSIG(status))
            break
        if time.monotonic() > deadline:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
    pump(0.1)
    try:
        os.close(fd)
    except OSError:
        pass
    json.dump({"output": out.decode("utf-8", "replace"), "code": code,
               "failed": failed, "timed_out": timed_out}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
