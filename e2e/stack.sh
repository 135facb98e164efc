#!/usr/bin/env bash
# Runs the authgate API (on PostgreSQL) and the built example site side by side, both on `localhost`
# (cookies treat localhost and 127.0.0.1 as different sites).
#
#   e2e/stack.sh test   fresh database, run the browser tests, stop both (exit code = the tests')
#   e2e/stack.sh demo   keep the demo database, serve until ctrl-C
#
# Environment: SITE_PORT (3000), API_PORT (8000), MAIL_PORT (API_PORT + 25), VENV (.venv), PG_ADMIN_URL, CI,
# E2E_TESTS (the test files to run, relative to e2e/; default every file in tests/).
# Mail goes to a real SMTP server on loopback (e2e/mailsink.py): one file per message in e2e/artifacts/mail.
set -euo pipefail

mode=${1:?usage: stack.sh test|demo}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-.venv}
[[ $venv = /* ]] || venv="$root/$venv"
site_port=${SITE_PORT:-3000}
api_port=${API_PORT:-8000}
mail_port=${MAIL_PORT:-$((api_port + 25))}
# a real OpenID provider (panva's oidc-provider) on loopback: "Continue with University" on the site
oidc_port=${OIDC_PORT:-$((api_port + 40))}
# a GitHub-shaped provider with its own sign-in page (e2e/github_provider.py): "Continue with GitHub"
github_port=${GITHUB_PORT:-$((api_port + 41))}
pg_admin_url=${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
if [[ $mode == test ]]; then db_name=${AUTHGATE_DB_NAME:-authgate_e2e}; else db_name=${AUTHGATE_DB_NAME:-authgate_demo}; fi
db_url="${pg_admin_url%/*}/$db_name"
site_dir="$root/frontend/site"
docusaurus="$root/frontend/node_modules/.bin/docusaurus"
logs="$root/e2e/artifacts/logs"
mail_dir="$root/e2e/artifacts/mail"
mkdir -p "$logs"

say() { printf 'stack: %s\n' "$*" >&2; }

# Missing prerequisites fail in CI and skip (exit 0, loudly) on a developer's machine.
missing() {
  if [[ ${CI:-} == true || $mode == demo ]]; then say "FAIL: $*"; exit 1; fi
  say "SKIP: $* (set CI=true to make this an error)"; exit 0
}

[[ -x $venv/bin/authgate ]] || missing "$venv/bin/authgate not found: run 'make backend-install'"
[[ -x $docusaurus ]] || missing "frontend dependencies not installed: run 'make frontend-install'"
[[ -f $site_dir/build/index.html ]] || missing "the site is not built: run 'make frontend-build'"
if [[ $mode == test ]]; then
  [[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || missing "chromium not found at ${CHROMIUM:-/usr/bin/chromium}"
fi

port_busy() { (exec 3<>"/dev/tcp/localhost/$1") 2>/dev/null; }
[[ -d $root/e2e/node_modules/oidc-provider ]] || missing "e2e dependencies not installed: run 'make e2e-install'"
for port in "$api_port" "$site_port" "$mail_port" "$oidc_port" "$github_port"; do
  if port_busy "$port"; then say "FAIL: port $port on localhost is already in use; stop that server or set SITE_PORT/API_PORT"; exit 1; fi
done

# --- database ---
pg() { # pg SQL: runs one statement on the admin database, with psql or else the venv's psycopg
  if command -v psql >/dev/null; then
    psql "$pg_admin_url" -v ON_ERROR_STOP=1 -qtAc "$1"
  else
    "$venv/bin/python" - "$pg_admin_url" "$1" <<'PY'
import sys

import psycopg

with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    cur = conn.execute(sys.argv[2])
    for row in cur.fetchall() if cur.description else []:
        print("|".join(map(str, row)))
PY
  fi
}
pg 'SELECT 1' >/dev/null 2>&1 || missing "PostgreSQL is not reachable at $pg_admin_url"
if [[ $mode == test ]]; then
  pg "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null
  pg "CREATE DATABASE $db_name" >/dev/null
elif [[ -z $(pg "SELECT 1 FROM pg_database WHERE datname = '$db_name'") ]]; then
  pg "CREATE DATABASE $db_name" >/dev/null
fi

export DATABASE_URL=$db_url
export JWT_SECRET_KEY=${JWT_SECRET_KEY:-$("$venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(48))')}
export CORS_ORIGINS="[\"http://localhost:$site_port\"]"
# Mailed links point at the site; mail goes to the sink, never to the log.
export PUBLIC_URL="http://localhost:$site_port"
export SMTP_HOST=127.0.0.1 SMTP_PORT=$mail_port SMTP_STARTTLS=false
export AUTH_PUBLIC_URL="http://localhost:$api_port"
# members-only blocks: the site's build wrote them next to build/, and only the API serves them
export MEMBERS_CONTENT_DIR="$site_dir/build-members"
oidc_secret=authgate-e2e-client-secret
export OAUTH_OIDC_PROVIDERS="[{\"id\": \"uni\", \"name\": \"University\", \"issuer\": \"http://localhost:$oidc_port\", \"client_id\": \"authgate-e2e\", \"client_secret\": \"$oidc_secret\"}]"
export RATE_LIMIT_OAUTH_IP=${RATE_LIMIT_OAUTH_IP:-1000/minute}
github_secret=authgate-e2e-github-secret
export OAUTH_GITHUB_CLIENT_ID=authgate-e2e OAUTH_GITHUB_CLIENT_SECRET=$github_secret
export OAUTH_GITHUB_URL="http://localhost:$github_port" OAUTH_GITHUB_API_URL="http://localhost:$github_port/api"
if [[ $mode == test ]]; then
  # Every browser test comes from one IP (localhost) and signs up dozens of readers: the per-IP limits are
  # raised for the run (the limits themselves are attacked by backend/tests). Per-account limits stay as set.
  export RATE_LIMIT_SIGNUP_IP=${RATE_LIMIT_SIGNUP_IP:-1000/hour}
  export RATE_LIMIT_LOGIN_IP=${RATE_LIMIT_LOGIN_IP:-1000/minute}
  export RATE_LIMIT_REFRESH_IP=${RATE_LIMIT_REFRESH_IP:-1000/minute}
  export RATE_LIMIT_FORGOT_PASSWORD_IP=${RATE_LIMIT_FORGOT_PASSWORD_IP:-100/minute}
  export RATE_LIMIT_RESET_PASSWORD_IP=${RATE_LIMIT_RESET_PASSWORD_IP:-100/minute}
  export RATE_LIMIT_VERIFICATION_IP=${RATE_LIMIT_VERIFICATION_IP:-100/minute}
fi
# Run the API away from the repository so a developer's .env cannot change what is tested.
workdir=$(mktemp -d)
(cd "$workdir" && "$venv/bin/authgate" migrate) >"$logs/migrate.log" 2>&1 || { cat "$logs/migrate.log" >&2; say "FAIL: migration"; exit 1; }

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

(cd "$workdir" && exec setsid "$venv/bin/authgate" serve --host localhost --port "$api_port") >"$logs/api.log" 2>&1 &
pids+=($!)
(cd "$site_dir" && exec setsid "$docusaurus" serve --host localhost --port "$site_port" --no-open) >"$logs/site.log" 2>&1 &
pids+=($!)
if [[ $mode == test ]]; then rm -rf "$mail_dir"; fi
(exec setsid "$venv/bin/python" "$root/e2e/mailsink.py" --port "$mail_port" --dir "$mail_dir") >"$logs/mail.log" 2>&1 &
pids+=($!)
(cd "$root/e2e" && exec setsid node oidc/provider.mjs --port "$oidc_port" \
  --redirect "http://localhost:$api_port/auth/oauth/uni/callback" --client-secret "$oidc_secret") >"$logs/oidc.log" 2>&1 &
pids+=($!)
(exec setsid "$venv/bin/python" "$root/e2e/github_provider.py" --port "$github_port" \
  --client-id authgate-e2e --client-secret "$github_secret") >"$logs/github.log" 2>&1 &
pids+=($!)

wait_for() { # wait_for PID URL NAME LOG: until URL answers while PID (our server, not another one) is alive
  local i
  for i in $(seq 1 160); do
    kill -0 "$1" 2>/dev/null || break
    if curl -s -o /dev/null "$2"; then
      sleep 0.3 # a server that lost the port race exits right after printing its error
      kill -0 "$1" 2>/dev/null && return 0
      break
    fi
    sleep 0.25
  done
  say "FAIL: $3 did not start; its log:"; tail -n 40 "$4" >&2; exit 1
}
wait_for "${pids[0]}" "http://localhost:$api_port/auth/me" "the API" "$logs/api.log"
wait_for "${pids[1]}" "http://localhost:$site_port/" "the site" "$logs/site.log"
smtp_up() { (exec 3<>"/dev/tcp/127.0.0.1/$mail_port") 2>/dev/null; }
for _ in $(seq 1 80); do smtp_up && break; kill -0 "${pids[2]}" 2>/dev/null || break; sleep 0.25; done
smtp_up || { say "FAIL: the mail sink did not start; its log:"; cat "$logs/mail.log" >&2; exit 1; }
say "API  http://localhost:$api_port  (database $db_name)"
say "site http://localhost:$site_port"
wait_for "${pids[3]}" "http://localhost:$oidc_port/.well-known/openid-configuration" "the OpenID provider" "$logs/oidc.log"
wait_for "${pids[4]}" "http://localhost:$github_port/login/oauth/authorize" "the GitHub-shaped provider" "$logs/github.log"
say "mail smtp://127.0.0.1:$mail_port -> $mail_dir"
say "OpenID provider http://localhost:$oidc_port (sign in with any login and password)"

if [[ $mode == test ]]; then
  cd "$root/e2e"
  SITE_URL="http://localhost:$site_port" API_URL="http://localhost:$api_port" MAIL_DIR="$mail_dir" \
    node --test --test-concurrency=1 ${E2E_TESTS:-tests/}
else
  say "ctrl-C stops both"
  wait -n "${pids[@]}" || true
  say "a server stopped; see $logs"
fi
