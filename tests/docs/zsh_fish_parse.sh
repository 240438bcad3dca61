#!/bin/bash
# zsh_fish_parse: the zsh and fish completions are valid scripts of their shells.
# usage: zsh_fish_parse.sh ZSH_COMPLETION FISH_COMPLETION
# A missing shell fails the test when CI=true (CI installs zsh and fish), else skips it (77).
set -u
zsh_file=$1
fish_file=$2
failures=0
missing=()

if command -v zsh >/dev/null 2>&1; then
    if out=$(zsh -n "$zsh_file" 2>&1) && [[ -z $out ]]; then
        echo "ok: zsh -n $zsh_file"
    else
        echo "FAIL: zsh -n $zsh_file:"
        echo "$out"
        ((failures++))
    fi
    if ! head -n1 "$zsh_file" | grep -qx '#compdef rocketctl'; then
        echo "FAIL: $zsh_file does not start with '#compdef rocketctl'"
        ((failures++))
    fi
else
    missing+=(zsh)
fi

if command -v fish >/dev/null 2>&1; then
    if out=$(fish --no-execute "$fish_file" 2>&1) && [[ -z $out ]]; then
        echo "ok: fish --no-execute $fish_file"
    else
        echo "FAIL: fish --no-execute $fish_file:"
        echo "$out"
        ((failures++))
    fi
else
    missing+=(fish)
fi

((failures)) && exit 1
if ((${#missing[@]})); then
    if [[ ${CI:-} == true ]]; then
        echo "FAIL: not installed: ${missing[*]} (CI=true: install the Debian packages ${missing[*]})"
        exit 1
    fi
    echo "SKIP: not installed: ${missing[*]}"
    exit 77
fi
echo "PASS"
