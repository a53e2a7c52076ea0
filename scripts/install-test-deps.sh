#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: a real MQTT broker and its clients,
# the tools the virtual rack uses for network namespaces (iproute2, arping), python3 for the
# small service behind the virtual IP, and keepalived for the bench.
# Idempotent: does nothing when everything is there already.
set -euo pipefail

needed=(mosquitto mosquitto-clients iproute2 iputils-arping keepalived procps python3)
missing=()
for pkg in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: missing Debian packages: ${missing[*]}" >&2
  echo "install-test-deps: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Debian may start a system mosquitto on 1883; the tests start their own brokers on free ports.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
