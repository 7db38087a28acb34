#!/usr/bin/env bash
# Installs what cnn-zoo needs from Debian's packages, skipping what is already there.
# Safe to run any number of times.
set -euo pipefail

packages=(libhdf5-dev hdf5-tools libopenblas-dev pkg-config zlib1g-dev libpng-dev libjpeg62-turbo-dev dataset-fashion-mnist librsvg2-bin openmpi-bin)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all system packages present (${packages[*]})"
    exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
