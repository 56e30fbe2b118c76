#!/bin/sh
# test_malformed_lessons.sh - lessons with a mistake (an unknown key, an
# action or answer that does not parse, choices that cannot match the
# answer, a caption too long for its bar, a set: key or value the
# experiment refuses, an inline experiment in error, a missing experiment
# file): `ihgtui --check` must exit 2 with "FILE:LINE:COLUMN: message" at
# the place in the lesson (tests/malformed-lessons/*.expect).
exec sh "${top_srcdir:-.}/tests/test_malformed.sh" malformed-lessons
