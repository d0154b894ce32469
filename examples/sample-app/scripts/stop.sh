#!/bin/sh
# ApplicationStop (runs from the previously installed revision): stop the running service, if any.
set -eu
pidfile=/srv/gantry-sample/run/server.pid
if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile")
  # Only kill the pid if it is still our service (a host restart may have reused the number).
  if grep -q server.mjs "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid"
    echo "stopped the sample service (pid $pid)"
  else
    echo "sample service was not running"
  fi
  rm -f "$pidfile" /srv/gantry-sample/run/http.sock
else
  echo "sample service not installed yet"
fi
