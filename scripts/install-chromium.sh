#!/usr/bin/env bash
# Installs Chromium and a colour emoji font from Debian packages for the browser tests (tests/ScTransfer.Proof.Tests),
# only what is missing: a no-op on a machine that has both. Never lets a tool download a browser of its own. The font
# is what a phone has: without it the share page's screenshots (docs/images) show an empty box for its emoji.
set -euo pipefail

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || packages+=(fonts-noto-color-emoji)
if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-chromium: run as root (or install sudo) to apt-get install ${packages[*]}." >&2; exit 1; }
  sudo="sudo"
fi

echo "install-chromium: installing Debian ${packages[*]}..." >&2

$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
[ -x /usr/bin/chromium ] || { echo "install-chromium: apt-get finished but /usr/bin/chromium is missing." >&2; exit 1; }
