# bash completion for rocketctl(1)                                     -*- shell-script -*-
# Installed as bash-completion/completions/rocketctl; also works when sourced directly
# (it needs nothing from the bash-completion package).

_rocketctl_commands="status cells faults scan log settime sleep flash doctor simulate check decode"
# Global options; they are accepted before and after the command.
_rocketctl_global_opts_arg="-i --iface --address --window --timeout --lang --dbc --trace"
_rocketctl_global_opts_flag="--json -v --verbose -q --quiet --version -h --help"
_rocketctl_status_opts="--watch"
_rocketctl_status_opts_arg="--record --max-size"
_rocketctl_cells_opts=""
_rocketctl_faults_opts="--all"
_rocketctl_scan_opts=""
_rocketctl_doctor_opts=""
_rocketctl_settime_opts_arg="--at --max-drift --expect-serial --count --report"
_rocketctl_settime_opts_flag="--all --auto"
_rocketctl_sleep_opts_arg="--expect-serial"
_rocketctl_sleep_opts_flag="-y --yes"
# `flash FILE`: FILE is a .bin or .hex image.
_rocketctl_flash_opts_arg="--expect-serial"
_rocketctl_flash_opts_flag="-y --yes --dry-run --allow-downgrade --force"
_rocketctl_simulate_opts_arg="-o --option --serial --cells --cell-count --sensors --flags --current --rsoc --clock --drift --fw --packs --bench --swap-every --bench-gap --pack-address"
_rocketctl_simulate_opts_flag="--duplicate-address --bench-loop"
_rocketctl_check_opts_arg="--limits --samples --interval --junit"
_rocketctl_check_opts_flag="--all"
# `log` has subcommands; `log dump` has options.
_rocketctl_log_commands="dump"
_rocketctl_log_dump_opts_arg="-o --output --format --since"
_rocketctl_log_dump_opts_flag="--force"
# Keys of `simulate -o KEY=VALUE` and `-i sim:KEY=VALUE,...` (sim::option_help()).
_rocketctl_sim_keys="bitrate address serial hw fw cells cell-count sensors mos current rsoc rcap fullcap flags balancing cycles luchg shell clock drift delay standby packs addresses duplicate bench swap gap loop load log bs stmin maxblock bootloader erase lose corrupt resetblock cut link"

# CAN interfaces of this machine: network devices of type 280 (ARPHRD_CAN).
_rocketctl_can_ifaces() {
    local dir=${_ROCKETCTL_SYS_CLASS_NET:-/sys/class/net} d type
    for d in "$dir"/*; do
        [[ -r $d/type ]] || continue
        read -r type <"$d/type" 2>/dev/null || continue
        [[ $type == 280 ]] && printf '%s\n' "${d##*/}"
    done
}

# True when option $1 takes a value in the next word.
_rocketctl_takes_arg() {
    local o
    for o in $_rocketctl_global_opts_arg $_rocketctl_simulate_opts_arg \
        $_rocketctl_settime_opts_arg $_rocketctl_sleep_opts_arg $_rocketctl_log_dump_opts_arg \
        $_rocketctl_flash_opts_arg $_rocketctl_status_opts_arg $_rocketctl_check_opts_arg; do
        [[ $1 == "$o" ]] && return 0
    done
    return 1
}

