#!/usr/bin/env bash
# Set up everything kiban and its tests need on a fresh Debian or Ubuntu machine:
# the Debian packages below, then a virtualenv in .venv with the pinned requirements.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use (one per line, with why).
APT_PACKAGES=(
  iproute2      # the lab: ip netns, veth pairs, bridges
  nftables      # the lab's router firewall (nft and its JSON API)
  iputils-ping  # ICMP checks of the verification suite
  cloud-init    # `cloud-init schema` and its JSON schema: every rendered user data is checked against them
  graphviz      # kiban report: `dot` lays out the network picture (the pip package graphviz only drives it)
  fonts-noto-cjk  # kiban report: Noto Sans CJK JP, subset into the page so it reads offline in Japanese
  chromium        # the report's tests and bench open it as a person would: headless, screenshots, print to PDF
  chromium-driver # chromedriver, through which Selenium drives that Chromium (same Debian version)
  openssh-client  # kiban ssh-config's tests read the written config back with `ssh -G`
  openssh-server  # a real sshd: on loopback behind a bastion (ssh-config's slow test), and `kiban lab up --ssh` in every lab host
  sudo            # the rehearsal: Ansible and testinfra escalate with sudo (become) on each lab host, as on a real one
)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
# pip's output goes to a log that is shown only when it fails, so set-up stays quiet.
log=$(mktemp)
if ! { .venv/bin/python -m pip install --quiet --upgrade pip &&
  .venv/bin/python -m pip install --quiet -r requirements-dev.txt -e .; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "setup: pip install failed (see above)" >&2
  exit 1
fi
rm -f "$log"
.venv/bin/kiban --help >/dev/null
