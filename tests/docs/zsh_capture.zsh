#!/usr/bin/zsh -f
# zsh_capture.zsh FPATH_DIR LINE...: the matches zsh's completion system offers for each
# LINE<TAB>: a line "## LINE", then the matches one a line, as they would be inserted
# (prefix and suffix, e.g. "cells=").
# Runs one interactive zsh on a pseudo-terminal (zsh/zpty) with compinit and FPATH_DIR first
# in $fpath, wraps compadd to print each match, and for each LINE types it and a TAB.
# Exit 3 when zsh does not start or a completion does not finish.
zmodload zsh/zpty || exit 3
fdir=$1
shift
zpty z zsh -f -i || exit 3
zpty -w z "PROMPT= ; RPROMPT= ; COLUMNS=1000 ; unsetopt beep"
zpty -w z "fpath=(${(q)fdir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' list-grouped false; zstyle ':completion:*' insert-tab false"
# The markers are split in the typed text so that zle's echo of it never matches.
zpty -w z 'compadd () { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi; typeset -a __hits apre hpre hsuf asuf; builtin compadd -A __hits "$@"; local ret=$? h; (( $#__hits )) || return $ret; zparseopts -E P:=apre p:=hpre S:=asuf s:=hsuf; for h in $__hits; do print -r -- "<""HIT>${apre[2]}${hpre[2]}$h${hsuf[2]}${asuf[2]}</""HIT>"; done; builtin compadd "$@"; }'
zpty -w z "bindkey '^I' complete-word"
zpty -w z "capture-end() { print -r -- '<''DONE>'; BUFFER=; CURSOR=0; }; zle -N capture-end; bindkey '^X' capture-end"
zpty -w z "print -r -- '<''READY>'"

# read_until MARKER [print]: reads the terminal until MARKER, printing the matches if asked.
read_until() {
  local out; integer idle=0
  while (( idle < 200 )); do   # 10 s without output
    if zpty -r -t z out; then
      idle=0
      [[ $out == *$1* ]] && return 0
      if [[ -n $2 && $out == *'<HIT>'*'</HIT>'* ]]; then
        out=${out#*<HIT>}
        print -r -- ${out%%</HIT>*}
      fi
    else
      (( idle++ ))
      sleep 0.05
    fi
  done
  return 1
}
read_until '<READY>' || { print -u2 "zsh_capture: zsh did not start"; zpty -d z; exit 3; }
for line in "$@"; do
  print -r -- "## $line"
  zpty -w -n z "$line"$'\t'$'\x18'
  read_until '<DONE>' print || { print -u2 "zsh_capture: completion of '$line' did not finish"; zpty -d z; exit 3; }
done
zpty -d z
exit 0
