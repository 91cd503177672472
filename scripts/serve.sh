#!/usr/bin/env bash
# Serve Junipeer and its worker together; Ctrl-C stops both.
set -euo pipefail
PORT=${PORT:-8000}
BIN=${BIN:-.venv/bin}
URL="http://127.0.0.1:${PORT}"
# The demo with its sandbox is development; unset, DJANGO_ENV means production.
export DJANGO_ENV=development

"$BIN/python" manage.py runserver "127.0.0.1:${PORT}" --noreload &
server=$!
trap 'kill $server ${worker:-} 2>/dev/null; wait 2>/dev/null' EXIT INT TERM

# The worker calls the sandbox on this same server: start it once the server answers.
for _ in $(seq 1 60); do
  if "$BIN/python" -c "import urllib.request,sys; urllib.request.urlopen('${URL}/admin/login/', timeout=2)" 2>/dev/null; then
    break
  fi
  kill -0 "$server" 2>/dev/null || { echo "the web server did not start" >&2; exit 1; }
  sleep 0.5
done

"$BIN/python" manage.py qcluster &
worker=$!

cat <<MSG

  Junipeer is running.
    Admin:        ${URL}/admin/
    Demo login:   admin / junipeer-demo
    New shop:     ${URL}/accounts/signup/ (what to type in Get Started: the line
                  "Get Started as a new shop" above)
    Sync runs:    ${URL}/admin/integrations/syncrun/
    Run a flow:   DJANGO_ENV=development ${BIN}/python manage.py run_flow demo orders
  Ctrl-C stops the server and the worker.

MSG
wait -n "$server" "$worker"
