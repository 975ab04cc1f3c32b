#!/usr/bin/env bash
# shellcheck disable=SC2054,SC2046  # linker flags with commas; pkg-config output splits on purpose
# bench/profile.sh - where the streaming loop's time goes (perf).
#
#   bench/profile.sh [MODE]      (after a build; MODE: data)
#
# Links a copy of build/openclaw's objects against Debian's static
# liblua5.4.a (the shared one has no symbols, so perf could not name Lua's
# functions), into a temporary folder. Then starts
# bench_sse_server, prints the stream_bench.lua figures of that binary
# (data*2 decode decode_mem), records one MODE run with `perf record` and
# prints the samples by category and the top symbols.
# A profiling aid, not part of bench/run.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
MODE=${1:-data}
LINK=$BUILD/CMakeFiles/openclaw.dir/link.txt
STATIC_LUA=/usr/lib/x86_64-linux-gnu/liblua5.4.a
for f in "$LINK" "$BUILD/tests/bench_sse_server" "$STATIC_LUA"; do
  [ -e "$f" ] || { echo "profile.sh: $f is missing (build first;" \
    "liblua5.4-dev has the static Lua)" >&2; exit 2; }
done
command -v perf >/dev/null || { echo "profile.sh: perf not installed" >&2
  exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/openclaw-prof.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# the binary: CMake's own link line, static Lua, output in $TMP
extra=(-Wl,-E)
tail_libs=(-lm -ldl)
cmd=$(sed -e "s| -o openclaw | -o $TMP/openclaw |" \
  -e "s|[^ ]*liblua5\.4\.so[^ ]*|$STATIC_LUA|" -e "s|-llua5\.4|$STATIC_LUA|" \
  "$LINK")
(cd "$BUILD" && eval "$cmd ${extra[*]} ${tail_libs[*]}")
ln -s "$ROOT/lua" "$TMP/lua"
ln -s "$ROOT/config.lua" "$TMP/config.lua"
echo "profiling binary: static Lua"

"$BUILD/tests/bench_sse_server" --port-file "$TMP/port" 2>/dev/null &
SERVER_PID=$!
for _ in $(seq 1 200); do [ -s "$TMP/port" ] && break; sleep 0.05; done
BASE=http://127.0.0.1:$(cat "$TMP/port")

"$TMP/openclaw" run "$ROOT/bench/stream_bench.lua" "$BASE" 'data*2' decode \
  decode_mem | grep -v '^ROW|'

perf record -q -o "$TMP/perf.data" "$TMP/openclaw" run \
  "$ROOT/bench/stream_bench.lua" "$BASE" "$MODE" >/dev/null 2>"$TMP/perf.log" ||
  { cat "$TMP/perf.log" >&2; exit 1; }
perf report -i "$TMP/perf.data" --no-children --sort dso,symbol --stdio \
  -g none 2>/dev/null | awk '
  /^ *[0-9.]+%/ {
    p = $1 + 0; dso = $2; kind = $3; sym = $4
    if (kind == "[k]") c = "kernel (socket reads, page faults)"
    else if (sym == "pool_alloc") c = "pool allocator"
    else if (dso ~ /^libc/ && sym ~ /malloc|free|unlink_chunk|consolidate|tcache/)
      c = "glibc malloc/free"
    else if (sym ~ /sweep|propagatemark|markobject|freeobj|luaC_|luaS_remove|luaH_free|luaM_free|traverse|atomic|singlestep|clearby|luaE_|GCTM|youngcollection|correctgraylist|remarkupvals/)
      c = "Lua GC (mark, sweep, free)"
    else if (sym ~ /internshrstr|luaS_/) c = "Lua string interning"
    else if (sym ~ /^dec_|push_cached|scan_str|json_decode|skip_ws|arr_flush/)
      c = "json.decode (l_json.c)"
    else if (sym ~ /^luaH_|mainposition|tablerehash|rehash|numusehash|setnodevector|getgeneric/)
      c = "Lua tables (create, resize, get/set)"
    else if (sym ~ /^lua|index2|aux_|luaD_|luaV_|luaF_|luaT_|luaG_|luaO_/)
      c = "Lua VM and C API"
    else if (sym ~ /sse|xfer|oc_|on_write|memchr|memmove|memcpy/)
      c = "SSE parse, queue, copies"
    else c = "other"
    cat[c] += p
    if (n < 15) top[++n] = sprintf("  %6.2f%%  %s (%s)", p, sym, dso)
  }
  END {
    print "\nperf samples by category:"
    for (c in cat) printf "  %5.1f%%  %s\n", cat[c], c | "sort -rn"
    close("sort -rn")
    print "\ntop symbols:"
    for (i = 1; i <= n; i++) print top[i]
  }'
