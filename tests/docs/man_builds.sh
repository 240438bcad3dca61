#!/bin/bash
# man_builds: scdoc turns man/rocketctl.1.scd into a man page without error, and man(1) or
# groff formats it without warnings.
# usage: man_builds.sh MAN_PAGE.scd [BUILT_PAGE]
# Exit 77 (skipped) when scdoc is missing (a failure when CI=true), or when neither man-db
# nor groff is installed.
set -u
src=$1
built=${2:-}
skip=77

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v scdoc >/dev/null 2>&1; then
    if [[ ${CI:-} == true ]]; then
        echo "FAIL: scdoc is not installed (CI=true: install the Debian package scdoc)"
        exit 1
    fi
    echo "SKIP: scdoc is not installed (Debian package scdoc)"
    exit $skip
fi

page=$tmp/rocketctl.1
if ! scdoc <"$src" >"$page" 2>"$tmp/scdoc.err" || [[ -s $tmp/scdoc.err ]]; then
    echo "FAIL: scdoc could not build $src:"
    cat "$tmp/scdoc.err"
    exit 1
fi
echo "scdoc: built $(wc -l <"$page") lines of roff"

# The page the build made (man/CMakeLists.txt) must be there and from this source.
if [[ -n $built ]]; then
    if [[ ! -s $built ]]; then
        echo "FAIL: the build did not make $built"
        exit 1
    fi
    # scdoc dates the page (.TH line); compare the rest.
    if ! diff <(grep -v '^\.TH ' "$built") <(grep -v '^\.TH ' "$page") >"$tmp/diff"; then
        echo "FAIL: $built is out of date with $src (rebuild):"
        head -20 "$tmp/diff"
        exit 1
    fi
fi

formatted=0
if command -v groff >/dev/null 2>&1; then
    # -ww: every warning; -z: no output, only the diagnostics.
    if ! groff -man -Tutf8 -ww -z "$page" 2>"$tmp/groff.err" || [[ -s $tmp/groff.err ]]; then
        echo "FAIL: groff warns about the page:"
        cat "$tmp/groff.err"
        exit 1
    fi
    echo "groff -man -ww: no warnings"
    formatted=1
fi
if command -v man >/dev/null 2>&1; then
    if ! MANWIDTH=80 MANPAGER=cat PAGER=cat LC_ALL=C.UTF-8 man -l "$page" >"$tmp/man.txt" 2>"$tmp/man.err" ||
        [[ -s $tmp/man.err ]]; then
        echo "FAIL: man -l could not format the page:"
        cat "$tmp/man.err"
        exit 1
    fi
    for heading in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" COMMANDS "JSON OUTPUT" "EXIT STATUS" \
        ENVIRONMENT FILES EXAMPLES NOTES "SEE ALSO"; do
        if ! grep -q "^$heading\$" "$tmp/man.txt"; then
            echo "FAIL: man -l output has no '$heading' heading"
            exit 1
        fi
    done
    # Formatting that scdoc let through: stray bold markers or font escapes.
    if grep -nE '(^|[[:space:]])\*[A-Za-z-]|[A-Za-z]\*([[:space:]]|$)|\\f[BIR]' "$tmp/man.txt" >"$tmp/stray"; then
        echo "FAIL: markup left in the formatted page:"
        cat "$tmp/stray"
        exit 1
    fi
    echo "man -l: $(wc -l <"$tmp/man.txt") lines, every section present"
    formatted=1
fi
if ((formatted == 0)); then
    echo "SKIP: neither man (man-db) nor groff is installed: the page was built but not formatted"
    exit $skip
fi
echo "PASS"
