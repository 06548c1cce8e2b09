#!/usr/bin/env bash
# pretest: installs the Debian packages that some suites need (redis-server, chromium, postgresql) when missing.
# Where that is impossible (not root, no apt), the suites that need them report themselves as skipped
# with the install command; nothing here fails the test run.
set -u
needed=()
for pair in "redis-server:redis-server" "chromium:chromium"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || needed+=("${pair#*:}")
done
# Debian keeps initdb/postgres in /usr/lib/postgresql/<version>/bin, off PATH (test/helpers/postgres.ts looks there).
{ command -v initdb >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; } || needed+=(postgresql)
[ ${#needed[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "pretest: missing ${needed[*]}; install with: sudo apt-get update && sudo apt-get install -y ${needed[*]}" >&2
  exit 0
fi
echo "pretest: installing ${needed[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "${needed[@]}"; } >/tmp/runs-gateway-apt.log 2>&1 \
  || echo "pretest: apt-get failed (see /tmp/runs-gateway-apt.log); suites needing ${needed[*]} will be skipped" >&2
exit 0
