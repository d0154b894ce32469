#!/usr/bin/env bash
# Removes what packaging/install.sh installed: the service, /opt/gantry and the log rotation. The
# settings (/etc/gantry), the state (/var/lib/gantry: deployment archives, the event journal) and the
# log stay unless --purge is given.
#
#   sudo packaging/uninstall.sh [--purge] [--root-dir DIR]
set -euo pipefail

ROOT=""
PURGE=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --purge) PURGE=1; shift ;;
    --root-dir) ROOT="$(realpath -m "${2:?--root-dir needs a directory}")"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "uninstall.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n "$ROOT" || "$(id -u)" -eq 0 ]] || { echo "uninstall.sh: run it as root, or give --root-dir" >&2; exit 2; }

if [[ -z "$ROOT" ]] && command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
  systemctl disable --now gantry-agent.service 2>/dev/null || true
fi
rm -f "$ROOT/etc/systemd/system/gantry-agent.service" "$ROOT/etc/logrotate.d/gantry-agent"
[[ -z "$ROOT" ]] && command -v systemctl >/dev/null && [[ -d /run/systemd/system ]] && systemctl daemon-reload
rm -rf "$ROOT/opt/gantry" "$ROOT/opt/gantry.previous"
if [[ "$PURGE" -eq 1 ]]; then
  rm -rf "$ROOT/etc/gantry" "$ROOT/var/lib/gantry" "$ROOT/var/log/gantry"
  echo "uninstall.sh: removed the Gantry agent, its settings, state and logs"
else
  echo "uninstall.sh: removed the Gantry agent; kept /etc/gantry, /var/lib/gantry and /var/log/gantry (--purge removes them)"
fi
