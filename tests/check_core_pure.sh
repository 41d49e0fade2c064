#!/usr/bin/env bash
# src/core must use libc only: no libre, SQL, HTTP, JSON, sockets or ICU.
cd "${1:-.}" || exit 1
bad=$(grep -rlE '#include *[<"](re\.h|re_[a-z_]*\.h|sqlite3\.h|libpq-fe\.h|jansson\.h|microhttpd\.h|sys/socket\.h|unicode/[a-z_]*\.h|curl/curl\.h|sodium\.h)' src/core)
if [ -n "$bad" ]; then echo "impure core files: $bad"; exit 1; fi
echo "src/core is pure"
