#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing (CI runs as root).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v wrk >/dev/null 2>&1 || need+=(wrk)  # tests/bench: the benchmark's wrk scripts
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)  # tests/compat: the Node client libraries
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing system packages: ${need[*]} (run as root or install them)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${need[@]}"
fi