# Completes the value of option $1 for the word $2.
_rocketctl_complete_value() {
    local opt=$1 cur=$2
    case $opt in
        -i | --iface)
            local cands
            cands="sim ecan $(_rocketctl_can_ifaces)"
            mapfile -t COMPREPLY < <(compgen -W "$cands" -- "$cur")
            ;;
        --lang)
            mapfile -t COMPREPLY < <(compgen -W "en it" -- "$cur")
            ;;
        --dbc)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -X '!*.[dD][bB][cC]' -- "$cur"; compgen -d -- "$cur")
            ;;
        --trace)
            # --trace FILE: any file (a candump log), and folders
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            ;;
        --report)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -X '!*.[cC][sS][vV]' -- "$cur"; compgen -d -- "$cur")
            ;;
        --limits)
            # check --limits: TOML limits files, and folders
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -X '!*.[tT][oO][mM][lL]' -- "$cur"; compgen -d -- "$cur")
            ;;
        --junit)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -X '!*.[xX][mM][lL]' -- "$cur"; compgen -d -- "$cur")
            ;;
        --record)
            # status --record: the formats it writes, and folders
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -X '!*.[cC][sS][vV]' -- "$cur"
                compgen -f -X '!*.[jJ][sS][oO][nN][lL]' -- "$cur"
                compgen -d -- "$cur")
            ;;
        --output)
            # log dump -o: the formats it writes, and folders
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -X '!*.[xX][lL][sS][xX]' -- "$cur"
                compgen -f -X '!*.[cC][sS][vV]' -- "$cur"
                compgen -f -X '!*.[jJ][sS][oO][nN]' -- "$cur"
                compgen -d -- "$cur")
            ;;
        --format)
            mapfile -t COMPREPLY < <(compgen -W "xlsx csv json" -- "$cur")
            ;;
        flash)
            # flash FILE: firmware images, and folders
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -X '!*.[bB][iI][nN]' -- "$cur"
                compgen -f -X '!*.[hH][eE][xX]' -- "$cur"
                compgen -d -- "$cur")
            ;;
        --at)
            # The computer's local time now, in the form --at takes, as a starting point.
            local now=${_ROCKETCTL_NOW:-$(date +%Y-%m-%dT%H:%M:%S)}
            mapfile -t COMPREPLY < <(compgen -W "$now" -- "$cur")
            ;;
        --clock)
            mapfile -t COMPREPLY < <(compgen -W "now" -- "$cur")
            ;;
        -o | --option)
            if [[ $cur == *=* ]]; then
                local key=${cur%%=*} val=${cur#*=}
                case $key in
                    standby | duplicate | loop | bootloader)
                        mapfile -t COMPREPLY < <(compgen -P "$key=" -W "0 1" -- "$val") ;;
                    clock)
                        mapfile -t COMPREPLY < <(compgen -P "$key=" -W "now" -- "$val") ;;
                    link)
                        mapfile -t COMPREPLY < <(compgen -P "$key=" -W "ok down noack passive busoff" -- "$val") ;;
                esac
                return 0
            fi
            compopt -o nospace 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -S = -W "$_rocketctl_sim_keys" -- "$cur")
            ;;
        *)
            COMPREPLY=()
            ;;
    esac
    return 0
}

