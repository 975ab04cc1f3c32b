#!/usr/bin/env python3
"""orserver.py - a local fake of OpenRouter's HTTP API plus transport test endpoints.

Standard library only (python3-jsonschema is used for request/response validation
when installed).  See README.md beside this file for the full description.

    python3 tests/server/orserver.py [--host 127.0.0.1] [--port 0] [--port-file PATH]
                                     [--tls-cert CERT --tls-key KEY] [--log PATH]
                                     [--schema PATH] [--models PATH] [--verbose]
    python3 tests/server/orserver.py --self-test
    python3 tests/server/orserver.py --make-cert DIR
"""

import argparse
import base64
import fnmatch
import gzip
import json
import math
import os
import random
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMA = os.path.normpath(
    os.path.join(HERE, "..", "..", "..", "shared", "spec", "openrouter-api.schema.json"))
DEFAULT_MODELS = os.path.join(HERE, "fixtures", "models.json")

# Errors that only mean "the peer went away"; never worth a traceback.
DISCONNECT_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError,
                     TimeoutError, ssl.SSLError, OSError)

MAX_STALL_S = 120.0
AUTO_ROUTED_MODEL = "openai/gpt-4o-mini"
FALLBACK_PRICE = (0.000001, 0.000002)          # USD per prompt / completion token
ROUTED_PRICE = (0.00000015, 0.0000006)         # openai/gpt-4o-mini
NOT_FOUND_SUFFIX = "not-exist"                 # any model id ending in this -> 404

PROVIDER_NAMES = {
    "openai": "OpenAI", "anthropic": "Anthropic", "google": "Google", "deepseek": "DeepSeek",
    "x-ai": "xAI", "moonshotai": "Moonshot AI", "gryphe": "Together", "mistralai": "Mistral",
    "meta-llama": "DeepInfra", "hexgrad": "DeepInfra",
}


# --------------------------------------------------------------------------------------------
# JSON Schema (optional)
# --------------------------------------------------------------------------------------------

class Schema:
    """Loads the OpenRouter JSON Schema and validates instances against a $defs root.

    Validators are cached per thread: jsonschema < 4.18 (Debian 12 ships 4.10) keeps a
    mutable scope stack in its RefResolver, so one validator must not be shared by threads.
    """

    def __init__(self, path):
        self.path = path
        self.doc = None
        self.reason = ""
        self._local = threading.local()
        self._validator_cls = None
        self._best_match = None
        try:
            with open(path, "r", encoding="utf-8") as f:
                self.doc = json.load(f)
        except OSError as e:
            self.reason = "schema not found: %s (%s)" % (path, e.strerror)
            return
        except ValueError as e:
            self.reason = "schema is not valid JSON: %s (%s)" % (path, e)
            self.doc = None
            return
        try:
            import jsonschema  # noqa: lazy, optional
            from jsonschema.exceptions import best_match
            self._validator_cls = jsonschema.Draft202012Validator
            self._best_match = best_match
        except Exception as e:  # ImportError, or a too-old jsonschema without 2020-12
            self.reason = ("python3-jsonschema is not installed or too old (%s); "
                           "install the Debian package python3-jsonschema" % e)
            self.doc = None

    @property
    def available(self):
        return self.doc is not None

    def _validator(self, root):
        cache = getattr(self._local, "v", None)
        if cache is None:
            cache = self._local.v = {}
        v = cache.get(root)
        if v is None:
            if root not in self.doc.get("$defs", {}):
                raise KeyError("schema has no $defs/%s" % root)
            v = self._validator_cls(dict(self.doc, **{"$ref": "#/$defs/" + root}))
            cache[root] = v
        return v

    def errors(self, root, instance, limit=20):
        """List of human-readable error strings ([] = valid), or None if unavailable."""
        if not self.available:
            return None
        out = []
        errs = sorted(self._validator(root).iter_errors(instance),
                      key=lambda e: [str(p) for p in e.absolute_path])
        for e in errs[:limit]:
            where = "$" + "".join("[%d]" % p if isinstance(p, int) else ".%s" % p
                                  for p in e.absolute_path)
            msg = e.message
            if len(msg) > 300:
                msg = msg[:300] + "..."
            if e.context:
                sub = self._best_match(e.context)
                if sub is not None:
                    sw = "$" + "".join("[%d]" % p if isinstance(p, int) else ".%s" % p
                                       for p in sub.absolute_path)
                    sm = sub.message if len(sub.message) <= 200 else sub.message[:200] + "..."
                    msg += " (best match: %s: %s)" % (sw, sm)
            out.append("%s: %s" % (where, msg))
        return out


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

