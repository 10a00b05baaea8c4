#!/bin/sh
# Installs the build into a temporary prefix, then configures, builds and runs a separate
# project that finds it with find_package(kb_clients).  Usage: install_test.sh <build dir> <src>
set -eu
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$src/clients/tests/install_consumer" -B "$work/consumer" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
out=$("$work/consumer/consumer")
echo "$out"
[ "$out" = "This server does not host this topic-partition.
network error
-973932308
producer network error" ]
