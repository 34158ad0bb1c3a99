#!/bin/sh
# The end-to-end suite against the ThreadSanitizer build.
exec sh "$(dirname "$0")/run_suite.sh" tsan "$(cd "$(dirname "$0")/../.." && pwd)/build-tsan/tmdb-ingest"
