#!/usr/bin/env bash
# Installs the Debian 12 packages stampede needs, and only those that are missing.
#   scripts/install-deps.sh          what building and running needs
#   scripts/install-deps.sh --test   also what the tests need (headless Chromium, nginx, wrk,
#                                    the openssl CLI that makes the TLS tests' certificates,
#                                    strace that counts the load generator's syscalls)
set -euo pipefail

# ca-certificates: the system store an https load test verifies against.
packages=(cmake ninja-build g++ libcaf-dev libboost1.81-dev libssl-dev ca-certificates
          libyaml-cpp-dev catch2 libthrust-dev libcli11-dev nlohmann-json3-dev libjs-chart.js
          libbenchmark-dev)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(chromium nginx wrk openssl strace)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "installing: ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
