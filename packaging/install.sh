#!/usr/bin/env bash
# Installs the Gantry host agent on this Linux host as a systemd service, as CodeDeploy's agent
# installs: run it as root from a Gantry checkout (or an unpacked release).
#
#   sudo packaging/install.sh --host-id web-1 --address temporal.internal:7233 [--namespace NS]
#        [--tag KEY=VALUE ...] [--zone ZONE] [--aws-region REGION] [--controller-task-queue Q]
#        [--tls-ca PATH --tls-cert PATH --tls-key PATH] [--codec-key-file PATH] [--no-start]
#        [--root-dir DIR]   (install into DIR instead of /, for packaging and tests)
#
# It puts the compiled build in /opt/gantry (production dependencies only), the settings in
# /etc/gantry/agent.env (kept when it already exists, so an upgrade never loses them), the state in
# /var/lib/gantry, the log in /var/log/gantry/agent.log (rotated by /etc/logrotate.d/gantry-agent), and
# the unit in /etc/systemd/system/gantry-agent.service. packaging/uninstall.sh undoes it.
set -euo pipefail

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "install.sh: $*" >&2; exit 2; }

SOURCE="$(cd "$(dirname "$0")/.." && pwd)"
ROOT=""
HOST_ID=""
ADDRESS=""
NAMESPACE="default"
TAGS=()
ZONE=""
AWS_REGION_SETTING=""
CONTROLLER_QUEUE=""
TLS_CA="" TLS_CERT="" TLS_KEY=""
CODEC_KEY_FILE=""
START=1

while [[ $# -gt 0 ]]; do
  case "$1" in
    --host-id) HOST_ID="${2:?--host-id needs a value}"; shift 2 ;;
    --address) ADDRESS="${2:?--address needs HOST:PORT}"; shift 2 ;;
    --namespace) NAMESPACE="${2:?--namespace needs a value}"; shift 2 ;;
    --tag) [[ "${2:-}" == *=* ]] || die "--tag needs KEY=VALUE; got '${2:-}'"; TAGS+=("$2"); shift 2 ;;
    --zone) ZONE="${2:?--zone needs a value}"; shift 2 ;;
    --aws-region) AWS_REGION_SETTING="${2:?--aws-region needs a value}"; shift 2 ;;
    --controller-task-queue) CONTROLLER_QUEUE="${2:?--controller-task-queue needs a value}"; shift 2 ;;
    --tls-ca) TLS_CA="${2:?}"; shift 2 ;;
    --tls-cert) TLS_CERT="${2:?}"; shift 2 ;;
    --tls-key) TLS_KEY="${2:?}"; shift 2 ;;
    --codec-key-file) CODEC_KEY_FILE="${2:?}"; shift 2 ;;
    --no-start) START=0; shift ;;
    --root-dir) ROOT="$(realpath -m "${2:?--root-dir needs a directory}")"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

[[ -n "$HOST_ID" ]] || die "--host-id is required (the name this host has in Gantry: letters, digits, . _ -)"
[[ "$HOST_ID" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ ]] || die "--host-id '$HOST_ID' is not valid: letters, digits, . _ - (at most 128, starting with a letter or digit)"
[[ -n "$ADDRESS" ]] || die "--address is required (the Temporal frontend, HOST:PORT)"
[[ -n "$ROOT" || "$(id -u)" -eq 0 ]] || die "run it as root (the agent installs files and runs hooks as any user), or give --root-dir"
command -v node >/dev/null || die "Node.js is not installed: install Node.js 22 or 24 first"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$NODE_MAJOR" -ge 20 ]] || die "Node.js $(node --version) is too old: Gantry needs 22 or 24 (20.19 still works)"

OPT="$ROOT/opt/gantry"
ETC="$ROOT/etc/gantry"
STATE="$ROOT/var/lib/gantry"
LOGS="$ROOT/var/log/gantry"
UNIT="$ROOT/etc/systemd/system/gantry-agent.service"
LOGROTATE="$ROOT/etc/logrotate.d/gantry-agent"

# The compiled build: made here when the checkout's is missing or stale (needs the dev dependencies).
if ! node --input-type=module -e "
  const { sourceFingerprint } = await import('$SOURCE/scripts/source-fingerprint.mjs');
  const fs = await import('node:fs');
  const stamp = '$SOURCE/dist/build-stamp.json';
  process.exit(fs.existsSync(stamp) && JSON.parse(fs.readFileSync(stamp, 'utf8')).sourceFingerprint === sourceFingerprint('$SOURCE') ? 0 : 1);
"; then
  echo "install.sh: building Gantry (npm run build)…"
  (cd "$SOURCE" && node scripts/build.mjs)
fi

