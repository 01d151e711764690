#!/bin/sh
# The browser test drives Debian's Chromium (never a browser build downloaded by Playwright).
# Installs it when /usr/bin/chromium is missing; needs root (apt-get), as on the project's machines.
set -e
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
echo "installing Debian's chromium for the browser test"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
test -x /usr/bin/chromium
