#!/bin/bash
# bash_completion: completions/rocketctl.bash completes what `rocketctl --help` documents.
# usage: bash_completion.sh ROCKETCTL COMPLETION_SCRIPT HELP_SURFACE_PY [PYTHON]
# Drives _rocketctl as bash does on <TAB> (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT)
# and checks COMPREPLY.
set -u
rocketctl=$1
script=$2
surface_py=$3
python=${4:-/usr/bin/python3}

# A fake /sys/class/net: two CAN interfaces (type 280) and two that are not.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for d in can0:280 vcan0:280 eth0:1 lo:772; do
    mkdir -p "$tmp/net/${d%%:*}"
    echo "${d#*:}" >"$tmp/net/${d%%:*}/type"
done
export _ROCKETCTL_SYS_CLASS_NET=$tmp/net
mkdir -p "$tmp/files/maps"
touch "$tmp/files/pack.dbc" "$tmp/files/OTHER.DBC" "$tmp/files/notes.txt" \
    "$tmp/files/bench.csv" "$tmp/files/OLD.CSV"
# settime --at offers the local time now; tests fix it.
now=2026-11-24T10:05:33
export _ROCKETCTL_NOW=$now

# shellcheck source=/dev/null
source "$script" || { echo "FAIL: sourcing $script"; exit 1; }
if [[ $(complete -p rocketctl 2>/dev/null) != "complete -F _rocketctl rocketctl" ]]; then
    echo "FAIL: $script does not register _rocketctl for rocketctl: $(complete -p rocketctl 2>&1)"
    exit 1
fi

failures=0
fail() {
    echo "FAIL: $*"
    ((failures++))
}

# complete LINE: splits LINE as bash does (words at blanks and at '=' and ':'), a trailing
# blank starting an empty word, and runs _rocketctl.
complete_line() {
    local line=$1 w
    COMP_LINE=$line
    COMP_POINT=${#line}
    COMP_WORDS=()
    # Split like COMP_WORDBREAKS (" \t\n\"'@><=;|&(:"): '=' and ':' become words of their own.
    local rest=$line word=""
    while [[ -n $rest ]]; do
        local ch=${rest:0:1}
        rest=${rest:1}
        case $ch in
            ' ')
                [[ -n $word ]] && COMP_WORDS+=("$word")
                word=""
                ;;
            '=' | ':')
                [[ -n $word ]] && COMP_WORDS+=("$word")
                COMP_WORDS+=("$ch")
                word=""
                ;;
            *) word+=$ch ;;
        esac
    done
    if [[ -n $word ]]; then
        COMP_WORDS+=("$word")
    elif [[ $line == *' ' ]]; then
        COMP_WORDS+=("")
    fi
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _rocketctl rocketctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>"$tmp/stderr"
    if [[ -s $tmp/stderr ]]; then
        fail "'$line<TAB>' wrote to stderr: $(cat "$tmp/stderr")"
    fi
}

