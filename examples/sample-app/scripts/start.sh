#!/bin/sh
# ApplicationStart: start the service in the background, its output redirected so the hook can finish.
set -eu
cd /srv/gantry-sample/app
nohup node server.mjs > /srv/gantry-sample/run/server.log 2>&1 < /dev/null &
echo $! > /srv/gantry-sample/run/server.pid
echo "started the sample service (pid $!)"
