#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster on a free loopback port, exported as
# TALKSOCIAL_TEST_POSTGRES_URL; the cluster is stopped and removed on exit, also on failure.
# Installs Debian's postgresql package when it is missing. (../shared/notes/ci-recipes.md)
set -euo pipefail
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q postgresql
  # The package may create and start its own "main" cluster: not ours to keep running.
  if command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters -h 2>/dev/null | while read -r version name _; do
      pg_ctlcluster "$version" "$name" stop >/dev/null 2>&1 || true
    done
  fi
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
dir=$(mktemp -d)
chown postgres "$dir"
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cleanup() {
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
runuser -u postgres -- "$pgbin/initdb" -D "$dir/data" --locale=C -E UTF8 -A trust -U postgres >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null
export TALKSOCIAL_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
echo "throwaway PostgreSQL on 127.0.0.1:$port"
# Not exec: the trap must outlive the command. Its status is the script's.
"$@"