# A fresh copy beside the old one, swapped in at the end: a failed install leaves the old one running.
mkdir -p "$ROOT/opt"
STAGING="$(mktemp -d "$ROOT/opt/.gantry-install.XXXXXX")"
trap 'rm -rf "$STAGING"' EXIT
cp -a "$SOURCE/dist" "$SOURCE/bin" "$SOURCE/package.json" "$SOURCE/package-lock.json" "$STAGING/"
mkdir -p "$STAGING/scripts" && cp -a "$SOURCE/scripts/source-fingerprint.mjs" "$STAGING/scripts/"
echo "install.sh: installing production dependencies (npm ci --omit=dev)…"
(cd "$STAGING" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
rm -rf "$OPT.previous"
[[ -d "$OPT" ]] && mv "$OPT" "$OPT.previous"
mv "$STAGING" "$OPT"
trap - EXIT
rm -rf "$OPT.previous"
chmod 755 "$OPT"

mkdir -p "$ETC" "$STATE" "$LOGS" "$(dirname "$UNIT")" "$(dirname "$LOGROTATE")"
chmod 700 "$ETC" "$STATE"

if [[ -e "$ETC/agent.env" ]]; then
  echo "install.sh: keeping the existing $ETC/agent.env"
else
  args="--host-id $HOST_ID"
  for tag in "${TAGS[@]}"; do args+=" --tag $tag"; done
  [[ -n "$ZONE" ]] && args+=" --zone $ZONE"
  [[ -n "$CONTROLLER_QUEUE" ]] && args+=" --controller-task-queue $CONTROLLER_QUEUE"
  umask 077
  {
    echo "# Gantry host agent settings, read by gantry-agent.service (systemd EnvironmentFile)."
    echo "# The Temporal connection, as the temporal CLI reads it:"
    echo "TEMPORAL_ADDRESS=$ADDRESS"
    echo "TEMPORAL_NAMESPACE=$NAMESPACE"
    [[ -n "$TLS_CA" ]] && echo "TEMPORAL_TLS_SERVER_CA_CERT_PATH=$TLS_CA"
    [[ -n "$TLS_CERT" ]] && echo "TEMPORAL_TLS_CLIENT_CERT_PATH=$TLS_CERT"
    [[ -n "$TLS_KEY" ]] && echo "TEMPORAL_TLS_CLIENT_KEY_PATH=$TLS_KEY"
    echo "# This host: its ID, tags and zone (any \`gantry agent\` flag may go here):"
    echo "GANTRY_AGENT_ARGS=\"$args\""
    echo "# AWS: the default credential chain (instance role, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY here)."
    [[ -n "$AWS_REGION_SETTING" ]] && echo "AWS_REGION=$AWS_REGION_SETTING"
    [[ -n "$CODEC_KEY_FILE" ]] && echo "GANTRY_CODEC_KEY_FILE=$CODEC_KEY_FILE"
    echo "GANTRY_LOG_FORMAT=json"
    echo "GANTRY_LOG_LEVEL=info"
  } > "$ETC/agent.env"
  umask 022
fi

cat > "$UNIT" <<UNIT
[Unit]
Description=Gantry host agent (deployments from Temporal)
Documentation=https://github.com/gantry-deploy/gantry#the-agent-on-a-real-host
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
EnvironmentFile=/etc/gantry/agent.env
Environment=MALLOC_ARENA_MAX=2
ExecStart=$(command -v node) --max-semi-space-size=1 --v8-pool-size=1 /opt/gantry/bin/gantry.mjs agent --root /var/lib/gantry \$GANTRY_AGENT_ARGS
# An event in flight gets the agent's 60 s shutdown grace; then systemd's SIGKILL.
TimeoutStopSec=90
# Like CodeDeploy's agent: processes that hooks started (the application) outlive an agent restart.
KillMode=process
Restart=always
RestartSec=5
StandardOutput=append:/var/log/gantry/agent.log
StandardError=append:/var/log/gantry/agent.log

[Install]
WantedBy=multi-user.target
UNIT

cat > "$LOGROTATE" <<'ROTATE'
/var/log/gantry/agent.log {
  daily
  rotate 14
  maxsize 100M
  compress
  delaycompress
  missingok
  notifempty
  copytruncate
}
ROTATE

echo "install.sh: installed the Gantry agent for host $HOST_ID in ${ROOT:-/}"
if [[ -z "$ROOT" && "$START" -eq 1 ]] && command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
  systemctl enable gantry-agent.service
  # restart, not start: an upgrade must run the new build (an event in flight fails FailedAfterRestart).
  systemctl restart gantry-agent.service
  echo "install.sh: gantry-agent.service (re)started (log: /var/log/gantry/agent.log)"
else
  echo "install.sh: not started; check it with: node /opt/gantry/bin/gantry.mjs agent --check --root /var/lib/gantry (with /etc/gantry/agent.env's settings)"
fi
