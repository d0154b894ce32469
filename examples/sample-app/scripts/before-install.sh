#!/bin/sh
# BeforeInstall: prepare the runtime directory (scripts' files survive Gantry's cleanup of old installs).
set -eu
mkdir -p /srv/gantry-sample/run
echo "$(date -u +%FT%TZ) $LIFECYCLE_EVENT $DEPLOYMENT_ID" >> /srv/gantry-sample/run/history.log
echo "prepared /srv/gantry-sample/run for $APPLICATION_NAME/$DEPLOYMENT_GROUP_NAME"