def jdump(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def error_body(code, message, metadata=None):
    err = {"code": code, "message": message}
    if metadata is not None:
        err["metadata"] = metadata
    return {"error": err}


def pattern_bytes(n):
    """Deterministic test data: byte i == i % 251."""
    base = bytes(range(251))
    reps = n // 251 + 1
    return (base * reps)[:n]


def tiny_png(r=255, g=0, b=0, size=2):
    """A valid size x size RGB PNG."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    raw = b"".join(b"\x00" + bytes([r, g, b]) * size for _ in range(size))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def fake_mp3():
    """'ID3' tag header + 1 KiB of MPEG-1 layer III frame-looking bytes."""
    id3 = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    frame = b"\xff\xfb\x90\x64" + bytes((i * 7 + 3) % 256 for i in range(413))  # 417-byte frame
    body = (frame * 3)[:1024]
    return id3 + body


def fake_pcm(n=1024):
    """n bytes of 24 kHz s16le mono samples (a 440 Hz sine)."""
    samples = n // 2
    return b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 24000)))
                    for i in range(samples))


def fake_wav():
    pcm = fake_pcm()
    fmt = struct.pack("<HHIIHH", 1, 1, 24000, 48000, 2, 16)
    return (b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(pcm)) + b"WAVE"
            + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(pcm)) + pcm)


def content_text(content):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p["text"] for p in content
                         if isinstance(p, dict) and p.get("type") == "text"
                         and isinstance(p.get("text"), str))
    return ""


def new_gen_id():
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "gen-%d-%s" % (int(time.time()), "".join(random.choice(alphabet) for _ in range(20)))


def provider_for(model):
    return PROVIDER_NAMES.get((model or "").split("/", 1)[0], "OpenRouterTest")


def qparam(params, name, default=None):
    v = params.get(name)
    return v[-1] if v else default


def qint(params, name, default):
    try:
        return int(float(qparam(params, name, default)))
    except (TypeError, ValueError):
        return default


def pieces(s, n):
    n = max(1, int(n))
    return [s[i:i + n] for i in range(0, len(s), n)] or []


class HTTPError(Exception):
    def __init__(self, status, body):
        Exception.__init__(self, status)
        self.status = status
        self.body = body


# --------------------------------------------------------------------------------------------
# Shared server state
# --------------------------------------------------------------------------------------------

class State:
    def __init__(self, log_path=None, models_path=DEFAULT_MODELS):
        self.lock = threading.Lock()
        self.log = []
        self.seq = 0
        self.conn_seq = 0
        self.rules = []
        self.generations = {}
        self.active = {}                 # path -> requests currently being handled
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None
        self.models_path = models_path
        with open(models_path, "r", encoding="utf-8") as f:
            self.fixture = json.load(f)
        self.catalog = self.fixture

    def next_conn(self):
        with self.lock:
            self.conn_seq += 1
            return self.conn_seq

    def record(self, rec):
        with self.lock:
            self.seq += 1
            rec["seq"] = self.seq
            self.log.append(rec)
            if self.log_file:
                try:
                    self.log_file.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    self.log_file.flush()
                except (OSError, ValueError):
                    pass
        return rec

    def reset(self):
        with self.lock:
            self.log = []
            self.seq = 0
            self.rules = []
            self.generations = {}
            self.catalog = self.fixture

    def add_rules(self, rules):
        with self.lock:
            for r in rules:
                self.rules.append({"rule": r, "left": r.get("times")})
            return len(self.rules)

    def take_rule(self, path, model, default_paths):
        """First rule matching (path, model) with times left; decrements its counter."""
        with self.lock:
            for i, ent in enumerate(self.rules):
                r = ent["rule"]
                if ent["left"] is not None and ent["left"] <= 0:
                    continue
                rpath = r.get("path")
                if rpath is None:
                    if path not in default_paths:
                        continue
                elif not fnmatch.fnmatchcase(path, rpath):
                    continue
                rmodel = r.get("model", "*")
                if rmodel != "*" and not fnmatch.fnmatchcase(model or "", rmodel):
                    continue
                if ent["left"] is not None:
                    ent["left"] -= 1
                return i, r["response"]
        return None, None

    def price(self, model):
        for m in self.catalog.get("data", []):
            if m.get("id") == model:
                try:
                    p = float(m["pricing"]["prompt"])
                    c = float(m["pricing"]["completion"])
                except (KeyError, TypeError, ValueError):
                    break
                if p < 0 or c < 0:       # openrouter/auto lists "-1"
                    return ROUTED_PRICE
                return p, c
        if model == AUTO_ROUTED_MODEL:
            return ROUTED_PRICE
        return FALLBACK_PRICE


# --------------------------------------------------------------------------------------------
# Chat reply model (shared by the default echo and the scripted high-level form)
# --------------------------------------------------------------------------------------------

def make_usage(state, req, reply_model, text, reasoning, tool_calls):
    chars = 0
    for m in req.get("messages") or []:
        if isinstance(m, dict):
            chars += len(content_text(m.get("content"))) + 4
    if req.get("tools"):
        chars += len(jdump(req["tools"]))
    prompt = max(1, (chars + 3) // 4)
    out_chars = len(text or "") + sum(len(tc.get("name", "")) + len(tc.get("arguments", ""))
                                      for tc in tool_calls)
    rtok = (len(reasoning or "") + 3) // 4
    completion = max(1, (out_chars + 3) // 4) + rtok
    pp, cp = state.price(reply_model)
    pcost = round(prompt * pp, 12)
    ccost = round(completion * cp, 12)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "cost": round(pcost + ccost, 12),
        "is_byok": False,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "cost_details": {"upstream_inference_cost": None,
                         "upstream_inference_prompt_cost": pcost,
                         "upstream_inference_completions_cost": ccost},
        "completion_tokens_details": {"reasoning_tokens": rtok},
    }


def default_reply(req, request_seq):
    """The echo behaviour used when no rule matches a chat request."""
    msgs = [m for m in (req.get("messages") or []) if isinstance(m, dict)]
    model = req.get("model") or "openrouter/auto"
    reply = {"model": AUTO_ROUTED_MODEL if model == "openrouter/auto" else model}
    last = msgs[-1] if msgs else {}
    user_text = ""
    for m in reversed(msgs):
        if m.get("role") == "user":
            user_text = content_text(m.get("content"))
            break
    if last.get("role") == "tool":
        trailing = []
        for m in reversed(msgs):
            if m.get("role") != "tool":
                break
            trailing.append("tool said: " + content_text(m.get("content")))
        reply["text"] = "\n".join(reversed(trailing))
    elif last.get("role") == "user" and req.get("tools") and user_text.startswith("call:"):
        calls = []
        for line in user_text.splitlines():
            line = line.strip()
            if not line.startswith("call:"):
                continue
            name, _, args = line[5:].strip().partition(" ")
            calls.append({"id": "call_%d_%d" % (request_seq, len(calls) + 1),
                          "name": name, "arguments": args.strip() or "{}"})
        reply["tool_calls"] = calls
    else:
        reply["text"] = "echo: " + user_text
    reasoning = req.get("reasoning")
    if isinstance(reasoning, dict):
        effort = reasoning.get("effort")
        wants = (effort not in (None, "none")) or reasoning.get("enabled") is True \
            or isinstance(reasoning.get("max_tokens"), int)
        if wants and reasoning.get("enabled") is not False:
            reply["reasoning"] = "Reasoning (effort %s): the user wrote %d characters; echo them." % (
                effort or "default", len(user_text))
    mods = req.get("modalities")
    if isinstance(mods, list) and "image" in mods:
        n = req.get("n") if isinstance(req.get("n"), int) else 1
        n = max(1, min(4, n))
        reply["images"] = [{"mime": "image/png", "b64": base64.b64encode(tiny_png(40 * i, 128, 200)).decode()}
                           for i in range(n)]
    return reply


class ChatRender:
    """Turns a reply description into ChatStreamChunk dicts or a ChatResult dict."""

    def __init__(self, state, req, reply, request_seq):
        self.state = state
        self.req = req if isinstance(req, dict) else {}
        self.reply = reply
        requested = self.req.get("model") or "openrouter/auto"
        default_model = AUTO_ROUTED_MODEL if requested == "openrouter/auto" else requested
        self.model = reply.get("model") or default_model
        self.gen_id = reply.get("id") or new_gen_id()
        self.created = int(time.time())
        self.text = reply.get("text") or ""
        self.reasoning = reply.get("reasoning") or ""
        self.reasoning_field = reply.get("reasoning_field", "reasoning")
        self.tool_calls = []
        for i, tc in enumerate(reply.get("tool_calls") or []):
            self.tool_calls.append({
                "id": tc.get("id") or "call_%d_%d" % (request_seq, i + 1),
                "name": tc.get("name", "tool"),
                "arguments": tc["arguments"] if isinstance(tc.get("arguments"), str)
                else jdump(tc.get("arguments", {})),
            })
        self.images = [{"type": "image_url",
                        "image_url": {"url": "data:%s;base64,%s" % (im.get("mime", "image/png"), im.get("b64", ""))}}
                       for im in (reply.get("images") or [])]
        if "finish_reason" in reply:
            self.finish = reply["finish_reason"]
        else:
            self.finish = "tool_calls" if self.tool_calls else "stop"
        if "usage" in reply:
            self.usage = reply["usage"]          # verbatim; null -> no usage at all
        else:
            self.usage = make_usage(state, self.req, self.model, self.text, self.reasoning, self.tool_calls)
        self.piece = int(reply.get("piece", 4))
        self.arg_piece = int(reply.get("arg_piece", 5))
        cost = reply.get("generation_cost")
        if cost is None and isinstance(self.usage, dict):
            cost = self.usage.get("cost")
        with state.lock:
            state.generations[self.gen_id] = {
                "id": self.gen_id, "model": self.model, "total_cost": cost if cost is not None else 0,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.created)),
                "streamed": bool(self.req.get("stream")), "finish_reason": self.finish,
                "tokens_prompt": self.usage.get("prompt_tokens", 0) if isinstance(self.usage, dict) else 0,
                "tokens_completion": self.usage.get("completion_tokens", 0) if isinstance(self.usage, dict) else 0,
                "provider_name": provider_for(self.model),
            }

    def _chunk(self, delta, finish=None, choices=True):
        c = {"id": self.gen_id, "provider": provider_for(self.model), "model": self.model,
             "object": "chat.completion.chunk", "created": self.created}
        if choices:
            c["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish,
                             "native_finish_reason": finish, "logprobs": None}]
        else:
            c["choices"] = []
        return c

    def chunks(self):
        out = [self._chunk({"role": "assistant", "content": ""})]
        for p in pieces(self.reasoning, self.piece):
            d = {"role": "assistant", "content": "", self.reasoning_field: p}
            if self.reasoning_field == "reasoning":
                d["reasoning_details"] = [{"type": "reasoning.text", "text": p, "format": "unknown", "index": 0}]
            out.append(self._chunk(d))
        if self.reply.get("reasoning_details"):
            out.append(self._chunk({"role": "assistant", "content": "",
                                    "reasoning_details": self.reply["reasoning_details"]}))
        for p in pieces(self.text, self.piece):
            out.append(self._chunk({"role": "assistant", "content": p}))
        if self.tool_calls:
            for i, tc in enumerate(self.tool_calls):
                out.append(self._chunk({"role": "assistant", "content": None, "tool_calls": [{
                    "index": i, "id": tc["id"], "type": "function",
                    "function": {"name": tc["name"], "arguments": ""}}]}))
            frags = [pieces(tc["arguments"], self.arg_piece) for tc in self.tool_calls]
            for r in range(max(len(f) for f in frags)):
                for i, f in enumerate(frags):           # round-robin: interleaved when 2+ calls
                    if r < len(f):
                        out.append(self._chunk({"role": "assistant", "content": None, "tool_calls": [{
                            "index": i, "function": {"arguments": f[r]}}]}))
        if self.images:
            out.append(self._chunk({"role": "assistant", "content": "", "images": self.images}))
        err = self.reply.get("error_chunk")
        if err is not None:
            err = dict(err)
            if isinstance(err.get("metadata"), dict) and "error_type" not in err["metadata"]:
                err["metadata"] = dict(err["metadata"], error_type=error_type_for(err.get("code")))
            c = self._chunk({"role": "assistant", "content": ""}, finish="error")
            c["error"] = err
            out.append(c)
            return out
        mode = self.reply.get("usage_chunk", "final")
        final = self._chunk({"role": "assistant", "content": ""}, finish=self.finish)
        if self.usage is not None and mode == "final":
            final["usage"] = self.usage
        out.append(final)
        if self.usage is not None and mode == "separate":
            u = self._chunk(None, choices=False)
            u["usage"] = self.usage
            out.append(u)
        return out

    def result(self):
        msg = {"role": "assistant",
               "content": self.text if self.text else (None if self.tool_calls else ""),
               "refusal": None,
               "reasoning": self.reasoning or None}
        if self.reasoning and self.reasoning_field == "reasoning":
            msg["reasoning_details"] = [{"type": "reasoning.text", "text": self.reasoning,
                                         "format": "unknown", "index": 0}]
        elif self.reasoning:
            msg[self.reasoning_field] = self.reasoning
        if self.tool_calls:
            msg["tool_calls"] = [{"id": tc["id"], "type": "function",
                                  "function": {"name": tc["name"], "arguments": tc["arguments"]}}
                                 for tc in self.tool_calls]
        if self.images:
            msg["images"] = self.images
        res = {"id": self.gen_id, "provider": provider_for(self.model), "model": self.model,
               "object": "chat.completion", "created": self.created,
               "choices": [{"logprobs": None, "finish_reason": self.finish,
                            "native_finish_reason": self.finish, "index": 0, "message": msg}],
               "system_fingerprint": None}
        if self.usage is not None:
            res["usage"] = self.usage
        return res


def error_type_for(code):
    return {400: "invalid_request", 401: "authentication", 402: "payment_required",
            403: "permission_denied", 404: "not_found", 408: "timeout", 413: "payload_too_large",
            422: "unprocessable", 429: "rate_limit_exceeded", 502: "provider_unavailable",
            503: "provider_overloaded", 504: "timeout"}.get(code, "server")


# --------------------------------------------------------------------------------------------
# SSE framing
# --------------------------------------------------------------------------------------------

def eol_for(crlf):
    if crlf in ("cr", "CR"):
        return "\r"
    if crlf in (True, 1, "1", "crlf", "true"):
        return "\r\n"
    return "\n"


def sse_blocks(items, crlf=False, comments=False, done=True):
    """Build [(bytes, counted)] for a list of chunks (dicts -> data lines, str -> verbatim)."""
    eol = eol_for(crlf)
    out = []
    ncomments = 2 if comments is True else (int(comments) if comments else 0)
    for _ in range(ncomments):
        out.append(((": OPENROUTER PROCESSING" + eol + eol).encode(), False))
    for it in items:
        if isinstance(it, str):
            out.append((it.encode("utf-8"), True))
        else:
            out.append((("data: " + jdump(it) + eol + eol).encode("utf-8"), True))
    if done:
        out.append((("data: [DONE]" + eol + eol).encode(), False))
    return out


# --------------------------------------------------------------------------------------------
# HTTP server
# --------------------------------------------------------------------------------------------

class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 2048

    def __init__(self, addr, handler, state, schema, tls_ctx=None, verbose=False):
        host = addr[0]
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.state = state
        self.schema = schema
        self.tls_ctx = tls_ctx
        self.verbose = verbose
        self.stop_event = threading.Event()
        ThreadingHTTPServer.__init__(self, addr, handler)

    def server_bind(self):
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); skip it.
        socket.socket.setsockopt(self.socket, socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name = self.server_address[0]
        self.server_port = self.server_address[1]

    def finish_request(self, request, client_address):
        if self.tls_ctx is None:
            self.RequestHandlerClass(request, client_address, self)
            return
        try:
            request.settimeout(10)
            tls = self.tls_ctx.wrap_socket(request, server_side=True)
        except DISCONNECT_ERRORS:
            try:
                request.close()
            except OSError:
                pass
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, DISCONNECT_ERRORS):
            return
        sys.stderr.write("orserver: error while handling %r:\n" % (client_address,))
        traceback.print_exc()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "orserver/1.0"

    def version_string(self):
        return self.server_version
    disable_nagle_algorithm = True
    timeout = 300

    # ---- connection plumbing --------------------------------------------------------------

    def setup(self):
        BaseHTTPRequestHandler.setup(self)
        self.conn_id = self.server.state.next_conn()
        self.conn_requests = 0
        self.aborted = False

    def handle(self):
        try:
            BaseHTTPRequestHandler.handle(self)
        except DISCONNECT_ERRORS:
            self.close_connection = True

    def finish(self):
        try:
            BaseHTTPRequestHandler.finish(self)
        except DISCONNECT_ERRORS:
            pass

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("orserver: %s - %s\n" % (self.address_string(), fmt % args))

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def do_HEAD(self):
        self.dispatch()

    def abort(self, rst=False):
        """Close the TCP connection abruptly (no TLS close_notify, no chunk terminator)."""
        self.close_connection = True
        self.aborted = True
        sock = self.connection
        try:
            if rst:
                socket.socket.setsockopt(sock, socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass
        if rst:
            try:
                socket.socket.close(sock)
            except OSError:
                pass

    def close_gracefully(self):
        """End a close-delimited body: TLS close_notify (if TLS), then FIN."""
        self.close_connection = True
        sock = self.connection
        if isinstance(sock, ssl.SSLSocket):
            try:
                sock.settimeout(0.5)
                sock.unwrap()
            except (OSError, ValueError):
                pass
        try:
            socket.socket.shutdown(sock, socket.SHUT_WR)
        except OSError:
            pass

    def client_gone(self, seconds):
        """Wait up to `seconds`; True as soon as the peer closed the connection."""
        deadline = time.monotonic() + max(0.0, seconds)
        sock = self.connection
        poller = select.poll()
        # POLLRDHUP: the peer shut down its side even though unread bytes (e.g. a TLS
        # close_notify alert, which a MSG_PEEK would keep returning) are still queued.
        gone_mask = select.POLLHUP | select.POLLERR | getattr(select, "POLLRDHUP", 0)
        try:
            poller.register(sock.fileno(), select.POLLIN | gone_mask)
        except (OSError, ValueError):
            return True
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                ev = poller.poll(min(remaining, 0.25) * 1000)
            except InterruptedError:
                continue
            if not ev:
                continue
            if any(flags & gone_mask for _, flags in ev):
                return True
            try:
                data = socket.socket.recv(sock, 1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                return True
            if not data:
                return True
            time.sleep(min(0.05, max(0.0, remaining)))   # pipelined bytes / TLS alert: don't spin

    # ---- request parsing ------------------------------------------------------------------

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            parts = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise HTTPError(400, error_body(400, "truncated chunked body"))
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise HTTPError(400, error_body(400, "bad chunk size"))
                if size == 0:
                    while True:
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(parts)
        cl = self.headers.get("Content-Length")
        if not cl:
            return b""
        try:
            n = int(cl)
            if n < 0:
                raise ValueError
        except ValueError:
            raise HTTPError(400, error_body(400, "invalid Content-Length"))
        return self.rfile.read(n) if n else b""

    def header_dict(self):
        d = {}
        for k, v in self.headers.items():
            k = k.lower()
            d[k] = d[k] + ", " + v if k in d else v
        return d

    # ---- response helpers -----------------------------------------------------------------

    def send_bytes(self, status, data, ctype="application/octet-stream", headers=None):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            for vv in (v if isinstance(v, list) else [v]):
                self.send_header(k, str(vv))
        body_allowed = self.command != "HEAD" and status not in (204, 304) and status >= 200
        if body_allowed or self.command == "HEAD":
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body_allowed and data:
            self.wfile.write(data)

    def send_json(self, status, obj, headers=None):
        self.send_bytes(status, jdump(obj).encode("utf-8"), "application/json", headers)

    def start_stream(self, status=200, ctype="text/event-stream", headers=None, chunked=True):
        if self.request_version == "HTTP/1.0":
            chunked = False
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        if ctype == "text/event-stream":
            self.send_header("Cache-Control", "no-cache")
        for k, v in (headers or {}).items():
            for vv in (v if isinstance(v, list) else [v]):
                self.send_header(k, str(vv))
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        return chunked

    def write_piece(self, data, chunked):
        if not data:
            return
        if chunked:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        else:
            self.wfile.write(data)

    def end_stream(self, chunked):
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.close_gracefully()

    def drop_stream(self, chunked, next_bytes, rst=False):
        """Abrupt close in the middle of a chunk: announce the whole next event, send half."""
        nb = next_bytes or b'data: {"dropped":true}\n\n'
        half = nb[:max(1, len(nb) // 2)]
        try:
            if chunked:
                self.wfile.write(b"%x\r\n%s" % (len(nb), half))
            else:
                self.wfile.write(half)
        except DISCONNECT_ERRORS:
            pass
        self.abort(rst=rst)

    def run_sse(self, blocks, split=0, delay_ms=0, gap_ms=0, drop_after=None, stall_after=None,
                stall_ms=None, chunked=True, status=200, headers=None, rst=False):
        """Write SSE blocks [(bytes, counted)] with the scenario knobs described in README."""
        chunked = self.start_stream(status, "text/event-stream", headers, chunked)
        split = int(split or 0)
        buf = b""
        count = 0

        def flush_all():
            nonlocal buf
            if buf:
                self.write_piece(buf, chunked)
                buf = b""

        def push(data):
            nonlocal buf
            buf += data
            if split > 0:
                while len(buf) >= split:
                    self.write_piece(buf[:split], chunked)
                    buf = buf[split:]
                    if gap_ms:
                        time.sleep(gap_ms / 1000.0)
            else:
                flush_all()

        drop_after = None if drop_after is None else max(0, int(drop_after))
        stall_after = None if stall_after is None else int(stall_after)
        remaining_counted = sum(1 for _, c in blocks if c)
        last = len(blocks) - 1
        for idx, (data, counted) in enumerate(blocks):
            if drop_after is not None and count == drop_after and (counted or remaining_counted == 0):
                flush_all()
                self.drop_stream(chunked, data, rst)
                return
            push(data)
            if not counted:
                continue
            count += 1
            remaining_counted -= 1
            if stall_after is not None and count == stall_after:
                flush_all()
                wait = MAX_STALL_S if stall_ms is None else min(MAX_STALL_S, float(stall_ms) / 1000.0)
                if self.client_gone(wait):
                    self.abort()
                    return
            elif delay_ms and idx < last:
                flush_all()
                time.sleep(float(delay_ms) / 1000.0)
        if drop_after is not None and count <= drop_after:
            flush_all()
            self.drop_stream(chunked, None, rst)
            return
        flush_all()
        self.end_stream(chunked)

    # ---- dispatch -------------------------------------------------------------------------

    def end_headers(self):
        self.headers_sent = True
        BaseHTTPRequestHandler.end_headers(self)

    def dispatch(self):
        self.conn_requests += 1
        self.headers_sent = False
        url = urlsplit(self.path)
        self.url_path = url.path
        self.query = url.query
        self.params = parse_qs(url.query, keep_blank_values=True)
        try:
            self.body_raw = self.read_body()
        except HTTPError as e:
            self.close_connection = True
            self.send_json(e.status, e.body)
            return
        st = self.server.state
        track = not self.url_path.startswith("/_control/")
        if track:
            with st.lock:
                st.active[self.url_path] = st.active.get(self.url_path, 0) + 1
        try:
            if self.url_path.startswith("/_control/"):
                self.control()
            elif self.url_path == "/api/v1" or self.url_path.startswith("/api/v1/"):
                self.api()
            elif self.url_path.startswith("/test/"):
                self.test()
            else:
                self.send_json(404, error_body(404, "Not Found: %s" % self.url_path))
        except HTTPError as e:
            self.send_json(e.status, e.body)
        except DISCONNECT_ERRORS:
            self.close_connection = True
        except Exception as e:  # a bug, or a rule the server cannot render: say so loudly
            self.close_connection = True
            sys.stderr.write("orserver: error in %s %s:\n%s" % (self.command, self.path, traceback.format_exc()))
            if not self.headers_sent:
                try:
                    self.send_json(500, error_body(500, "orserver internal error: %r" % e))
                except DISCONNECT_ERRORS:
                    pass
        finally:
            if track:
                with st.lock:
                    st.active[self.url_path] -= 1
                    if not st.active[self.url_path]:
                        del st.active[self.url_path]

    # ---- control API ----------------------------------------------------------------------

    def json_body(self):
        try:
            return json.loads(self.body_raw.decode("utf-8") or "null")
        except (UnicodeDecodeError, ValueError) as e:
            raise HTTPError(400, error_body(400, "invalid JSON body: %s" % e))

    def control(self):
        st = self.server.state
        p = self.url_path
        if p == "/_control/log" and self.command == "GET":
            since = qint(self.params, "since", 0)
            with st.lock:
                reqs = [r for r in st.log if r["seq"] > since]
            self.send_json(200, {"requests": reqs})
        elif p == "/_control/reset" and self.command == "POST":
            st.reset()
            self.send_json(200, {"ok": True})
        elif p == "/_control/rules" and self.command == "POST":
            body = self.json_body()
            rules = body.get("rules") if isinstance(body, dict) else body
            if not isinstance(rules, list) or not all(
                    isinstance(r, dict) and isinstance(r.get("response"), dict) for r in rules):
                raise HTTPError(400, error_body(400, 'expected {"rules":[{"model":..,"response":{..}}]}'))
            n = st.add_rules(rules)
            self.send_json(200, {"ok": True, "rules": n})
        elif p == "/_control/rules" and self.command == "GET":
            with st.lock:
                rules = [dict(e["rule"], times_left=e["left"]) for e in st.rules]
            self.send_json(200, {"rules": rules})
        elif p == "/_control/models" and self.command == "POST":
            body = self.json_body()
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise HTTPError(400, error_body(400, 'expected {"data":[...]}'))
            with st.lock:
                st.catalog = body
            self.send_json(200, {"ok": True, "models": len(body["data"])})
        elif p == "/_control/health":
            with st.lock:
                active = dict(st.active)
            self.send_json(200, {"ok": True, "port": self.server.server_port, "active": active,
                                 "tls": self.server.tls_ctx is not None,
                                 "schema": "available" if self.server.schema.available else "unavailable"})
        elif p == "/_control/shutdown" and self.command == "POST":
            self.send_json(200, {"ok": True})
            self.server.stop_event.set()
        else:
            self.send_json(404, error_body(404, "unknown control endpoint %s %s" % (self.command, p)))

    # ---- OpenRouter API -------------------------------------------------------------------

    CHAT = "/api/v1/chat/completions"
    SPEECH = "/api/v1/audio/speech"
    IMAGES = "/api/v1/images"
    RULE_PATHS = (CHAT, SPEECH, IMAGES)

    def api(self):
        st = self.server.state
        schema = self.server.schema
        p = self.url_path
        body_text = self.body_raw.decode("utf-8", "replace")
        body = None
        parse_error = None
        if self.body_raw:
            try:
                body = json.loads(body_text)
            except ValueError as e:
                parse_error = str(e)
        root = {self.CHAT: "ChatRequest", self.SPEECH: "SpeechRequest"}.get(p) \
            if self.command == "POST" else None
        schema_errors = []
        if root:
            if parse_error is not None or not self.body_raw:
                schema_errors = ["$: body is not valid JSON: %s" % (parse_error or "empty body")]
            elif schema.available:
                schema_errors = schema.errors(root, body)
        rec = {"seq": 0, "time": time.time(), "method": self.command, "path": p, "query": self.query,
               "params": {k: (v[0] if len(v) == 1 else v) for k, v in self.params.items()},
               "headers": self.header_dict(), "body_raw": body_text, "body": body,
               "schema_errors": schema_errors,
               "schema": "unavailable" if not schema.available else root,
               "conn_id": self.conn_id, "client_port": self.client_address[1]}
        rec = st.record(rec)
        seq = rec["seq"]

        # 1. authentication
        auth = self.headers.get("Authorization")
        key = auth[7:].strip() if auth and auth[:7].lower() == "bearer " else None
        public = (p == "/api/v1/models" and self.command == "GET")
        if (key is None and not public) or key == "sk-or-bad" or key == "":
            msg = "No auth credentials found" if key is None else "User not found."
            self.send_json(401, error_body(401, msg))
            return
        # 2. body must be JSON where one is expected
        if self.command == "POST" and p in self.RULE_PATHS:
            if parse_error is not None or not self.body_raw:
                self.send_json(400, error_body(400, "Invalid JSON in request body: %s" % (
                    parse_error or "empty body"), {"error_type": "invalid_request"}))
                return
            if not isinstance(body, dict):
                self.send_json(400, error_body(400, "Request body must be a JSON object"))
                return
            # 3. no credits
            if key == "sk-or-nocredits":
                self.send_json(402, error_body(
                    402, "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
                    {"error_type": "payment_required"}))
                return
        model = body.get("model") if isinstance(body, dict) else None
        # 4. scripted rules
        idx, resp = st.take_rule(p, model if isinstance(model, str) else None, self.RULE_PATHS)
        if resp is not None:
            self.scripted(resp, body if isinstance(body, dict) else {}, seq)
            return
        # 5. defaults
        if isinstance(model, str) and model.endswith(NOT_FOUND_SUFFIX):
            self.send_json(404, error_body(404, "Model %s not found" % model))
            return
        if p == self.CHAT and self.command == "POST":
            msgs = body.get("messages")
            if not isinstance(msgs, list) or not msgs:
                self.send_json(400, error_body(400, "messages: expected a non-empty array",
                                               {"error_type": "invalid_request"}))
                return
            self.chat(body, default_reply(body, seq), seq)
        elif p == self.SPEECH and self.command == "POST":
            self.speech_default(body)
        elif p == self.IMAGES and self.command == "POST":
            n = body.get("n") if isinstance(body.get("n"), int) else 1
            imgs = [{"mime": "image/png", "b64": base64.b64encode(tiny_png(0, 60 * i, 255)).decode()}
                    for i in range(max(1, min(4, n)))]
            self.images_result(imgs)
        elif p == "/api/v1/models" and self.command == "GET":
            self.models()
        elif p == "/api/v1/key" and self.command == "GET":
            self.send_json(200, {"data": {
                "label": "test", "limit": None, "usage": 0.5, "usage_daily": 0.1,
                "usage_weekly": 0.3, "usage_monthly": 0.5, "byok_usage": 0, "byok_usage_daily": 0,
                "byok_usage_weekly": 0, "byok_usage_monthly": 0, "is_free_tier": False,
                "is_management_key": False, "is_provisioning_key": False, "limit_remaining": None,
                "limit_reset": None, "include_byok_in_limit": False, "creator_user_id": "user_test",
                "expires_at": None,
                "rate_limit": {"requests": -1, "interval": "10s",
                               "note": "This field is deprecated and safe to ignore."}}})
        elif p == "/api/v1/credits" and self.command == "GET":
            self.send_json(200, {"data": {"total_credits": 10.0, "total_usage": 0.5}})
        elif p == "/api/v1/generation" and self.command == "GET":
            gid = qparam(self.params, "id", "")
            with st.lock:
                g = st.generations.get(gid)
            if g is None:
                self.send_json(404, error_body(404, "Generation %s not found" % gid))
            else:
                self.send_json(200, {"data": g})
        elif p in self.RULE_PATHS or p in ("/api/v1/models", "/api/v1/key", "/api/v1/credits",
                                           "/api/v1/generation"):
            self.send_json(405, error_body(405, "Method %s not allowed on %s" % (self.command, p)))
        else:
            self.send_json(404, error_body(404, "Not Found"))

    def models(self):
        with self.server.state.lock:
            cat = self.server.state.catalog
        data = list(cat.get("data", []))
        outm = qparam(self.params, "output_modalities", "text")
        if outm and outm != "all":
            want = {m.strip() for m in outm.split(",") if m.strip()}
            data = [m for m in data if want & set(m.get("architecture", {}).get("output_modalities") or [])]
        inm = qparam(self.params, "input_modalities")
        if inm:
            want = {m.strip() for m in inm.split(",") if m.strip()}
            data = [m for m in data if want <= set(m.get("architecture", {}).get("input_modalities") or [])]
        sp = qparam(self.params, "supported_parameters")
        if sp:
            want = {m.strip() for m in sp.split(",") if m.strip()}
            data = [m for m in data if want <= set(m.get("supported_parameters") or [])]
        out = dict(cat)
        out["data"] = data
        out["total_count"] = len(data)
        out["links"] = {"next": None}
        self.send_json(200, out)

    def start_delay(self, resp, key="delay_ms"):
        d = resp.get(key)
        if d:
            if self.client_gone(float(d) / 1000.0):
                self.abort()
                return False
        return True

    def scripted(self, resp, req, seq):
        hl_keys = ("text", "reasoning", "tool_calls", "images", "error_chunk", "usage",
                   "finish_reason", "reasoning_details")
        if "stream" in resp:
            if not self.start_delay(resp, "start_delay_ms"):
                return
            blocks = sse_blocks(resp["stream"], resp.get("crlf", False), resp.get("comments", False),
                                resp.get("done", True))
            self.run_sse(blocks, split=resp.get("split", 0),
                         delay_ms=resp.get("delay_ms", resp.get("chunk_delay_ms", 0)),
                         gap_ms=resp.get("gap_ms", 0), drop_after=resp.get("drop_after"),
                         stall_after=resp.get("stall_after"), stall_ms=resp.get("stall_ms"),
                         chunked=resp.get("chunked", True), status=resp.get("status", 200),
                         headers=resp.get("headers"), rst=resp.get("rst", False))
            return
        if not self.start_delay(resp):
            return
        if "audio_b64" in resp:
            try:
                audio = base64.b64decode(resp["audio_b64"])
            except (ValueError, TypeError):
                audio = b""
            self.send_bytes(resp.get("status", 200), audio, resp.get("content_type", "audio/mpeg"),
                            resp.get("headers"))
            return
        plain = any(k in resp for k in ("json", "body", "body_b64")) or (
            "status" in resp and not any(k in resp for k in hl_keys))
        if plain:
            status = int(resp.get("status", 200))
            if "json" in resp:
                data, ctype = jdump(resp["json"]).encode("utf-8"), "application/json"
            elif "body_b64" in resp:
                data, ctype = base64.b64decode(resp["body_b64"]), "application/octet-stream"
            elif "body" in resp:
                data, ctype = str(resp["body"]).encode("utf-8"), "text/plain; charset=utf-8"
            else:
                data, ctype = jdump(error_body(status, self.responses.get(status, ("Error",))[0])).encode(), \
                    "application/json"
            self.send_bytes(status, data, resp.get("content_type", ctype), resp.get("headers"))
            return
        if self.url_path == self.IMAGES and "images" in resp and not req.get("stream"):
            self.images_result(resp["images"], resp.get("headers"))
            return
        self.chat(req, resp, seq)

    def chat(self, req, reply, seq):
        r = ChatRender(self.server.state, req, reply, seq)
        headers = dict(reply.get("headers") or {})
        if req.get("stream") is True:
            blocks = sse_blocks(r.chunks(), reply.get("crlf", False), reply.get("comments", False),
                                reply.get("done", "error_chunk" not in reply))
            self.run_sse(blocks, split=reply.get("split", 0), delay_ms=reply.get("chunk_delay_ms", 0),
                         gap_ms=reply.get("gap_ms", 0), drop_after=reply.get("drop_after"),
                         stall_after=reply.get("stall_after"), stall_ms=reply.get("stall_ms"),
                         chunked=reply.get("chunked", True), headers=headers)
            return
        err = reply.get("error_chunk")
        if err is not None:
            code = err.get("code") if isinstance(err.get("code"), int) else 500
            self.send_json(code, {"error": err}, headers)
            return
        self.send_json(int(reply.get("status", 200)), r.result(), headers)

    def images_result(self, imgs, headers=None):
        self.send_json(200, {"created": int(time.time()),
                             "data": [{"b64_json": im.get("b64", ""),
                                       "media_type": im.get("mime", "image/png")} for im in imgs]},
                       headers)

    def speech_default(self, body):
        if not isinstance(body.get("input"), str) or not body.get("input"):
            self.send_json(400, error_body(400, "input: expected a non-empty string",
                                           {"error_type": "invalid_request"}))
            return
        fmt = body.get("response_format", "pcm")
        if fmt == "mp3":
            self.send_bytes(200, fake_mp3(), "audio/mpeg")
        elif fmt == "pcm":
            self.send_bytes(200, fake_pcm(), "audio/pcm")
        elif fmt == "wav":
            self.send_bytes(200, fake_wav(), "audio/wav")
        else:
            self.send_json(400, error_body(400, "Invalid response_format: %s" % fmt,
                                           {"error_type": "invalid_request"}))

    # ---- transport scenarios --------------------------------------------------------------

    def test(self):
        p = self.url_path
        P = self.params
        if p == "/test/echo":
            self.send_json(200, {"method": self.command, "path": p, "query": self.query,
                                 "params": {k: (v[0] if len(v) == 1 else v) for k, v in P.items()},
                                 "headers": self.header_dict(),
                                 "body": self.body_raw.decode("utf-8", "replace"),
                                 "body_len": len(self.body_raw), "conn_id": self.conn_id})
        elif p.startswith("/test/status/"):
            try:
                code = int(p.rsplit("/", 1)[1])
                if not 200 <= code <= 999:
                    raise ValueError
            except ValueError:
                raise HTTPError(400, error_body(400, "bad status code"))
            headers = {}
            if qparam(P, "retry_after") is not None:
                headers["Retry-After"] = qparam(P, "retry_after")
            raw = qparam(P, "body")
            if raw is not None:
                try:
                    json.loads(raw)
                    ctype = "application/json"
                except ValueError:
                    ctype = "text/plain; charset=utf-8"
                self.send_bytes(code, raw.encode("utf-8"), ctype, headers)
            else:
                msg = qparam(P, "message", self.responses.get(code, ("Status %d" % code,))[0])
                self.send_json(code, error_body(code, msg), headers)
        elif p == "/test/fixed":
            self.send_bytes(200, pattern_bytes(qint(P, "size", 1024)), "application/octet-stream")
        elif p == "/test/chunked":
            data = pattern_bytes(qint(P, "size", 1024))
            step = max(1, qint(P, "chunk", 1000))
            chunked = self.start_stream(200, "application/octet-stream")
            for i in range(0, len(data), step):
                self.write_piece(data[i:i + step], chunked)
            self.end_stream(chunked)
        elif p == "/test/gzip":
            data = pattern_bytes(qint(P, "size", 1024))
            if accepts_gzip(self.headers.get("Accept-Encoding", "")):
                self.send_bytes(200, gzip.compress(data, 6, mtime=0), "application/octet-stream",
                                {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
            else:
                self.send_bytes(200, data, "application/octet-stream", {"Vary": "Accept-Encoding"})
        elif p == "/test/sse":
            self.test_sse(qint(P, "events", 5))
        elif p == "/test/drop":
            after = qint(P, "after", 3)
            self.test_sse(after + 1, drop_after=after, rst=qparam(P, "rst", "0") == "1")
        elif p == "/test/stall":
            after = qint(P, "after", 2)
            ms = qparam(P, "ms")
            self.test_sse(qint(P, "events", after + 2), stall_after=after,
                          stall_ms=float(ms) if ms not in (None, "") else None)
        elif p == "/test/sse_big":
            self.test_sse_big(float(qparam(P, "mb", "1")))
        elif p == "/test/slow":
            ms = qint(P, "ms", 1000)
            if qparam(P, "headers", "0") == "1":
                chunked = self.start_stream(200, "application/json")
                if self.client_gone(ms / 1000.0):
                    self.abort()
                    return
                self.write_piece(jdump({"slept_ms": ms}).encode(), chunked)
                self.end_stream(chunked)
                return
            if self.client_gone(ms / 1000.0):
                self.abort()
                return
            self.send_json(200, {"slept_ms": ms})
        elif p == "/test/garbage":
            try:
                self.wfile.write(b"\x00\xffTHIS IS NOT HTTP\r\n\x16\x03\x01garbage\xfe\xfd\r\n\r\n")
            except DISCONNECT_ERRORS:
                pass
            self.abort()
        elif p == "/test/headers":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Mixed-Case", "MiXeD")
            self.send_header("x-lower-case", "lower")
            self.send_header("X-UPPER-CASE", "UPPER")
            self.send_header("Set-Cookie", "a=1; Path=/")
            self.send_header("Set-Cookie", "b=2; Path=/; HttpOnly")
            self.send_header("X-Multi", "one")
            self.send_header("X-Multi", "two")
            self.send_header("X-Empty", "")
            self.send_header("X-Spaces", "  padded value  ")
            body = b'{"ok":true}'
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        elif p == "/test/conn":
            self.send_json(200, {"conn_id": self.conn_id, "client_port": self.client_address[1],
                                 "client_host": self.client_address[0],
                                 "request_on_conn": self.conn_requests})
        elif p == "/test/redirect":
            to = qparam(P, "to", "/test/echo")
            code = qint(P, "code", 302)
            self.send_bytes(code, b"", None, {"Location": to})
        else:
            self.send_json(404, error_body(404, "unknown test endpoint %s" % p))

    def test_sse(self, events, drop_after=None, stall_after=None, stall_ms=None, rst=False):
        P = self.params
        eol = eol_for(qparam(P, "crlf", "0"))
        utf8 = qparam(P, "utf8", "0") == "1"
        comments = qparam(P, "comments", "0") == "1"
        multiline = qparam(P, "multiline", "0") == "1"
        evname = qparam(P, "event")
        blocks = []
        head = ""
        if qparam(P, "bom", "0") == "1":
            head += "\ufeff"
        if qparam(P, "retry") is not None:
            head += "retry: %s%s%s" % (qparam(P, "retry"), eol, eol)
        if head:
            blocks.append((head.encode("utf-8"), False))
        for i in range(1, events + 1):
            text = ("h\u00e9llo \u6f22\u5b57 \U0001F600 %d" % i) if utf8 else ("hello %d" % i)
            lines = []
            if comments:
                lines.append(": comment %d" % i)
            lines.append("id: %d" % i)
            if evname:
                lines.append("event: %s" % evname)
            data = jdump({"i": i, "text": text})
            if multiline:
                cut = data.index(',"text"') + 1
                lines.append("data: " + data[:cut])
                lines.append("data: " + data[cut:])
            else:
                lines.append("data: " + data)
            blocks.append(((eol.join(lines) + eol + eol).encode("utf-8"), True))
        if qparam(P, "done", "0") == "1":
            blocks.append((("data: [DONE]" + eol + eol).encode(), False))
        self.run_sse(blocks, split=qint(P, "split", 0), delay_ms=qint(P, "delay_ms", 0),
                     gap_ms=qint(P, "gap_ms", 0), drop_after=drop_after, stall_after=stall_after,
                     stall_ms=stall_ms, chunked=qparam(P, "chunked", "1") != "0", rst=rst)

    def test_sse_big(self, mb):
        n = big_event_count(mb)
        chunked = self.start_stream(200, "text/event-stream",
                                    {"X-Event-Count": n, "X-Event-Length": BIG_EVENT_LEN})
        block = BIG_BLOCK
        per = BIG_BLOCK_EVENTS
        for _ in range(n // per):
            self.write_piece(block, chunked)
        rest = n % per
        if rest:
            self.write_piece(block[:rest * BIG_EVENT_LEN], chunked)
        self.write_piece(BIG_TAIL, chunked)
        self.end_stream(chunked)


def accepts_gzip(header):
    for part in header.split(","):
        bits = [b.strip() for b in part.split(";")]
        if bits[0].lower() in ("gzip", "x-gzip", "*"):
            q = 1.0
            for b in bits[1:]:
                if b.lower().startswith("q="):
                    try:
                        q = float(b[2:])
                    except ValueError:
                        q = 0.0
            if q > 0:
                return True
    return False


# ---- /test/sse_big template: every content event has exactly the same length ---------------

BIG_WORDS = [("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor inc"
              "ididunt ut labore et dolore magna aliqua. Ut enim ad minim v")[i:i + 8] for i in range(0, 128, 8)]
BIG_EVENTS = [("data: " + jdump({
    "id": "gen-big-0000000000", "provider": "OpenAI", "model": "openai/gpt-4o-mini",
    "object": "chat.completion.chunk", "created": 1700000000,
    "choices": [{"index": 0, "delta": {"role": "assistant", "content": w},
                 "finish_reason": None, "native_finish_reason": None, "logprobs": None}]}) + "\n\n").encode()
    for w in BIG_WORDS]
assert len({len(e) for e in BIG_EVENTS}) == 1
BIG_EVENT_LEN = len(BIG_EVENTS[0])
BIG_BLOCK_EVENTS = 16 * ((1 << 20) // (16 * BIG_EVENT_LEN))          # ~1 MiB, multiple of 16
BIG_BLOCK = b"".join(BIG_EVENTS) * (BIG_BLOCK_EVENTS // 16)
BIG_TAIL = ("data: " + jdump({
    "id": "gen-big-0000000000", "provider": "OpenAI", "model": "openai/gpt-4o-mini",
    "object": "chat.completion.chunk", "created": 1700000000,
    "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                 "finish_reason": "stop", "native_finish_reason": "stop", "logprobs": None}],
    "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12, "cost": 0}})
    + "\n\ndata: [DONE]\n\n").encode()


def big_event_count(mb):
    return int(mb * 1048576) // BIG_EVENT_LEN


# --------------------------------------------------------------------------------------------
# TLS material
# --------------------------------------------------------------------------------------------

def make_cert(d):
    if not shutil.which("openssl"):
        raise RuntimeError("the openssl CLI is not installed")
    os.makedirs(d, exist_ok=True)
    ext = os.path.join(d, "server.ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n")

    def run(*args):
        r = subprocess.run(["openssl"] + list(args), cwd=d, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise RuntimeError("openssl %s failed:\n%s" % (args[0], r.stdout.decode("utf-8", "replace")))

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650", "-sha256",
        "-subj", "/CN=orserver test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-set_serial", str(random.randint(1, 2 ** 62)), "-out", "server.pem", "-days", "3650",
        "-sha256", "-extfile", ext)
    for f in ("server.csr", "server.ext"):
        try:
            os.unlink(os.path.join(d, f))
        except OSError:
            pass
    os.chmod(os.path.join(d, "server.key"), 0o600)
    os.chmod(os.path.join(d, "ca.key"), 0o600)
    return {k: os.path.join(d, k) for k in ("ca.pem", "server.pem", "server.key")}


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    try:
        ctx.set_alpn_protocols(["http/1.1"])
    except NotImplementedError:
        pass
    return ctx


# --------------------------------------------------------------------------------------------
# Startup
# --------------------------------------------------------------------------------------------

def raise_fd_limit():
    """1,000 concurrent clients need more than the usual soft limit of 1024 descriptors."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = hard if hard != resource.RLIM_INFINITY else 65536
        if soft != resource.RLIM_INFINITY and soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    except (ImportError, ValueError, OSError):
        pass


def build_server(host="127.0.0.1", port=0, tls_cert=None, tls_key=None, log_path=None,
                 schema_path=DEFAULT_SCHEMA, models_path=DEFAULT_MODELS, verbose=False):
    raise_fd_limit()
    schema = Schema(schema_path)
    if not schema.available:
        sys.stderr.write("orserver: request validation disabled: %s\n" % schema.reason)
    ctx = tls_context(tls_cert, tls_key) if tls_cert else None
    state = State(log_path, models_path)
    return Server((host, port), Handler, state, schema, ctx, verbose)


def write_port_file(path, port):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".orserver-port-", dir=d)
    with os.fdopen(fd, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------
# Self-test:  python3 orserver.py --self-test
# --------------------------------------------------------------------------------------------

def parse_sse(data):
    """Spec-style SSE parser over bytes -> list of {"id","event","data"} (comments ignored)."""
    text = data.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    events, cur, last_id = [], {"data": [], "event": None}, None
    for line in lines:
        if line == "":
            if cur["data"]:
                events.append({"id": last_id, "event": cur["event"], "data": "\n".join(cur["data"])})
            cur = {"data": [], "event": None}
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            cur["data"].append(value)
        elif field == "id":
            last_id = value
        elif field == "event":
            cur["event"] = value
    return events


def raw_http(port, request, tls_ctx=None, timeout=10, read_limit=None, server_hostname="localhost"):
    """Send raw request bytes; read until EOF (or read_limit bytes). Returns (head, body_raw, eof)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if tls_ctx is not None:
        s = tls_ctx.wrap_socket(s, server_hostname=server_hostname)
    s.sendall(request)
    buf = bytearray()
    eof = False
    try:
        while read_limit is None or len(buf) < read_limit:
            d = s.recv(65536)
            if not d:
                eof = True
                break
            buf += d
    except (ConnectionResetError, ssl.SSLError) as e:
        eof = "reset: %s" % e.__class__.__name__
    finally:
        s.close()
    head, _, body = bytes(buf).partition(b"\r\n\r\n")
    return head.decode("latin-1"), body, eof


def dechunk(body):
    """-> (payload, [chunk sizes], complete)"""
    out, sizes, pos = bytearray(), [], 0
    while True:
        nl = body.find(b"\r\n", pos)
        if nl < 0:
            return bytes(out), sizes, False
        size = int(body[pos:nl].split(b";")[0], 16)
        if size == 0:
            return bytes(out), sizes, body[nl:nl + 4] == b"\r\n\r\n"
        start = nl + 2
        if len(body) < start + size + 2:
            out += body[start:start + size]
            return bytes(out), sizes, False
        out += body[start:start + size]
        sizes.append(size)
        pos = start + size + 2


def self_test(schema_path=DEFAULT_SCHEMA, models_path=DEFAULT_MODELS):
    import http.client
    import urllib.error
    import urllib.request

    threading.stack_size(4 << 20)
    srv = build_server("127.0.0.1", 0, schema_path=schema_path, models_path=models_path)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    port = srv.server_port
    schema = srv.schema
    results = {"passed": 0, "failed": 0, "skipped": 0}
    tmpdir = tempfile.mkdtemp(prefix="orserver-selftest-")

    def check(name, fn):
        t0 = time.time()
        try:
            r = fn()
        except Exception:
            results["failed"] += 1
            print("FAIL %s" % name)
            traceback.print_exc(file=sys.stdout)
            return
        if r == "skip":
            results["skipped"] += 1
            print("skip %s" % name)
        else:
            results["passed"] += 1
            print("ok   %s (%.2fs)" % (name, time.time() - t0))
        sys.stdout.flush()

    def valid(root, inst):
        errs = schema.errors(root, inst)
        if errs:
            raise AssertionError("%s invalid: %s\n%s" % (root, errs, jdump(inst)[:2000]))

    def eq(a, b, what=""):
        if a != b:
            raise AssertionError("%s: %r != %r" % (what, a, b))

    def call(method, path, body=None, key="sk-or-test", headers=None, conn=None):
        c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        h = {"Content-Type": "application/json"}
        if key is not None:
            h["Authorization"] = "Bearer " + key
        h.update(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        if conn is None:
            c.close()
        return r.status, r, data

    def cj(method, path, body=None, **kw):
        st, r, data = call(method, path, body, **kw)
        return st, r, json.loads(data.decode("utf-8")) if data else None

    def rules(*rs):
        st, _, _ = call("POST", "/_control/rules", {"rules": list(rs)}, key=None)
        eq(st, 200, "add rules")

    def reset():
        eq(call("POST", "/_control/reset", key=None)[0], 200, "reset")

    def log():
        return cj("GET", "/_control/log", key=None)[2]["requests"]

    def stream_chat(body, **kw):
        st, r, data = call("POST", "/api/v1/chat/completions", dict(body, stream=True), **kw)
        eq(st, 200, "stream status")
        evs = parse_sse(data)
        if not evs or evs[-1]["data"] != "[DONE]":
            done = False
        else:
            done = True
            evs = evs[:-1]
        chunks = [json.loads(e["data"]) for e in evs]
        return r, chunks, done, data

    def assemble(chunks):
        text, reasoning, tools, finish, usage, images = "", "", {}, None, None, []
        for c in chunks:
            if c.get("usage"):
                usage = c["usage"]
            for ch in c.get("choices", []):
                d = ch.get("delta") or {}
                text += d.get("content") or ""
                reasoning += d.get("reasoning") or ""
                images += d.get("images") or []
                for tc in d.get("tool_calls") or []:
                    t = tools.setdefault(tc["index"], {"id": None, "name": "", "arguments": ""})
                    if tc.get("id"):
                        t["id"] = tc["id"]
                    fn = tc.get("function") or {}
                    if fn.get("name"):
                        t["name"] = fn["name"]
                    t["arguments"] += fn.get("arguments") or ""
                if ch.get("finish_reason"):
                    finish = ch["finish_reason"]
        return {"text": text, "reasoning": reasoning, "tools": [tools[k] for k in sorted(tools)],
                "finish": finish, "usage": usage, "images": images}

    user = lambda t: {"role": "user", "content": t}  # noqa: E731
    TOOLS = [{"type": "function", "function": {"name": "now", "description": "current time",
                                               "parameters": {"type": "object", "properties": {}}}}]

    # ---------------------------------------------------------------- schema & fixture
    def t_schema_loaded():
        if not schema.available:
            print("     schema unavailable: %s" % schema.reason)
            return "skip"
    check("schema loaded", t_schema_loaded)
    S = schema.available

    def t_fixture():
        with open(models_path) as f:
            doc = json.load(f)
        if S:
            valid("ModelsListResponse", doc)
        ids = [m["id"] for m in doc["data"]]
        for want in ("openrouter/auto", "anthropic/claude-sonnet-4.5", "google/gemini-3.1-flash-image-preview",
                     "deepseek/deepseek-v4-pro", "x-ai/grok-4", "moonshotai/kimi-k2.6"):
            assert want in ids, want
        assert any("tools" not in m["supported_parameters"] and "text" in m["architecture"]["output_modalities"]
                   for m in doc["data"]), "a text model without tools"
    check("fixture models.json validates against ModelsListResponse", t_fixture)

    # ---------------------------------------------------------------- auth & errors
    def t_auth():
        reset()
        st, r, b = cj("POST", "/api/v1/chat/completions", {"model": "x/y", "messages": [user("hi")]}, key=None)
        eq(st, 401)
        eq(b["error"], {"code": 401, "message": "No auth credentials found"})
        S and valid("UnauthorizedResponse", b)
        st, r, b = cj("POST", "/api/v1/chat/completions", {"model": "x/y", "messages": [user("hi")]}, key="sk-or-bad")
        eq(st, 401)
        S and valid("UnauthorizedResponse", b)
        st, r, b = cj("POST", "/api/v1/chat/completions", {"model": "x/y", "messages": [user("hi")]},
                      key="sk-or-nocredits")
        eq(st, 402)
        S and valid("PaymentRequiredResponse", b)
        st, r, b = cj("POST", "/api/v1/chat/completions", "{not json")
        eq(st, 400)
        S and valid("BadRequestResponse", b)
        st, r, b = cj("POST", "/api/v1/chat/completions", {"model": "does/not-exist", "messages": [user("x")]})
        eq(st, 404)
        eq(b, {"error": {"code": 404, "message": "Model does/not-exist not found"}})
        S and valid("BadRequestResponse", b)
        st, r, b = cj("GET", "/api/v1/models", key=None)
        eq(st, 200, "models are public")
        L = log()
        eq(len(L), 6, "log size")
        eq(L[3]["schema_errors"][:1], ["$: body is not valid JSON: Expecting property name enclosed in double "
                                       "quotes: line 1 column 2 (char 1)"])
        eq(L[3]["body"], None)
        eq(L[0]["headers"]["content-type"], "application/json")
        assert "authorization" not in L[0]["headers"]
        eq(L[1]["headers"]["authorization"], "Bearer sk-or-bad")
    check("auth 401/402, bad JSON 400, unknown model 404, error shapes", t_auth)

    # ---------------------------------------------------------------- default echo
    def t_echo_nonstream():
        reset()
        st, r, b = cj("POST", "/api/v1/chat/completions",
                      {"model": "openrouter/auto", "messages": [{"role": "system", "content": "be brief"},
                                                                user([{"type": "text", "text": "a"},
                                                                      {"type": "text", "text": "b"}])]})
        eq(st, 200)
        S and valid("ChatResult", b)
        eq(b["model"], AUTO_ROUTED_MODEL)
        eq(b["choices"][0]["message"]["content"], "echo: a\nb")
        eq(b["choices"][0]["finish_reason"], "stop")
        for k in ("prompt_tokens", "completion_tokens", "total_tokens", "cost"):
            assert k in b["usage"], k
        eq(r.getheader("Content-Type"), "application/json")
        L = log()
        eq(L[0]["schema_errors"], [])
        st, r, b = cj("GET", "/api/v1/generation?id=" + b["id"])
        eq(st, 200)
        assert b["data"]["total_cost"] > 0
    check("default echo (non-stream) is a valid ChatResult", t_echo_nonstream)

    def t_echo_stream():
        reset()
        r, chunks, done, raw = stream_chat({"model": "anthropic/claude-sonnet-4.5",
                                            "messages": [user("héllo 漢字 😀 world")],
                                            "stream_options": {"include_usage": True}})
        assert done, "no [DONE]"
        eq(r.getheader("Content-Type"), "text/event-stream")
        eq(r.getheader("Transfer-Encoding"), "chunked")
        for c in chunks:
            S and valid("ChatStreamChunk", c)
        a = assemble(chunks)
        eq(a["text"], "echo: héllo 漢字 😀 world")
        eq(a["finish"], "stop")
        assert a["usage"]["total_tokens"] == a["usage"]["prompt_tokens"] + a["usage"]["completion_tokens"]
        eq(len({c["id"] for c in chunks}), 1, "one id")
        eq(log()[0]["schema_errors"], [])
    check("default echo (stream) chunks validate, text/usage/[DONE]", t_echo_stream)

    def t_echo_reasoning():
        reset()
        r, chunks, done, raw = stream_chat({"model": "deepseek/deepseek-v4-pro", "reasoning": {"effort": "high"},
                                            "messages": [user("think")]})
        a = assemble(chunks)
        assert a["reasoning"].startswith("Reasoning (effort high)"), a["reasoning"]
        eq(a["text"], "echo: think")
        assert a["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0
        for c in chunks:
            S and valid("ChatStreamChunk", c)
    check("default echo emits reasoning when reasoning.effort requested", t_echo_reasoning)

    def t_echo_tools():
        reset()
        st, r, b = cj("POST", "/api/v1/chat/completions",
                      {"model": "x-ai/grok-4", "tools": TOOLS, "messages": [user("call:now {}")]})
        S and valid("ChatResult", b)
        m = b["choices"][0]
        eq(m["finish_reason"], "tool_calls")
        eq(m["message"]["tool_calls"][0]["function"], {"name": "now", "arguments": "{}"})
        call_id = m["message"]["tool_calls"][0]["id"]
        r, chunks, done, raw = stream_chat({"model": "x-ai/grok-4", "tools": TOOLS,
                                            "messages": [user('call:now {"tz":"UTC","fmt":"iso8601"}\n'
                                                              'call:other {"a":[1,2,3]}')]})
        for c in chunks:
            S and valid("ChatStreamChunk", c)
        a = assemble(chunks)
        eq(a["finish"], "tool_calls")
        eq([(t["name"], json.loads(t["arguments"])) for t in a["tools"]],
           [("now", {"tz": "UTC", "fmt": "iso8601"}), ("other", {"a": [1, 2, 3]})])
        idx = [tc["index"] for c in chunks for ch in c["choices"] for tc in (ch["delta"] or {}).get("tool_calls") or []
               if "id" not in tc]
        assert any(idx[i] != idx[i + 1] for i in range(len(idx) - 1)) and idx[:2] == [0, 1], idx
        st, r, b = cj("POST", "/api/v1/chat/completions", {
            "model": "x-ai/grok-4", "tools": TOOLS,
            "messages": [user("call:now {}"),
                         {"role": "assistant", "content": None, "tool_calls": [
                             {"id": call_id, "type": "function", "function": {"name": "now", "arguments": "{}"}}]},
                         {"role": "tool", "tool_call_id": call_id, "content": "12:00"}]})
        eq(b["choices"][0]["message"]["content"], "tool said: 12:00")
        eq([x["schema_errors"] for x in log()], [[], [], []])
        st, r, b = cj("POST", "/api/v1/chat/completions", {"model": "x/y", "messages": [user("call:now {}")]})
        eq(b["choices"][0]["message"]["content"], "echo: call:now {}", "no tools -> plain echo")
    check("default tool calls (call:NAME ARGS), interleaved args, tool result echo", t_echo_tools)

    def t_echo_images():
        reset()
        st, r, b = cj("POST", "/api/v1/chat/completions",
                      {"model": "google/gemini-3.1-flash-image-preview", "modalities": ["image", "text"], "n": 2,
                       "messages": [user("a lighthouse")]})
        S and valid("ChatResult", b)
        imgs = b["choices"][0]["message"]["images"]
        eq(len(imgs), 2)
        png = base64.b64decode(imgs[0]["image_url"]["url"].split(",", 1)[1])
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
    check("default image output when modalities has image", t_echo_images)

    def t_schema_errors_recorded():
        if not S:
            return "skip"
        reset()
        cj("POST", "/api/v1/chat/completions", {"model": "x/y", "temperature": "hot",
                                                "messages": [{"role": "usr", "content": "x"}]})
        errs = log()[0]["schema_errors"]
        assert any(e.startswith("$.temperature:") for e in errs), errs
        assert any(e.startswith("$.messages[0]:") for e in errs), errs
    check("schema_errors recorded for an invalid ChatRequest", t_schema_errors_recorded)

    # ---------------------------------------------------------------- rules
    def t_rules_status_times():
        reset()
        rules({"model": "anthropic/*", "times": 2, "response": {
            "status": 429, "headers": {"Retry-After": "1"},
            "json": {"error": {"code": 429, "message": "Rate limit exceeded"}}}})
        body = {"model": "anthropic/claude-sonnet-4.5", "messages": [user("x")]}
        for _ in range(2):
            st, r, b = cj("POST", "/api/v1/chat/completions", body)
            eq(st, 429)
            eq(r.getheader("Retry-After"), "1")
            S and valid("TooManyRequestsResponse", b)
        st, r, b = cj("POST", "/api/v1/chat/completions", body)
        eq(st, 200, "rule exhausted -> default")
        st, r, b = cj("GET", "/_control/rules", key=None)
        eq(b["rules"][0]["times_left"], 0)
    check("rule: status/headers/json with times", t_rules_status_times)

    def t_rules_highlevel():
        reset()
        resp = {"text": "Hello there, world!", "reasoning": "Let me think about it.",
                "tool_calls": [{"id": "call_1", "name": "now", "arguments": '{"tz":"Europe/Paris"}'},
                               {"id": "call_2", "name": "weather", "arguments": {"city": "Paris", "days": 3}}],
                "finish_reason": "tool_calls"}
        rules({"model": "moonshotai/kimi-k2.6", "response": resp})
        body = {"model": "moonshotai/kimi-k2.6", "messages": [user("x")], "tools": TOOLS}
        r, chunks, done, raw = stream_chat(body)
        assert done
        for c in chunks:
            S and valid("ChatStreamChunk", c)
        a = assemble(chunks)
        eq(a["text"], "Hello there, world!")
        eq(a["reasoning"], "Let me think about it.")
        eq([(t["id"], t["name"], t["arguments"]) for t in a["tools"]],
           [("call_1", "now", '{"tz":"Europe/Paris"}'), ("call_2", "weather", '{"city":"Paris","days":3}')])
        eq(a["finish"], "tool_calls")
        assert a["usage"]["cost"] > 0
        st, r, b = cj("POST", "/api/v1/chat/completions", body)
        S and valid("ChatResult", b)
        msg = b["choices"][0]["message"]
        eq(msg["content"], "Hello there, world!")
        eq(msg["reasoning"], "Let me think about it.")
        eq(len(msg["tool_calls"]), 2)
        rules({"model": "p/q", "response": {"text": "hi", "usage": {"prompt_tokens": 1, "completion_tokens": 2,
                                                                    "total_tokens": 3, "cost": 0.5},
                                            "usage_chunk": "separate", "reasoning": "r",
                                            "reasoning_field": "reasoning_content", "comments": True}})
        r, chunks, done, raw = stream_chat({"model": "p/q", "messages": [user("x")]})
        assert raw.startswith(b": OPENROUTER PROCESSING\n\n"), raw[:40]
        eq(chunks[-1]["choices"], [])
        eq(chunks[-1]["usage"]["cost"], 0.5)
        eq("".join((c["choices"][0]["delta"].get("reasoning_content") or "") for c in chunks if c["choices"]), "r")
        for c in chunks:
            S and valid("ChatStreamChunk", c)
    check("rule: high-level text/reasoning/tool_calls (stream + non-stream)", t_rules_highlevel)

    def t_rules_error_chunk():
        reset()
        rules({"model": "*", "times": 2, "response": {
            "error_chunk": {"message": "Rate limit exceeded", "code": 429, "metadata": {"raw": "upstream busy"}},
            "text": "partial"}})
        r, chunks, done, raw = stream_chat({"model": "a/b", "messages": [user("x")]})
        assert not done, "error stream must not end with [DONE]"
        for c in chunks:
            S and valid("ChatStreamChunk", c)
        eq(assemble(chunks)["text"], "partial")
        eq(chunks[-1]["error"]["message"], "Rate limit exceeded")
        eq(chunks[-1]["error"]["metadata"]["raw"], "upstream busy")
        eq(chunks[-1]["choices"][0]["finish_reason"], "error")
        st, r, b = cj("POST", "/api/v1/chat/completions", {"model": "a/b", "messages": [user("x")]})
        eq(st, 429)
    check("rule: mid-stream error chunk", t_rules_error_chunk)

    def t_rules_images():
        reset()
        b64 = base64.b64encode(tiny_png()).decode()
        rules({"model": "google/*", "response": {"images": [{"mime": "image/png", "b64": b64}], "text": "here"}})
        body = {"model": "google/gemini-3.1-flash-image-preview", "messages": [user("draw")],
                "modalities": ["image", "text"]}
        st, r, b = cj("POST", "/api/v1/chat/completions", body)
        S and valid("ChatResult", b)
        eq(b["choices"][0]["message"]["images"],
           [{"type": "image_url", "image_url": {"url": "data:image/png;base64," + b64}}])
        eq(b["choices"][0]["message"]["content"], "here")
        r, chunks, done, raw = stream_chat(body)
        for c in chunks:
            S and valid("ChatStreamChunk", c)
        a = assemble(chunks)
        eq(a["images"][0]["image_url"]["url"], "data:image/png;base64," + b64)
        eq(a["text"], "here")
        st, r, b = cj("POST", "/api/v1/images", {"model": "google/gemini-3.1-flash-image-preview", "prompt": "p"})
        eq(b["data"][0], {"b64_json": b64, "media_type": "image/png"})
        reset()
        st, r, b = cj("POST", "/api/v1/images", {"model": "openai/gpt-5-image", "prompt": "p", "n": 2})
        eq(st, 200)
        eq(len(b["data"]), 2)
        assert base64.b64decode(b["data"][0]["b64_json"]).startswith(b"\x89PNG")
    check("rule: images (chat stream/non-stream, /images); default /images", t_rules_images)

    def t_rules_raw_stream():
        reset()
        items = [{"id": "g1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                  "choices": [{"index": 0, "delta": {"content": "é漢😀"}, "finish_reason": None}]},
                 ": OPENROUTER PROCESSING\n\n",
                 {"id": "g1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                  "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}]
        rules({"model": "raw/model", "times": 1, "response": {"stream": items, "split": 3, "crlf": True,
                                                             "comments": True}})
        req = json.dumps({"model": "raw/model", "stream": True, "messages": [user("x")]}).encode()
        head, body, eof = raw_http(port, b"POST /api/v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                                   b"Authorization: Bearer k\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s"
                                   % (len(req), req))
        assert "Transfer-Encoding: chunked" in head, head
        payload, sizes, complete = dechunk(body)
        assert complete
        assert max(sizes) == 3 and len(sizes) > 20, sizes
        assert payload.startswith(b": OPENROUTER PROCESSING\r\n\r\n")
        evs = parse_sse(payload)
        eq([e["data"] for e in evs][-1], "[DONE]")
        eq(json.loads(evs[0]["data"])["choices"][0]["delta"]["content"], "é漢😀")
        assert b"\r\n\r\n" in payload and b"data: [DONE]\r\n\r\n" in payload
    check("rule: raw stream with split=3, crlf, comments (raw socket)", t_rules_raw_stream)

    def t_rules_drop_stall_nonchunked():
        reset()
        items = [{"n": i} for i in range(5)]
        rules({"model": "drop", "times": 1, "response": {"stream": items, "drop_after": 2}},
              {"model": "stall", "times": 1, "response": {"stream": items, "stall_after": 1, "stall_ms": 300}},
              {"model": "plain", "times": 1, "response": {"stream": items, "chunked": False}},
              {"model": "dly", "times": 1, "response": {"stream": items[:3], "delay_ms": 100, "start_delay_ms": 100}})

        def go(model):
            req = json.dumps({"model": model, "stream": True, "messages": [user("x")]}).encode()
            t0 = time.time()
            h, b, eof = raw_http(port, b"POST /api/v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                 b"Authorization: Bearer k\r\nContent-Length: %d\r\n\r\n%s" % (len(req), req))
            return h, b, eof, time.time() - t0
        h, b, eof, dt = go("drop")
        payload, sizes, complete = dechunk(b)
        assert eof and not complete, (eof, complete)
        evs = parse_sse(payload)
        eq([json.loads(e["data"]) for e in evs], [{"n": 0}, {"n": 1}])
        h, b, eof, dt = go("stall")
        payload, sizes, complete = dechunk(b)
        assert dt >= 0.3 and len(parse_sse(payload)) == 6, (dt, payload)
        h, b, eof, dt = go("plain")
        assert "Connection: close" in h and "Content-Length" not in h and "chunked" not in h, h
        eq(len(parse_sse(b)), 6)
        h, b, eof, dt = go("dly")
        assert dt >= 0.3, dt
    check("rule: drop_after / stall_after / chunked:false / delays", t_rules_drop_stall_nonchunked)

    def t_rules_path():
        reset()
        rules({"path": "/api/v1/generation", "times": 1, "response": {
            "status": 404, "json": {"error": {"code": 404, "message": "Generation not found"}}}},
            {"path": "/api/v1/generation", "times": 1, "response": {"json": {"data": {"total_cost": 0.25}}}})
        eq(cj("GET", "/api/v1/generation?id=gen-x")[0], 404)
        eq(cj("GET", "/api/v1/generation?id=gen-x")[2], {"data": {"total_cost": 0.25}})
        eq(cj("GET", "/api/v1/generation?id=gen-x")[0], 404)
    check("rule: path-scoped rules (generation lookups)", t_rules_path)

    # ---------------------------------------------------------------- speech, models, key
    def t_speech():
        reset()
        st, r, b = call("POST", "/api/v1/audio/speech", {"model": "hexgrad/kokoro-82m", "input": "hello",
                                                         "voice": "af_alloy", "response_format": "mp3"})
        eq(st, 200)
        eq(r.getheader("Content-Type"), "audio/mpeg")
        assert b.startswith(b"ID3") and len(b) == 1034, len(b)
        st, r, b = call("POST", "/api/v1/audio/speech", {"model": "m", "input": "hi", "response_format": "pcm"})
        eq(r.getheader("Content-Type"), "audio/pcm")
        eq(len(b), 1024)
        st, r, b = call("POST", "/api/v1/audio/speech", {"model": "m", "input": "hi", "response_format": "wav"})
        assert b[:4] == b"RIFF" and b[8:12] == b"WAVE"
        rules({"model": "hexgrad/*", "response": {"audio_b64": base64.b64encode(b"OggS1234").decode(),
                                                  "content_type": "audio/ogg"}})
        st, r, b = call("POST", "/api/v1/audio/speech", {"model": "hexgrad/kokoro-82m", "input": "x"})
        eq((st, r.getheader("Content-Type"), b), (200, "audio/ogg", b"OggS1234"))
        L = log()
        eq(L[0]["schema"], "SpeechRequest" if S else "unavailable")
        eq(L[0]["schema_errors"], [])
        if S:
            assert L[2]["schema_errors"], "wav is not in the SpeechRequest enum"
    check("speech: mp3/pcm/wav defaults, rule audio", t_speech)

    def t_models_key():
        reset()
        st, r, b = cj("GET", "/api/v1/models")
        S and valid("ModelsListResponse", b)
        ids = [m["id"] for m in b["data"]]
        assert "hexgrad/kokoro-82m" not in ids and "openrouter/auto" in ids
        eq(b["total_count"], len(ids))
        st, r, b = cj("GET", "/api/v1/models?output_modalities=all")
        assert "hexgrad/kokoro-82m" in [m["id"] for m in b["data"]]
        st, r, b = cj("GET", "/api/v1/models?supported_parameters=tools")
        assert "gryphe/mythomax-l2-13b" not in [m["id"] for m in b["data"]]
        st, r, b = cj("GET", "/api/v1/models?output_modalities=image")
        eq([m["id"] for m in b["data"]], ["google/gemini-3.1-flash-image-preview"])
        st, r, b = cj("GET", "/api/v1/key")
        eq(b["data"]["label"], "test")
        S and valid("GetCurrentKeyResponse", b)
        st, r, b = cj("GET", "/api/v1/credits")
        eq(b["data"]["total_credits"], 10.0)
        eq(log()[1]["params"], {"output_modalities": "all"})
        eq(call("POST", "/_control/models", {"data": []}, key=None)[0], 200)
        eq(cj("GET", "/api/v1/models")[2]["data"], [])
    check("models (filters), key, credits, catalog override", t_models_key)

    def t_keepalive_log():
        reset()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(3):
            call("POST", "/api/v1/chat/completions", {"model": "x/y", "stream": True, "messages": [user("a")]},
                 conn=c)
        st, r, b = call("GET", "/test/conn", conn=c)
        c.close()
        L = log()
        eq(len({x["conn_id"] for x in L}), 1, "one connection reused")
        eq(json.loads(b)["request_on_conn"], 4)
        eq(json.loads(b)["conn_id"], L[0]["conn_id"])
        c2 = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        b2 = json.loads(call("GET", "/test/conn", conn=c2)[2])
        c2.close()
        assert b2["conn_id"] != L[0]["conn_id"]
    check("keep-alive: conn_id stable across streamed requests", t_keepalive_log)

    # ---------------------------------------------------------------- transport scenarios
    def t_echo_status():
        st, r, b = cj("POST", "/test/echo?a=1&b=2", {"x": 1}, key=None, headers={"X-Foo": "Bar"})
        eq((b["method"], b["path"], b["query"], b["headers"]["x-foo"], json.loads(b["body"])),
           ("POST", "/test/echo", "a=1&b=2", "Bar", {"x": 1}))
        st, r, b = cj("GET", "/test/status/503?retry_after=2", key=None)
        eq((st, r.getheader("Retry-After"), b), (503, "2", {"error": {"code": 503, "message": "Service Unavailable"}}))
        st, r, b = call("GET", "/test/status/500?body=oops", key=None)
        eq((st, b), (500, b"oops"))
        st, r, b = call("GET", "/test/status/204", key=None)
        eq((st, b), (204, b""))
    check("/test/echo, /test/status", t_echo_status)

    def t_bodies():
        st, r, b = call("GET", "/test/fixed?size=100000", key=None)
        eq(b, pattern_bytes(100000))
        eq(r.getheader("Content-Length"), "100000")
        head, body, eof = raw_http(port, b"GET /test/chunked?size=10000&chunk=999 HTTP/1.1\r\nHost: x\r\n"
                                   b"Connection: close\r\n\r\n")
        payload, sizes, complete = dechunk(body)
        assert complete and sizes[0] == 999 and len(sizes) == 11
        eq(payload, pattern_bytes(10000))
        st, r, b = call("GET", "/test/gzip?size=50000", key=None, headers={"Accept-Encoding": "gzip"})
        eq(r.getheader("Content-Encoding"), "gzip")
        eq(gzip.decompress(b), pattern_bytes(50000))
        st, r, b = call("GET", "/test/gzip?size=500", key=None, headers={"Accept-Encoding": "gzip;q=0, br"})
        eq((r.getheader("Content-Encoding"), b), (None, pattern_bytes(500)))
    check("/test/fixed, /test/chunked, /test/gzip", t_bodies)

    def t_sse_variants():
        for q in ("events=7&split=1&utf8=1&crlf=1", "events=7&split=5&utf8=1&crlf=cr&bom=1&comments=1",
                  "events=7&split=2&multiline=1&event=msg&retry=1000&done=1", "events=7&chunked=0&utf8=1"):
            head, body, eof = raw_http(port, ("GET /test/sse?%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                              % q).encode())
            if "chunked=0" in q:
                payload, sizes = body, []
            else:
                payload, sizes, complete = dechunk(body)
                assert complete
                m = int(q.split("split=")[1].split("&")[0])
                assert max(sizes) == m, (q, sizes[:5])
            evs = parse_sse(payload)
            if "done=1" in q:
                eq(evs[-1]["data"], "[DONE]")
                evs = evs[:-1]
            eq([e["id"] for e in evs], [str(i) for i in range(1, 8)], q)
            for i, e in enumerate(evs, 1):
                d = json.loads(e["data"])
                eq(d["i"], i)
                eq(d["text"], ("h\u00e9llo \u6f22\u5b57 \U0001F600 %d" % i) if "utf8=1" in q else "hello %d" % i)
            if "crlf=cr" in q:
                assert b"\r" in payload and b"\n" not in payload and payload.startswith(b"\xef\xbb\xbf")
            if "event=msg" in q:
                eq(evs[0]["event"], "msg")
    check("/test/sse variants (split/utf8/crlf/cr/bom/comments/multiline)", t_sse_variants)

    def t_sse_big():
        head, body, eof = raw_http(port, b"GET /test/sse_big?mb=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        payload, sizes, complete = dechunk(body)
        assert complete
        evs = parse_sse(payload)
        n = big_event_count(1)
        assert ("X-Event-Count: %d" % n) in head, head
        eq(len(evs), n + 2, "content events + finish chunk + [DONE]")
        eq(n, 1048576 // BIG_EVENT_LEN)
        eq("".join(json.loads(e["data"])["choices"][0]["delta"]["content"] for e in evs[:32]), "".join(BIG_WORDS) * 2)
        S and valid("ChatStreamChunk", json.loads(evs[0]["data"]))
        S and valid("ChatStreamChunk", json.loads(evs[-2]["data"]))
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /test/sse_big?mb=200 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        t0, total = time.time(), 0
        bufr = bytearray(1 << 20)
        while True:
            k = s.recv_into(bufr)
            if not k:
                break
            total += k
        dt = time.time() - t0
        s.close()
        print("     sse_big: %.0f MB in %.2fs = %.0f MB/s" % (total / 1e6, dt, total / 1e6 / dt))
        assert total > 200 * 1048576
    check("/test/sse_big (event count formula, throughput)", t_sse_big)

    def active(path):
        return cj("GET", "/_control/health", key=None)[2]["active"].get(path, 0)

    def wait_idle(path, timeout=3.0):
        end = time.time() + timeout
        while time.time() < end:
            if active(path) == 0:
                return True
            time.sleep(0.05)
        return False

    def t_drop_stall_slow():
        head, body, eof = raw_http(port, b"GET /test/drop?after=3 HTTP/1.1\r\nHost: x\r\n\r\n")
        payload, sizes, complete = dechunk(body)
        assert eof and not complete
        eq(len(parse_sse(payload)), 3)
        t0 = time.time()
        head, body, eof = raw_http(port, b"GET /test/stall?after=2&ms=300 HTTP/1.1\r\nHost: x\r\nConnection: close"
                                   b"\r\n\r\n")
        payload, sizes, complete = dechunk(body)
        assert complete and time.time() - t0 >= 0.3
        eq(len(parse_sse(payload)), 4)
        # stall until the client goes away: the server must notice the close
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /test/stall?after=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while b"hello 1" not in got:
            got += s.recv(4096)
        time.sleep(0.2)
        eq(active("/test/stall"), 1)
        s.close()
        assert wait_idle("/test/stall"), "stalled handler did not notice the disconnect"
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /test/slow?ms=60000 HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.3)
        eq(active("/test/slow"), 1)
        s.close()
        assert wait_idle("/test/slow"), "slow handler did not notice the disconnect"
        t0 = time.time()
        st, r, b = cj("GET", "/test/slow?ms=250", key=None)
        assert time.time() - t0 >= 0.25 and b == {"slept_ms": 250}
        head, body, eof = raw_http(port, b"GET /test/slow?ms=100&headers=1 HTTP/1.1\r\nHost: x\r\n"
                                   b"Connection: close\r\n\r\n")
        eq(json.loads(dechunk(body)[0]), {"slept_ms": 100})
        head, body, eof = raw_http(port, b"GET /test/garbage HTTP/1.1\r\nHost: x\r\n\r\n")
        assert not head.startswith("HTTP/"), head
        st, r, b = call("GET", "/test/headers", key=None)
        eq(r.msg.get_all("Set-Cookie"), ["a=1; Path=/", "b=2; Path=/; HttpOnly"])
        eq(r.getheader("X-Mixed-Case"), "MiXeD")
        head, body, eof = raw_http(port, b"GET /test/headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert "X-Mixed-Case: MiXeD\r\n" in head and "x-lower-case: lower" in head
    check("/test/drop, /test/stall, /test/slow (disconnect noticed), garbage, headers", t_drop_stall_slow)

    def t_concurrency():
        reset()
        rules({"model": "slow/stream", "response": {"text": "x" * 40, "chunk_delay_ms": 20}})
        n = 1000
        try:
            import resource
            lim = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
            if lim != resource.RLIM_INFINITY and lim < 2 * n + 200:
                n = max(50, (lim - 200) // 2)
                print("     RLIMIT_NOFILE %d: only %d clients (client and server share this process)" % (lim, n))
        except ImportError:
            pass
        ok = []
        errors = []
        barrier = threading.Barrier(n)

        def one():
            try:
                barrier.wait(30)
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                st, r, data = call("POST", "/api/v1/chat/completions",
                                   {"model": "slow/stream", "stream": True, "messages": [user("x")]}, conn=c)
                c.close()
                if st == 200 and data.endswith(b"data: [DONE]\n\n"):
                    ok.append(1)
                else:
                    errors.append(st)
            except Exception as e:
                errors.append(repr(e))
        old = threading.stack_size(256 << 10)
        ts = [threading.Thread(target=one, daemon=True) for _ in range(n)]
        threading.stack_size(old)
        t0 = time.time()
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        print("     %d concurrent slow streams in %.1fs" % (n, time.time() - t0))
        eq((len(ok), errors[:5]), (n, []))
        eq(len({x["conn_id"] for x in log()}), n)
    check("1000 concurrent slow streaming clients (in-process)", t_concurrency)

    # ---------------------------------------------------------------- TLS
    def t_tls():
        if not shutil.which("openssl"):
            return "skip"
        d = os.path.join(tmpdir, "tls")
        paths = make_cert(d)
        tsrv = build_server("127.0.0.1", 0, paths["server.pem"], paths["server.key"], schema_path=schema_path,
                            models_path=models_path)
        threading.Thread(target=tsrv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        tport = tsrv.server_port
        try:
            ctx = ssl.create_default_context(cafile=paths["ca.pem"])
            for host in ("localhost", "127.0.0.1"):
                with urllib.request.urlopen("https://%s:%d/test/conn" % (host, tport), context=ctx, timeout=10) as r:
                    eq(r.status, 200)
            rq = urllib.request.Request("https://localhost:%d/api/v1/chat/completions" % tport,
                                        data=json.dumps({"model": "x/y", "stream": True,
                                                         "messages": [user("tls")]}).encode(),
                                        headers={"Authorization": "Bearer k", "Content-Type": "application/json"})
            with urllib.request.urlopen(rq, context=ctx, timeout=10) as r:
                chunks = [json.loads(e["data"]) for e in parse_sse(r.read()) if e["data"] != "[DONE]"]
            eq(assemble(chunks)["text"], "echo: tls")
            try:
                urllib.request.urlopen("https://localhost:%d/test/conn" % tport,
                                       context=ssl.create_default_context(), timeout=10)
                raise AssertionError("verification against system CAs should fail")
            except urllib.error.URLError as e:
                assert isinstance(e.reason, ssl.SSLCertVerificationError), e
            head, body, eof = raw_http(tport, b"GET /test/drop?after=2 HTTP/1.1\r\nHost: x\r\n\r\n", tls_ctx=ctx)
            payload, sizes, complete = dechunk(body)
            assert not complete and len(parse_sse(payload)) == 2
            if shutil.which("curl"):
                for q in ("/test/conn", "/test/sse?events=3&chunked=0", "/test/sse?events=3&split=1"):
                    r = subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", paths["ca.pem"],
                                        "https://localhost:%d%s" % (tport, q)], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE)
                    assert r.returncode == 0, (q, r.stderr)
                r = subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", paths["ca.pem"],
                                    "https://localhost:%d/test/drop?after=1" % tport],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                assert r.returncode != 0, "curl must report the dropped stream"
                # curl sends close_notify then FIN when it gives up: the stall must notice
                subprocess.run(["curl", "-sS", "--max-time", "1", "--cacert", paths["ca.pem"],
                                "https://localhost:%d/test/stall?after=1" % tport],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                end = time.time() + 3
                while tsrv.state.active and time.time() < end:
                    time.sleep(0.05)
                eq(tsrv.state.active, {}, "TLS stall noticed the disconnect")
                r = subprocess.run(["curl", "-sS", "--max-time", "10", "https://localhost:%d/test/conn" % tport],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, SSL_CERT_FILE="/nonexistent"))
                assert r.returncode != 0
        finally:
            tsrv.shutdown()
            tsrv.server_close()
    check("TLS: --make-cert CA, urllib + curl --cacert verify, drop over TLS", t_tls)

    # ---------------------------------------------------------------- CLI process
    def t_cli():
        pf = os.path.join(tmpdir, "port")
        lf = os.path.join(tmpdir, "log.jsonl")
        p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--port", "0", "--port-file", pf,
                              "--log", lf, "--schema", schema_path, "--models", models_path],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = p.stdout.readline().decode()
            assert line.startswith("listening on "), line
            cport = int(line.split()[-1])
            eq(int(open(pf).read()), cport)
            c = http.client.HTTPConnection("127.0.0.1", cport, timeout=10)
            c.request("POST", "/api/v1/chat/completions", body=json.dumps({"model": "x/y", "messages": [user("q")]}),
                      headers={"Authorization": "Bearer k"})
            eq(json.loads(c.getresponse().read())["choices"][0]["message"]["content"], "echo: q")
            # a stalled stream must not block shutdown
            s = socket.create_connection(("127.0.0.1", cport))
            s.sendall(b"GET /test/stall?after=1 HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.2)
            with open(lf) as f:
                rec = json.loads(f.readline())
            eq(rec["body"]["messages"][0]["content"], "q")
            t0 = time.time()
            p.send_signal(signal.SIGTERM)
            rc = p.wait(10)
            eq(rc, 0)
            assert time.time() - t0 < 3, "slow shutdown"
            err = [ln for ln in p.stderr.read().decode().splitlines()
                   if not ln.startswith("orserver: request validation disabled")]
            eq(err, [], "stderr (no tracebacks)")
            s.close()
            c.close()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    check("CLI: --port 0 --port-file, 'listening on', --log, SIGTERM exit 0", t_cli)

    srv.shutdown()
    srv.server_close()
    shutil.rmtree(tmpdir, ignore_errors=True)
    if results["skipped"]:
        print("%d skipped" % results["skipped"])
    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    sys.stdout.flush()
    return 0 if results["failed"] == 0 else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description="Fake OpenRouter API + HTTP/SSE transport test server")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--log")
    ap.add_argument("--schema", default=os.environ.get("ORSERVER_SCHEMA", DEFAULT_SCHEMA))
    ap.add_argument("--models", default=DEFAULT_MODELS, help="catalog fixture for GET /api/v1/models")
    ap.add_argument("--verbose", action="store_true", help="log each HTTP request to stderr")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--make-cert", metavar="DIR")
    a = ap.parse_args(argv)

    if a.make_cert:
        try:
            paths = make_cert(a.make_cert)
        except RuntimeError as e:
            sys.stderr.write("orserver: %s\n" % e)
            return 1
        print("wrote %s" % " ".join(paths[k] for k in ("ca.pem", "server.pem", "server.key")))
        return 0
    if a.self_test:
        return self_test(a.schema, a.models)
    if bool(a.tls_cert) != bool(a.tls_key):
        ap.error("--tls-cert and --tls-key go together")

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)      # installed first: a stop during startup is clean too
    signal.signal(signal.SIGINT, on_signal)
    threading.stack_size(4 << 20)
    try:
        srv = build_server(a.host, a.port, a.tls_cert, a.tls_key, a.log, a.schema, a.models, a.verbose)
    except (OSError, ssl.SSLError, ValueError) as e:
        sys.stderr.write("orserver: cannot start: %s\n" % e)
        return 1
    srv.stop_event = stop
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    t.start()
    port = srv.server_port
    if a.port_file:
        write_port_file(a.port_file, port)
    sys.stdout.write("listening on %d\n" % port)
    sys.stdout.flush()
    while not srv.stop_event.wait(0.5):
        pass
    srv.shutdown()
    srv.server_close()
    if srv.state.log_file:
        try:
            srv.state.log_file.flush()
        except (OSError, ValueError):
            pass
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
