#!/bin/sh
# ValidateService: the service answers, and it is the revision this deployment installed.
set -eu
exec node - <<'JS'
const http = require('node:http');
const socketPath = '/srv/gantry-sample/run/http.sock';
const deadline = Date.now() + 20000;
function attempt() {
  http.get({ socketPath, path: '/health' }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => {
      const reply = JSON.parse(body);
      if (reply.deploymentId !== process.env.DEPLOYMENT_ID) {
        console.error(`service runs deployment ${reply.deploymentId}, expected ${process.env.DEPLOYMENT_ID}`);
        process.exit(1);
      }
      console.log(`service healthy: ${body}`);
    });
  }).on('error', (err) => {
    if (Date.now() > deadline) { console.error(`service not answering: ${err.message}`); process.exit(1); }
    setTimeout(attempt, 200);
  });
}
attempt();
JS
