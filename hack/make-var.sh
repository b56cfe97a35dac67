#!/usr/bin/env bash
# Prints variables of the Makefile, one per line, so scripts take tool paths,
# versions and flags from the one place that defines them.
#
#   hack/make-var.sh HELM LDFLAGS
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
(($# > 0)) || { echo "usage: $0 VARIABLE..." >&2; exit 2; }
# shellcheck disable=SC2016 # a make expression, not a shell one
make --no-print-directory -s -C "$root" --eval='print-var-%: ; @echo $($*)' "${@/#/print-var-}"
