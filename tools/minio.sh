#!/bin/sh
# minio.sh builds MinIO, the S3-compatible peer seclake's blob tests and benchmarks run against, at a pinned
# version into a cache directory outside the repository, and prints the binary's path.
#
#   tools/minio.sh            build (once) and print the path
#   tools/minio.sh -n         print the path without building
#   SECLAKE_MINIO=$(tools/minio.sh) go test ./internal/blob/s3blob/...
#
# The version is a module pseudo-version the Go module proxy serves (MinIO tags its releases RELEASE.<date>,
# which are not semantic versions, so `go install` needs the pseudo-version of the commit).
set -eu

MINIO_VERSION=${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}
CACHE=${SECLAKE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/seclake}
BIN=$CACHE/minio-$MINIO_VERSION/minio

if [ "${1:-}" = -n ]; then
	echo "$BIN"
	exit 0
fi
if [ ! -x "$BIN" ]; then
	mkdir -p "$(dirname "$BIN")"
	echo "building github.com/minio/minio@$MINIO_VERSION into $(dirname "$BIN") (takes a few minutes)" >&2
	# Outside any module, so the repository's go.mod is neither read nor changed.
	(cd "$(dirname "$BIN")" && GOFLAGS=-mod=mod GOBIN="$(dirname "$BIN")" CGO_ENABLED=0 \
		go install "github.com/minio/minio@$MINIO_VERSION")
fi
echo "$BIN"
