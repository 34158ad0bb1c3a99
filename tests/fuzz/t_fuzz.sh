#!/bin/sh
# Every parser of outside input under libFuzzer (ASan+UBSan) for a short
# fixed time each (FUZZ_SECONDS, default 10), from the seed corpus in
# tests/fuzz/corpus/. Any crash, leak or sanitizer report fails.
exec sh "$(dirname "$0")/../../scripts/fuzz.sh"
