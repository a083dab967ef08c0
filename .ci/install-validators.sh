#!/usr/bin/env bash
# Install the Debian validators the bootstrap tests run for real (cloud-init schema, shellcheck,
# systemd-analyze verify, and socat, which a unit's ExecStart names). No-op when all are present.
set -euo pipefail
missing=()
command -v cloud-init >/dev/null 2>&1 || missing+=(cloud-init)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v socat >/dev/null 2>&1 || missing+=(socat)
# The host scripts' own tools, which the tests run for real.
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# The PR-comment workflow's script, run by test/plan/workflow.test.ts, unpacks its artifact.
command -v zip >/dev/null 2>&1 || missing+=(zip)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
# The host agent's attestation verifier runs under the system python3 with the distribution's
# cryptography, as on Amazon Linux 2023 (python3-cryptography there too).
/usr/bin/python3 -c 'import cryptography' >/dev/null 2>&1 || missing+=(python3-cryptography)
if [ "${#missing[@]}" -eq 0 ]; then
  echo "validators present: cloud-init, shellcheck, systemd-analyze, socat, jq, curl, openssl, zip, unzip, python3-cryptography"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to apt-get install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing: ${missing[*]}"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
