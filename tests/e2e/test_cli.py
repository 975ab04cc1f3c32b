#!/usr/bin/python3
"""End-to-end tests of the openclaw binary: CLI, `run`, Ctrl-C, TLS,
module paths and the installed tree. Real processes, real sockets.

OPENCLAW_BIN names the binary (default: build/openclaw of this checkout).
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BIN = os.environ.get("OPENCLAW_BIN", os.path.join(ROOT, "build", "openclaw"))
SERVER = os.path.join(ROOT, "tests", "server", "orserver.py")


def run(args, stdin=None, env=None, timeout=30, cwd=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True,
                       env=e, timeout=timeout, cwd=cwd)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class Server:
    """The test server on a free port, optionally with TLS."""

    def __init__(self, tls_dir=None):
        self.dir = tempfile.mkdtemp(prefix="openclaw-e2e-")
        port_file = os.path.join(self.dir, "port")
        args = ["/usr/bin/python3", SERVER, "--port", "0",
                "--port-file", port_file]
        if tls_dir:
            args += ["--tls-cert", os.path.join(tls_dir, "server.pem"),
                     "--tls-key", os.path.join(tls_dir, "server.key")]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(400):
            if os.path.exists(port_file):
                with open(port_file) as f:
                    txt = f.read().strip()
                if txt:
                    self.port = int(txt)
                    break
            time.sleep(0.025)
        else:
            raise RuntimeError("test server did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


class Cli(unittest.TestCase):
    def script(self, text, name="script.lua"):
        d = tempfile.mkdtemp(prefix="openclaw-e2e-")
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_version(self):
        rc, out, _ = run(["--version"])
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"^openclaw \d+\.\d+\.\d+ \(Lua 5\.4\.\d+, "
                              r"libcurl \d+\.\d+\.\d+\)\n$")

    def test_help(self):
        rc, out, _ = run(["--help"])
        self.assertEqual(rc, 0)
        self.assertIn("usage: openclaw <command>", out)
        self.assertIn("run", out)
        rc, out, _ = run(["help", "run"])
        self.assertEqual(rc, 0)
        self.assertIn("usage: openclaw run", out)
        rc, _, _ = run([])
        self.assertEqual(rc, 2)

    def test_unknown_command_and_flag(self):
        rc, out, err = run(["rn", "x.lua"])
        self.assertEqual(rc, 2)
        self.assertEqual(err, "openclaw: unknown command 'rn' "
                              "(did you mean 'run'?)\n")
        rc, _, err = run(["--verison"])
        self.assertEqual(rc, 2)
        self.assertIn("did you mean '--version'", err)
        rc, _, err = run(["help", "rnu"])
        self.assertEqual(rc, 2)
        self.assertIn("did you mean 'run'", err)
        rc, _, err = run(["run", "--wacth", "x.lua"])
        self.assertEqual(rc, 2)
        self.assertIn("did you mean '--watch'", err)

    def test_run_args(self):
        p = self.script("local a, b = ...\n"
                        "print(arg[0]:match('[^/]+$'), arg[1], arg[2], "
                        "#arg, a, b)\n")
        rc, out, err = run(["run", p, "one", "two"])
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out, "script.lua\tone\ttwo\t2\tone\ttwo\n")

    def test_run_stdin(self):
        rc, out, _ = run(["run", "-", "x"], stdin=b"print('stdin', ...)\n")
        self.assertEqual((rc, out), (0, "stdin\tx\n"))

    def test_os_exit(self):
        p = self.script("io.write('bye') os.exit(7)")
        rc, out, _ = run(["run", p])
        self.assertEqual((rc, out), (7, "bye"))
        p = self.script("os.exit(false)")
        self.assertEqual(run(["run", p])[0], 1)

    def test_uncaught_error(self):
        p = self.script("local x = 1\nerror('went wrong')\n")
        rc, _, err = run(["run", p])
        self.assertEqual(rc, 1)
        first = err.splitlines()[0]
        self.assertEqual(first, "openclaw: %s:2: went wrong" % p)
        self.assertIn("stack traceback:", err)

    def test_bad_scripts_one_line(self):
        rc, _, err = run(["run", "/nonexistent/x.lua"])
        self.assertEqual(rc, 1)
        self.assertEqual(err, "openclaw: cannot open /nonexistent/x.lua: "
                              "No such file or directory\n")
        d = tempfile.mkdtemp()
        rc, _, err = run(["run", d])
        self.assertEqual(rc, 1)
        self.assertEqual(err, "openclaw: cannot run %s: it is a directory\n"
                         % d)
        p = self.script("x = = 1\n")
        rc, _, err = run(["run", p])
        self.assertEqual(rc, 1)
        self.assertEqual(err.count("\n"), 1)
        self.assertIn("%s:1:" % p, err)
        rc, _, err = run(["run"])
        self.assertEqual(rc, 2)

    def test_preloaded_and_paths(self):
        d = tempfile.mkdtemp()
        os.makedirs(os.path.join(d, "mine"))
        with open(os.path.join(d, "mine", "init.lua"), "w") as f:
            f.write("return { hi = 'from user path' }\n")
        p = self.script(
            "print(require('mine').hi)\n"
            "print(type(package.preload.cjson), "
            "type(package.preload['cjson.safe']), type(package.preload.lfs))\n"
            "print(require('cjson').encode({1}), require('lfs')._VERSION ~= nil)\n"
            "print(require('cjson.util') ~= nil)\n"
            "print(package.path:find('./?.lua', 1, true) == nil)\n")
        rc, out, err = run(["run", p], env={"OPENCLAW_LUA_PATH": d})
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out, "from user path\nfunction\tfunction\tfunction\n"
                              "[1]\ttrue\ntrue\ntrue\n")

    def interrupt(self, text, env=None, wait_for=None):
        p = self.script(text)
        e = dict(os.environ)
        e.update(env or {})
        proc = subprocess.Popen([BIN, "run", p], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=e)
        if wait_for:
            line = proc.stdout.readline().decode()
            self.assertEqual(line.strip(), wait_for)
        else:
            time.sleep(0.5)
        t0 = time.time()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        return proc.returncode, err.decode(), time.time() - t0

    def test_ctrl_c_while_sleeping(self):
        rc, err, took = self.interrupt(
            "io.stdout:setvbuf('no') print('ready')\n"
            "require('openclaw').sleep(60000)\n", wait_for="ready")
        self.assertEqual(rc, 130)
        self.assertEqual(err, "openclaw: interrupted\n")
        self.assertLess(took, 3)

    def test_ctrl_c_in_a_busy_loop(self):
        rc, err, took = self.interrupt(
            "io.stdout:setvbuf('no') print('ready')\nwhile true do end\n",
            wait_for="ready")
        self.assertEqual(rc, 130)
        self.assertIn("interrupted", err)
        self.assertLess(took, 3)

    def test_ctrl_c_cancels_transfers(self):
        srv = Server()
        try:
            rc, err, took = self.interrupt(
                "local http = require('openclaw.http')\n"
                "io.stdout:setvbuf('no') print('ready')\n"
                "local s = http.stream{url = arg[1]}\n"
                "for ev in s:events() do end\n"
                "print('not reached')\n".replace(
                    "arg[1]", "'http://127.0.0.1:%d/test/stall?after=1&ms=60000'"
                    % srv.port), wait_for="ready")
        finally:
            srv.stop()
        self.assertEqual(rc, 130)
        self.assertEqual(err, "openclaw: interrupted\n")
        self.assertLess(took, 3)

    def test_ctrl_c_can_be_caught(self):
        rc, err, _ = self.interrupt(
            "local oc = require('openclaw')\n"
            "io.stdout:setvbuf('no')\n"
            "oc.spawn(function() oc.sleep(50) print('ready') end)\n"
            "local ok, e = pcall(oc.sleep, 60000)\n"
            "print(ok, tostring(e))\nos.exit(e == oc.INTERRUPTED and 5 or 6)\n",
            wait_for="ready")
        self.assertEqual(rc, 5)


class Tls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="openclaw-certs-")
        subprocess.run(["/usr/bin/python3", SERVER, "--make-cert", cls.certs],
                       check=True, capture_output=True)
        cls.srv = Server(tls_dir=cls.certs)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def fetch(self, env):
        p = os.path.join(self.certs, "fetch.lua")
        with open(p, "w") as f:
            f.write("local r, m, c = require('openclaw.http').request{"
                    "url = 'https://localhost:%d/test/conn'}\n"
                    "print(r and r.status or c)\n" % self.srv.port)
        e = {"SSL_CERT_FILE": "", "CURL_CA_BUNDLE": ""}
        e.update(env)
        return run(["run", p], env=e)

    def test_verification_on_by_default(self):
        rc, out, _ = self.fetch({})
        self.assertEqual((rc, out), (0, "tls\n"))

    def test_ssl_cert_file(self):
        ca = os.path.join(self.certs, "ca.pem")
        self.assertEqual(self.fetch({"SSL_CERT_FILE": ca})[1], "200\n")
        self.assertEqual(self.fetch({"CURL_CA_BUNDLE": ca})[1], "200\n")


class Install(unittest.TestCase):
    def test_installed_tree_finds_its_modules(self):
        build = os.path.dirname(BIN)
        if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
            self.skipTest("not a CMake build tree")
        prefix = tempfile.mkdtemp(prefix="openclaw-install-")
        subprocess.run(["cmake", "--install", build, "--prefix", prefix],
                       check=True, capture_output=True)
        exe = os.path.join(prefix, "bin", "openclaw")
        p = os.path.join(prefix, "t.lua")
        with open(p, "w") as f:
            f.write("print(package.searchpath('openclaw.http', package.path))\n"
                    "print(require('openclaw.host').share_dir)\n")
        out = subprocess.run([exe, "run", p], capture_output=True, check=True,
                             timeout=30).stdout.decode().splitlines()
        self.assertEqual(out[0], os.path.join(
            prefix, "share", "openclaw", "lua", "openclaw", "http.lua"))
        self.assertEqual(out[1], os.path.join(prefix, "share", "openclaw"))
        self.assertTrue(os.path.exists(os.path.join(out[1], "config.lua")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
