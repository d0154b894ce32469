#!/bin/sh
# AfterInstall: record which deployment installed this revision.
set -eu
cat > /srv/gantry-sample/run/deployed.env <<ENV
DEPLOYMENT_ID=$DEPLOYMENT_ID
DEPLOYMENT_GROUP_ID=$DEPLOYMENT_GROUP_ID
ENV
echo "$(date -u +%FT%TZ) $LIFECYCLE_EVENT $DEPLOYMENT_ID" >> /srv/gantry-sample/run/history.log
echo "installed version $(cat /srv/gantry-sample/app/VERSION)"
