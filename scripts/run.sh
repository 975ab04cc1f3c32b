#!/usr/bin/env bash
# One command: set up (Debian packages, build) and run the main example.
#   ./scripts/run.sh [SCRIPT.lua [ARGS...]]   (default: examples/hello.lua)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
if [ "$#" -eq 0 ]; then set -- examples/hello.lua; fi
exec build/openclaw run "$@"
