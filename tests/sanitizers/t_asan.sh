#!/bin/sh
# The end-to-end suite against the AddressSanitizer + UBSan build.
exec sh "$(dirname "$0")/run_suite.sh" asan "$(cd "$(dirname "$0")/../.." && pwd)/build-asan/tmdb-ingest"
