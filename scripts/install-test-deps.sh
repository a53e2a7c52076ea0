#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: a real MQTT broker and its clients,
# the tools the virtual rack uses for network namespaces (iproute2, arping) and for the link
# between two virtual sites (nftables), python3 for the small service behind the virtual IP,
# keepalived for the bench, and for the database tests and the Patroni comparison: PostgreSQL 15,
# Patroni and etcd (the site ticket's tests run their own etcd members from it too, in network
# namespaces). Prometheus itself, for the test that has a real server scrape the board's
# metrics endpoint.
# Idempotent: does nothing when everything is there already.
set -euo pipefail

needed=(mosquitto mosquitto-clients iproute2 iputils-arping keepalived procps python3 nftables
        postgresql-15 postgresql-client-15 patroni etcd-server etcd-client prometheus)
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
# The tests run their own PostgreSQL instances in temporary directories: no system cluster on
# 5432. Debian reads this before the package's post-install would create one.
mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/watchdog-tests.conf
apt-get update -qq
# Debian may start a system mosquitto on 1883; the tests start their own brokers on free ports.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the services it installs where it can; the tests start their own on free ports.
for service in etcd patroni prometheus prometheus-node-exporter; do
  if command -v systemctl >/dev/null && systemctl is-active -q "$service" 2>/dev/null; then
    systemctl disable --now -q "$service" || true
  fi
done
