#!/bin/sh
# test_malformed_data.sh - experiments that parse but whose data or model
# cannot be set up (missing or malformed CSV files, an image directory that
# does not exist, a model too large, exact refused): `ihgtui --check` must
# exit 2 with "FILE:LINE:COLUMN: message" (tests/malformed-data/*.expect).
exec sh "${top_srcdir:-.}/tests/test_malformed.sh" malformed-data