# expect_exactly LINE WORD...: the replies are exactly these words (in any order).
expect_exactly() {
    local line=$1
    shift
    complete_line "$line"
    local got want
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
    want=$(printf '%s\n' "$@" | sort)
    [[ ${#COMPREPLY[@]} -eq 0 ]] && got=""
    [[ $# -eq 0 ]] && want=""
    if [[ $got != "$want" ]]; then
        fail "'$line<TAB>': expected [$(echo $want)], got [$(echo $got)]"
    else
        echo "ok: '$line<TAB>' -> [$(echo $got)]"
    fi
}

# expect_includes LINE WORD...: the replies include these words.
expect_includes() {
    local line=$1 w r found missing=()
    shift
    complete_line "$line"
    for w in "$@"; do
        found=0
        for r in "${COMPREPLY[@]}"; do [[ $r == "$w" ]] && found=1 && break; done
        ((found)) || missing+=("$w")
    done
    if ((${#missing[@]})); then
        fail "'$line<TAB>': missing [${missing[*]}] in [${COMPREPLY[*]}]"
    else
        echo "ok: '$line<TAB>' includes [$*]"
    fi
}

# expect_excludes LINE WORD...
expect_excludes() {
    local line=$1 w r
    shift
    complete_line "$line"
    for w in "$@"; do
        for r in "${COMPREPLY[@]}"; do
            [[ $r == "$w" ]] && fail "'$line<TAB>': offers '$w', which does not belong there"
        done
    done
}

# What --help documents.
if ! surface=$("$python" "$surface_py" "$rocketctl"); then
    echo "FAIL: could not read $rocketctl --help"
    exit 1
fi
mapfile -t commands < <(awk '$1 == "command" { print $2 }' <<<"$surface")
mapfile -t global_longs < <(awk '$1 == "option" && $2 == "-" && $3 ~ /^--/ { print $3 }' <<<"$surface")
mapfile -t sim_keys < <(awk '$1 == "simkey" { print $2 "=" }' <<<"$surface")
((${#commands[@]} > 0)) || { echo "FAIL: no commands in $rocketctl --help"; exit 1; }

# The cases of the brief.
expect_exactly "rocketctl " "${commands[@]}"
expect_exactly "rocketctl sta" status
expect_includes "rocketctl status --" --watch "${global_longs[@]}"
expect_excludes "rocketctl status --" --all --serial
expect_exactly "rocketctl -i " sim can0 vcan0
expect_exactly "rocketctl --lang " en it
expect_includes "rocketctl simulate -o " cells= "${sim_keys[@]}"
# More: option values in the other spellings, and the command after global options.
expect_exactly "rocketctl --lang=" en it
expect_exactly "rocketctl --lang i" it
expect_exactly "rocketctl -i v" vcan0
expect_exactly "rocketctl -i sim --address 2 --timeout 500 fa" faults
expect_exactly "rocketctl --json -i can0 c" cells check
expect_exactly "rocketctl simulate -o ce" cells= cell-count=
expect_exactly "rocketctl simulate -o standby=" 0 1
# simulate: several packs and a bench.
expect_exactly "rocketctl simulate --b" --bench --bench-gap --bench-loop
expect_exactly "rocketctl simulate -o pa" packs=
expect_exactly "rocketctl simulate -o loop=" 0 1
expect_exactly "rocketctl simulate -o clock=" now
expect_exactly "rocketctl simulate --clock " now
expect_exactly "rocketctl simulate --bench 5 --swap-every 2s --bench-" --bench-gap --bench-loop
expect_exactly "rocketctl simulate -o cells=3600" # a free value: nothing to offer
expect_exactly "rocketctl -i sim faults --a" --address --all
expect_includes "rocketctl -" -i -v -q -h --version --help
expect_includes "rocketctl --" "${global_longs[@]}"
expect_excludes "rocketctl --" --watch --all --option
(
    cd "$tmp/files" || exit 1
    expect_exactly "rocketctl --dbc " pack.dbc OTHER.DBC maps
    expect_exactly "rocketctl -i sim --dbc p" pack.dbc
    expect_exactly "rocketctl settime --auto --report " bench.csv OLD.CSV maps
    expect_exactly "rocketctl -i can0 settime --report=b" bench.csv
    exit "$failures"
) || failures=$((failures + $?))
# scan, settime and sleep.
expect_includes "rocketctl settime --" --auto --report --max-drift --count --at --expect-serial --all
expect_exactly "rocketctl sl" sleep
expect_exactly "rocketctl se" settime
expect_exactly "rocketctl s" status scan settime sleep simulate
expect_includes "rocketctl sleep -" -y --yes --expect-serial
expect_excludes "rocketctl sleep --" --auto --all --report
expect_excludes "rocketctl scan --" --all --auto --yes
expect_exactly "rocketctl settime --count " # a free value
expect_exactly "rocketctl settime --at " "$now"
expect_exactly "rocketctl settime --at=" "$now"
expect_exactly "rocketctl settime --at 2026-11" "$now"
expect_exactly "rocketctl settime --at 1999" # not now: nothing to offer
# Values with ':' are split by bash; the reply is what follows the last ':'.
expect_exactly "rocketctl settime --at 2026-11-24T10:" 05:33
expect_exactly "rocketctl settime --at 2026-11-24T10:05:" 33
expect_includes "rocketctl settime --at 2026-11-24T10:00:00 --" --auto --report
expect_exactly "rocketctl -i sim:serial=X se" settime
expect_includes "rocketctl -i sim:serial=X settime --" --auto --report
expect_exactly "rocketctl -i sim:" # a free value
# Without the test's fixed time, the computer's clock.
unset _ROCKETCTL_NOW
complete_line "rocketctl settime --at "
if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} =~ ^[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]$ ]]; then
    echo "ok: 'rocketctl settime --at <TAB>' -> the local time, ${COMPREPLY[0]}"
else
    fail "'rocketctl settime --at <TAB>' without _ROCKETCTL_NOW: expected the local time, got [${COMPREPLY[*]}]"
fi
export _ROCKETCTL_NOW=$now

# Coverage: after every command, every long option of that command and every global one.
for c in "${commands[@]}"; do
    mapfile -t own < <(awk -v c="$c" '$1 == "option" && $2 == c && $3 ~ /^--/ { print $3 }' <<<"$surface")
    expect_includes "rocketctl $c --" "${own[@]}" "${global_longs[@]}"
    mapfile -t shorts < <(awk -v c="$c" '$1 == "option" && ($2 == c || $2 == "-") && $3 !~ /^--/ { print $3 }' <<<"$surface")
    expect_includes "rocketctl $c -" "${shorts[@]}"
done
# ... and no option --help does not list.
mapfile -t all_longs < <(awk '$1 == "option" && $3 ~ /^--/ { print $3 }' <<<"$surface" | sort -u)
for c in "" "${commands[@]}"; do
    complete_line "rocketctl ${c:+$c }--"
    for r in "${COMPREPLY[@]}"; do
        printf '%s\n' "${all_longs[@]}" | grep -qxF -- "$r" ||
            fail "'rocketctl ${c:+$c }--<TAB>' offers $r, which --help does not list"
    done
done
complete_line "rocketctl simulate -o "
for r in "${COMPREPLY[@]}"; do
    printf '%s\n' "${sim_keys[@]}" | grep -qxF -- "$r" ||
        fail "'rocketctl simulate -o <TAB>' offers $r, which simulate --help does not list"
done

if ((failures)); then
    echo "$failures failure(s)"
    exit 1
fi
echo "PASS"