_rocketctl() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=${COMP_WORDS[COMP_CWORD-1]}
    local cword=$COMP_CWORD
    COMPREPLY=()

    # `--opt=value` and `-o key=value`: bash splits words at '=' (COMP_WORDBREAKS).
    # Readline completes the text after the '=', so the replies leave out what precedes it.
    if [[ $cur == = ]]; then
        # "--lang=" <TAB>, "-o standby=" <TAB>: the value is still empty
        cur=""
        if [[ $prev == --* ]]; then
            _rocketctl_complete_value "$prev" ""
            return 0
        fi
        if [[ $cword -ge 2 && ( ${COMP_WORDS[COMP_CWORD-2]} == -o || ${COMP_WORDS[COMP_CWORD-2]} == --option ) ]]; then
            _rocketctl_complete_value -o "$prev="
            local i
            for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]#*=}; done
            return 0
        fi
    elif [[ $prev == = && $cword -ge 2 ]]; then
        local before=${COMP_WORDS[COMP_CWORD-2]}
        if [[ $before == --* ]]; then
            _rocketctl_complete_value "$before" "$cur"
            return 0
        fi
        # -o KEY = VALUE
        if [[ $cword -ge 3 && ( ${COMP_WORDS[COMP_CWORD-3]} == -o || ${COMP_WORDS[COMP_CWORD-3]} == --option ) ]]; then
            _rocketctl_complete_value -o "$before=$cur"
            local i
            for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]#*=}; done
            return 0
        fi
    elif [[ $cur == --*=* ]]; then
        # COMP_WORDBREAKS without '='
        local opt=${cur%%=*}
        _rocketctl_complete_value "$opt" "${cur#*=}"
        local i
        for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]="$opt=${COMPREPLY[i]}"; done
        return 0
    fi

    # A value holding ':' (`--at 2026-11-24T10:00`, `-i sim:cells=...`): bash splits words at
    # ':' too. Join the parts again, complete the whole value, and reply with the text after
    # its last ':' (what readline replaces).
    if [[ $cur == : || $prev == : ]]; then
        local j=$cword value=""
        while ((j > 1)) && [[ ${COMP_WORDS[j]} == : || ${COMP_WORDS[j-1]} == : ]]; do
            value=${COMP_WORDS[j]}$value
            ((j--))
        done
        value=${COMP_WORDS[j]}$value
        local opt=${COMP_WORDS[j-1]}
        [[ $opt == = && $j -ge 2 ]] && opt=${COMP_WORDS[j-2]}
        if [[ $opt == -* ]] && _rocketctl_takes_arg "$opt"; then
            _rocketctl_complete_value "$opt" "$value"
            local i head=${value%:*}:
            for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]#"$head"}; done
        fi
        return 0
    fi

    # The command: the first word that is neither an option nor an option's value.
    local i=1 word command=""
    while ((i < cword)); do
        word=${COMP_WORDS[i]}
        if [[ $word == -* ]]; then
            if [[ $word != *=* ]] && _rocketctl_takes_arg "$word"; then
                ((i++))
                # --opt = value
                [[ ${COMP_WORDS[i]} == = ]] && ((i += 1))
                # a value split at ':' or '=' (sim:cells=..., 2026-11-24T10:00:00)
                while ((i + 2 < cword)) && [[ ${COMP_WORDS[i+1]} == [:=] ]]; do ((i += 2)); done
            fi
        elif [[ $word != = ]]; then
            command=$word
            break
        fi
        ((i++))
    done

    # A subcommand (`log dump`), or flash's FILE: the next word after the command that is
    # not an option.
    local subcommand=""
    if [[ $command == log || $command == flash ]]; then
        ((i++))
        while ((i < cword)); do
            word=${COMP_WORDS[i]}
            if [[ $word == -* ]]; then
                if [[ $word != *=* ]] && _rocketctl_takes_arg "$word"; then
                    ((i++))
                    # --opt = value, and a value split at ':' or '='
                    [[ ${COMP_WORDS[i]} == = ]] && ((i += 1))
                    while ((i + 2 < cword)) && [[ ${COMP_WORDS[i+1]} == [:=] ]]; do ((i += 2)); done
                fi
            elif [[ $word != [:=] ]]; then
                subcommand=$word
                break
            fi
            ((i++))
        done
    fi

    if _rocketctl_takes_arg "$prev"; then
        # `--watch` has an optional value; every other option here needs one.
        if [[ $command == log && $prev == -o ]]; then
            _rocketctl_complete_value --output "$cur"  # log dump -o FILE, not simulate -o KEY=
        else
            _rocketctl_complete_value "$prev" "$cur"
        fi
        return 0
    fi

    if [[ -z $command ]]; then
        if [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W "$_rocketctl_global_opts_arg $_rocketctl_global_opts_flag" -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W "$_rocketctl_commands" -- "$cur")
        fi
        return 0
    fi

    local opts
    case $command in
        status) opts="$_rocketctl_status_opts $_rocketctl_status_opts_arg" ;;
        cells) opts=$_rocketctl_cells_opts ;;
        faults) opts=$_rocketctl_faults_opts ;;
        scan) opts=$_rocketctl_scan_opts ;;
        doctor) opts=$_rocketctl_doctor_opts ;;
        settime) opts="$_rocketctl_settime_opts_arg $_rocketctl_settime_opts_flag" ;;
        sleep) opts="$_rocketctl_sleep_opts_arg $_rocketctl_sleep_opts_flag" ;;
        flash)
            # FILE first; once given, only options.
            if [[ -z $subcommand && $cur != -* ]]; then
                _rocketctl_complete_value flash "$cur"
                return 0
            fi
            opts="$_rocketctl_flash_opts_arg $_rocketctl_flash_opts_flag"
            ;;
        simulate) opts="$_rocketctl_simulate_opts_arg $_rocketctl_simulate_opts_flag" ;;
        check) opts="$_rocketctl_check_opts_arg $_rocketctl_check_opts_flag" ;;
        decode)
            # decode [FILE|-]: any file (a candump log)
            if [[ $cur != -* ]]; then
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -f -- "$cur")
                return 0
            fi
            opts=""
            ;;
        log)
            case $subcommand in
                "")
                    if [[ $cur != -* ]]; then
                        mapfile -t COMPREPLY < <(compgen -W "$_rocketctl_log_commands" -- "$cur")
                        return 0
                    fi
                    opts=""
                    ;;
                dump) opts="$_rocketctl_log_dump_opts_arg $_rocketctl_log_dump_opts_flag" ;;
                *) return 0 ;;
            esac
            ;;
        *) return 0 ;;
    esac
    if [[ $cur == -* || -z $cur ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$opts $_rocketctl_global_opts_arg $_rocketctl_global_opts_flag" -- "$cur")
    fi
    return 0
}

complete -F _rocketctl rocketctl

# ex: filetype=sh
