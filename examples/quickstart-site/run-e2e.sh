#!/usr/bin/env bash
# Serves this site with `docusaurus start` on http://localhost:3000 and the authgate API on http://localhost:8000
# (fresh PostgreSQL database authgate_qs), runs e2e.test.mjs in Chromium, and stops both servers.
#
#   bash examples/quickstart-site/run-e2e.sh        (from the repository root; exit code = the tests')
#
# Environment: VENV (.venv, relative to the repository root), CHROMIUM (/usr/bin/chromium), PGHOST (127.0.0.1),
# PGUSER (postgres), CI (with CI=true a missing Chromium or PostgreSQL fails instead of skipping).
set -euo pipefail

site_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$site_dir/../.." && pwd)
venv=${VENV:-.venv}
[[ $venv = /* ]] || venv="$root/$venv"
chromium=${CHROMIUM:-/usr/bin/chromium}
pg_host=${PGHOST:-127.0.0.1}
pg_user=${PGUSER:-postgres}
db_name=authgate_qs
logs="$site_dir/artifacts/logs"
mkdir -p "$logs"
started=$SECONDS

say() { printf 'quickstart-site: %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
missing() { # a missing prerequisite fails in CI and skips (exit 0, loudly) elsewhere
  if [[ ${CI:-} == true ]]; then fail "$*"; fi
  say "SKIP: $* (set CI=true to make this an error)"; exit 0
}

[[ -x $venv/bin/authgate ]] || fail "$venv/bin/authgate not found: install the backend first (make backend-install) or set VENV"
command -v node >/dev/null && command -v npm >/dev/null || fail "node and npm are required"
[[ -x $chromium ]] || missing "chromium not found at $chromium (apt-get install -y chromium)"
command -v psql >/dev/null || missing "psql not found (apt-get install -y postgresql-client)"
psql -h "$pg_host" -U "$pg_user" -d postgres -qtAc 'SELECT 1' >/dev/null 2>&1 ||
  missing "PostgreSQL is not reachable as $pg_user@$pg_host:5432"

port_busy() { (exec 3<>"/dev/tcp/localhost/$1") 2>/dev/null; }
for port in 8000 3000; do
  if port_busy "$port"; then
    fail "port $port on localhost is already in use; stop that server first (the quickstart's AuthContext is fixed to localhost:8000 and the CORS origin to localhost:3000)"
  fi
done

if [[ ! -d $site_dir/node_modules ]]; then
  say "npm ci"
  (cd "$site_dir" && npm ci --no-audit --no-fund) >"$logs/npm-ci.log" 2>&1 || { tail -n 40 "$logs/npm-ci.log" >&2; fail "npm ci"; }
fi

# --- database ---
PGOPTIONS=--client-min-messages=warning psql -h "$pg_host" -U "$pg_user" -d postgres -v ON_ERROR_STOP=1 -q \
  -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" -c "CREATE DATABASE $db_name" || fail "could not recreate database $db_name"

export DATABASE_URL="postgresql://$pg_user@$pg_host:5432/$db_name"
export JWT_SECRET_KEY
JWT_SECRET_KEY=$("$venv/bin/python" -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(48)))')
export CORS_ORIGINS='["http://localhost:3000", "http://localhost:8000"]'
# Run the API away from the repository so a developer's .env cannot change what is tested.
workdir=$(mktemp -d)
(cd "$workdir" && "$venv/bin/authgate" migrate) >"$logs/migrate.log" 2>&1 || { cat "$logs/migrate.log" >&2; rm -rf "$workdir"; fail "authgate migrate"; }

# --- servers ---
pids=()
stop() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$workdir"
}
trap stop EXIT
trap 'exit 130' INT TERM

(cd "$workdir" && exec setsid "$venv/bin/authgate" serve --host localhost --port 8000) >"$logs/api.log" 2>&1 &
pids+=($!)
(cd "$site_dir" && BROWSER=none exec setsid node_modules/.bin/docusaurus start --port 3000 --host localhost --no-open) \
  >"$logs/site.log" 2>&1 &
pids+=($!)

wait_for() { # wait_for URL NAME LOG SECONDS PID
  local deadline=$((SECONDS + $4))
  while ((SECONDS < deadline)); do
    if [[ $(curl -s -o /dev/null -m 60 -w '%{http_code}' "$1") == 200 ]]; then return 0; fi
    kill -0 "$5" 2>/dev/null || break
    sleep 0.5
  done
  say "$2 did not start; its log:"; tail -n 40 "$3" >&2; fail "$2 did not start"
}
wait_for "http://localhost:8000/health" "the API" "$logs/api.log" 30 "${pids[0]}"
say "API  http://localhost:8000 up (database $db_name) after $((SECONDS - started)) s"
# the dev server answers once its first compile is done
wait_for "http://localhost:3000/" "the dev server" "$logs/site.log" 150 "${pids[1]}"
say "site http://localhost:3000 (docusaurus start) up after $((SECONDS - started)) s"

cd "$site_dir"
status=0
node --test --test-concurrency=1 e2e.test.mjs || status=$?
say "done in $((SECONDS - started)) s (exit $status); logs and screenshots in $site_dir/artifacts"
exit "$status"
