#!/usr/bin/env bash
# cppcheck over src/ with the settings the project is kept clean against.
# scripts/jansson.cfg teaches cppcheck jansson's iteration macros.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c11 \
  -I src -DHAVE_INTTYPES_H -DHAVE_STDBOOL_H --suppress=missingIncludeSystem --inline-suppr \
  --library=scripts/jansson.cfg \
  src "$@"
