#!/usr/bin/env bash
# Installs Chromium from Debian packages for the browser tests (tests/ScTransfer.Proof.Tests), only when it is
# missing: a no-op on a machine that has /usr/bin/chromium. Never lets a tool download a browser of its own.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-chromium: run as root (or install sudo) to apt-get install chromium." >&2; exit 1; }
  sudo="sudo"
fi

echo "install-chromium: installing Debian chromium..." >&2

$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "install-chromium: apt-get finished but /usr/bin/chromium is missing." >&2; exit 1; }
