#!/bin/sh
# Installs the Debian 12 packages citemill needs to build, test and run.
# Safe to run twice. Needs root (or sudo). See ../shared/platform.md for versions.
set -eu
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends \
  build-essential g++ cmake pkg-config make \
  openmpi-bin libopenmpi-dev libhdf5-openmpi-dev hdf5-tools \
  libarchive-dev zlib1g-dev libisal-dev libutf8proc-dev libxxhash-dev libsimdjson-dev \
  python3 python3-h5py python3-numpy python3-xxhash gzip zip tar bc time procps \
  chromium slurmctld slurmd slurm-client munge isal strace \
  iproute2 nftables util-linux
