# fish completion for rocketctl(1); installed in fish/vendor_completions.d.

# The command given so far (status, cells, ...), skipping options and their values.
function __rocketctl_command
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $t
            case -i --iface --address --window --timeout --lang --dbc --trace -o --option --serial --cells --cell-count --sensors --flags --current --rsoc --clock --drift --fw --packs --bench --swap-every --bench-gap --pack-address --at --max-drift --expect-serial --count --report --output --format --since
                set skip 1
            case '-*'
            case '*'
                echo $t
                return 0
        end
    end
    return 1
end

function __rocketctl_using_command
    set -l cmd (__rocketctl_command)
    and contains -- $cmd $argv
end

# The subcommand of a command that has them (`log dump`), or flash's FILE: the word after
# the command.
function __rocketctl_subcommand
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    set -l words
    for t in $tokens
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $t
            case -i --iface --address --window --timeout --lang --dbc --trace -o --output --format --since --expect-serial
                set skip 1
            case '-*'
            case '*'
                set words $words $t
        end
    end
    test (count $words) -ge 2; or return 1
    echo $words[2]
end

# __rocketctl_using_subcommand log dump
function __rocketctl_using_subcommand
    __rocketctl_using_command $argv[1]; or return 1
    test "$(__rocketctl_subcommand)" = $argv[2]
end

# CAN interfaces of this machine (network devices of type 280, ARPHRD_CAN), the GCAN adapter
# and the simulator.
function __rocketctl_ifaces
    printf '%s\t%s\n' sim 'built-in simulated battery (sim:KEY=VALUE,... sets its options)'
    printf '%s\t%s\n' ecan 'GCAN USB-CAN adapter (ecan:DEVICE:CHANNEL[:usbcan-i])'
    set -l dir /sys/class/net
    set -q _ROCKETCTL_SYS_CLASS_NET; and set dir $_ROCKETCTL_SYS_CLASS_NET
    for d in $dir/*
        test -r $d/type; or continue
        if test (string trim -- (cat $d/type 2>/dev/null)) = 280
            printf '%s\t%s\n' (basename $d) 'CAN interface'
        end
    end
end

# Keys of `simulate -o KEY=VALUE` and `-i sim:KEY=VALUE,...`.
function __rocketctl_sim_keys
    printf '%s\n' \
        'bitrate=	pace the virtual bus like a real one, BPS (e.g. 250000)' \
        'address=	BMS address 1-63 (default 1)' \
        'serial=	serial number, up to 21 printable characters' \
        'hw=	hardware revision (default 3)' \
        'fw=	firmware version X.Y.Z (default 1.4.2)' \
        'cells=	cell voltages in mV, MV/MV/..., 1-32 cells' \
        'cell-count=	number of cells (reference voltages repeated)' \
        'sensors=	sensor temperatures in °C, C/C/..., 1-16 sensors' \
        'mos=	MOSFET temperature in °C' \
        'current=	pack current in mA (+ charging)' \
        'rsoc=	relative state of charge 0-100' \
        'rcap=	remaining capacity, mAh' \
        'fullcap=	full-charge capacity, mAh' \
        'flags=	status word, e.g. 0x41 (normal) or 0x841 (ODV)' \
        'balancing=	balancing word, bit k-1 = cell k' \
        'cycles=	cycle count' \
        'luchg=	longest time without charging, hours' \
        'shell=	shell resistance to B+ and B-, KOHM/KOHM or NULL' \
        'clock=	BMS clock at start, 2020-10-17T16:48:40 or now (local time)' \
        'drift=	start the clock S seconds ahead (-S: behind); pack k of several: k*S' \
        'delay=	time to the first response frame, ms (0-50)' \
        'standby=	start in standby, 0 or 1 (answers nothing)' \
        'packs=	N packs (1-63) at address, address+1, ...; serials counted up' \
        'addresses=	one pack at each address, A/B/... (instead of packs)' \
        "duplicate=	one more pack answering from pack 1's address, 0 or 1" \
        'bench=	N packs plugged in one at a time at address (1-1000)' \
        'swap=	bench: each pack present this long, e.g. 2s, 500ms (default 3s)' \
        'gap=	bench: silence between packs (default swap/2, at least 500ms)' \
        'loop=	bench: after the last pack, start again with pack 1, 0 or 1' \
        'load=	foreign traffic on PERCENT of the bus, 1-90' \
        'log=	event log records at start, 0-2000 (default 42)' \
        "bs=	diagnostic channel: block size of the BMS's flow control, 0-255 (default 32)" \
        "stmin=	diagnostic channel: raw STmin byte of the BMS's flow control (default 0)" \
        'maxblock=	maxNumberOfBlockLength for upload and download, 8-4095 (default 4095)' \
        'bootloader=	start in the bootloader with no valid application, 0 or 1' \
        'erase=	time the flash erase takes (default 1200ms)' \
        'lose=	fault: the N-th UDS response is not sent' \
        'corrupt=	fault: the N-th downloaded block is written with a flipped bit' \
        'resetblock=	fault: the pack restarts on receiving the N-th downloaded block' \
        'cut=	fault: the power fails once at EVENT[/N] (erase_started, erase_done, block, verified, reset)' \
        'link=	-i sim only: the link is ok, down, noack, passive or busoff (for doctor)'
end

# Files ending in one of $argv (any case, e.g. .dbc) and directories, for --dbc, --report,
# log dump -o and flash FILE.
function __rocketctl_files
    set -l cur (string replace -r -- '^--[a-z-]+=' '' (commandline -ct))
    for f in $cur*
        if test -d $f
            echo $f/
        else
            for ext in $argv
                if string match -qi -- "*$ext" $f
                    echo $f
                    break
                end
            end
        end
    end
end

# The computer's local time now, in the form settime --at takes, as a starting point.
function __rocketctl_now
    set -l now $_ROCKETCTL_NOW
    set -q _ROCKETCTL_NOW; or set now (date +%Y-%m-%dT%H:%M:%S)
    printf '%s\t%s\n' $now 'now (local time)'
end

complete -c rocketctl -f

# Commands
complete -c rocketctl -n 'not __rocketctl_command' -a status -d "Show everything BMS Studio's monitoring page shows"
complete -c rocketctl -n 'not __rocketctl_command' -a cells -d 'Show every cell voltage, the max diff-voltage and balancing'
complete -c rocketctl -n 'not __rocketctl_command' -a faults -d 'Explain every status light that is not normal'
complete -c rocketctl -n 'not __rocketctl_command' -a scan -d 'List every BMS on the bus; warn when two packs share an address'
complete -c rocketctl -n 'not __rocketctl_command' -a log -d "Read the pack's event log (log dump)"
complete -c rocketctl -n 'not __rocketctl_command' -a settime -d "Set the BMS clock from this computer's, and verify it"
complete -c rocketctl -n 'not __rocketctl_command' -a sleep -d 'Put the pack into standby (wake it by charging for 1-2 s)'
complete -c rocketctl -n 'not __rocketctl_command' -a flash -d "Update the pack's firmware; a failed update is finished by running it again"
complete -c rocketctl -n 'not __rocketctl_command' -a doctor -d 'Tell what is wrong with the CAN link to the pack and what to do'
complete -c rocketctl -n 'not __rocketctl_command' -a simulate -d 'Run the simulated battery on a CAN interface until stopped'
complete -c rocketctl -n 'not __rocketctl_command' -a check -d 'Check the pack against a limits file: PASS/FAIL per limit, JUnit XML for CI'
complete -c rocketctl -n 'not __rocketctl_command' -a decode -d 'Explain a candump log or --trace file: one line per protocol message'

# Global options (accepted before and after the command)
complete -c rocketctl -s i -l iface -x -a '(__rocketctl_ifaces)' -d 'CAN interface: can0, socketcan:can0, ecan, ecan:DEVICE:CHANNEL, sim, sim:KEY=VALUE,...'
complete -c rocketctl -l address -x -a 'all' -d 'BMS address 1-63 (default 1), a list like 1,3,5-8, or all'
complete -c rocketctl -l window -x -d 'With several packs: at most N in flight at once, 1-63 (default 16)'
complete -c rocketctl -l timeout -x -d 'Poll timeout in ms before a retry, 10-60000 (default 250)'
complete -c rocketctl -l json -d 'Print one JSON object per result'
complete -c rocketctl -l lang -x -a 'en\tEnglish it\tItalian' -d 'Language of fault texts'
complete -c rocketctl -l dbc -x -a '(__rocketctl_files .dbc)' -d 'Use another frame map (DBC file)'
complete -c rocketctl -l trace -r -F -d 'Write every CAN frame sent and received to FILE (candump log format)'
complete -c rocketctl -s v -l verbose -d 'More detail on stderr; -vv traces every frame'
complete -c rocketctl -s q -l quiet -d 'Only errors on stderr'
complete -c rocketctl -l version -d 'Print the version and exit'
complete -c rocketctl -s h -l help -d 'Print help and exit'

# status
complete -c rocketctl -n '__rocketctl_using_command status' -l watch -d 'Keep refreshing every SECONDS (default 2)'
complete -c rocketctl -n '__rocketctl_using_command status' -l record -x -a '(__rocketctl_files .csv .jsonl)' -d 'Append every sample as a row to FILE.csv or FILE.jsonl'
complete -c rocketctl -n '__rocketctl_using_command status' -l max-size -x -d 'With --record: rotate at SIZE (e.g. 10M), keeping FILE.1 ... FILE.5'

# check
complete -c rocketctl -n '__rocketctl_using_command check' -l limits -x -a '(__rocketctl_files .toml)' -d 'The limits file (TOML)'
complete -c rocketctl -n '__rocketctl_using_command check' -l samples -x -d 'Read the pack N times, judge each limit on its worst value'
complete -c rocketctl -n '__rocketctl_using_command check' -l interval -x -d 'Seconds between two samples (default 1)'
complete -c rocketctl -n '__rocketctl_using_command check' -l junit -x -a '(__rocketctl_files .xml)' -d 'Also write the results as JUnit XML for CI'
complete -c rocketctl -n '__rocketctl_using_command check' -l all -d 'Every pack that answers a broadcast CONNECT, one test suite each'

# faults
complete -c rocketctl -n '__rocketctl_using_command faults' -l all -d "Show all 27 lights, like BMS Studio's panel"

# settime
complete -c rocketctl -n '__rocketctl_using_command settime' -l at -x -a '(__rocketctl_now)' -d 'Set this time (YYYY-MM-DDTHH:MM:SS) instead of the local time'
complete -c rocketctl -n '__rocketctl_using_command settime' -l max-drift -x -d 'Set only when the clock is off by more than SECONDS'
complete -c rocketctl -n '__rocketctl_using_command settime' -l expect-serial -x -d 'Refuse to write when another pack answers'
complete -c rocketctl -n '__rocketctl_using_command settime' -l all -d 'Every pack that answers a broadcast CONNECT'
complete -c rocketctl -n '__rocketctl_using_command settime' -l auto -d 'Bench mode: calibrate each new pack plugged in until Ctrl-C'
complete -c rocketctl -n '__rocketctl_using_command settime' -l count -x -d 'With --auto: stop after N packs'
complete -c rocketctl -n '__rocketctl_using_command settime' -l report -x -a '(__rocketctl_files .csv)' -d 'With --auto: append one CSV row per pack to FILE'

# log dump
complete -c rocketctl -n '__rocketctl_using_command log; and not __rocketctl_subcommand' -a dump -d 'Read the whole event log: print it, or save it as .xlsx, .csv or .json'
complete -c rocketctl -n '__rocketctl_using_subcommand log dump' -s o -l output -x -a '(__rocketctl_files .xlsx .csv .json)' -d 'Save to FILE, written whole or not at all'
complete -c rocketctl -n '__rocketctl_using_subcommand log dump' -l format -x -a 'xlsx csv json' -d 'File format (default: from the name)'
complete -c rocketctl -n '__rocketctl_using_subcommand log dump' -l force -d 'Replace FILE when it exists'
complete -c rocketctl -n '__rocketctl_using_subcommand log dump' -l since -x -d 'Only records from DATE on (YYYY-MM-DD[THH:MM:SS], BMS time)'

# sleep
complete -c rocketctl -n '__rocketctl_using_command sleep' -s y -l yes -d 'Do not ask for confirmation (required without a terminal)'
complete -c rocketctl -n '__rocketctl_using_command sleep' -l expect-serial -x -d 'Refuse when another pack answers'

# flash FILE
complete -c rocketctl -n '__rocketctl_using_command flash; and not __rocketctl_subcommand' -a '(__rocketctl_files .bin .hex)'
complete -c rocketctl -n '__rocketctl_using_command flash' -s y -l yes -d 'Do not ask for confirmation (required without a terminal)'
complete -c rocketctl -n '__rocketctl_using_command flash' -l expect-serial -x -d 'Refuse when another pack answers'
complete -c rocketctl -n '__rocketctl_using_command flash' -l dry-run -d 'Check the image and the pack, change nothing'
complete -c rocketctl -n '__rocketctl_using_command flash' -l allow-downgrade -d 'Accept an image older than the running firmware'
complete -c rocketctl -n '__rocketctl_using_command flash' -l force -d 'Accept an image of the version already running'

# simulate
complete -c rocketctl -n '__rocketctl_using_command simulate' -s o -l option -x -a '(__rocketctl_sim_keys)' -d 'Set a battery option KEY=VALUE (repeatable)'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l serial -x -d 'Serial number (default RKS3611A201000123)'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l cells -x -d 'Cell voltages in mV, e.g. 3600,3650,3700'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l cell-count -x -d 'Number of cells (reference voltages repeated)'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l sensors -x -d 'Sensor temperatures in °C, e.g. 21.1,21.2'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l flags -x -d 'Status word, e.g. 0x41 (normal), 0x841 (ODV)'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l current -x -d 'Pack current in mA (+ charging)'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l rsoc -x -d 'Relative state of charge, %'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l clock -x -a 'now\t"local time"' -d 'BMS clock at start, e.g. 2020-10-17T16:48:40, or now'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l drift -x -d 'Start the clock S seconds ahead; pack k of several: k*S'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l fw -x -d 'Firmware version, e.g. 1.4.2'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l packs -x -d 'Run N packs (1-63) at --address, --address+1, ...'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l pack-address -x -d 'Run a pack at this address (repeatable; instead of --packs)'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l duplicate-address -d "Add a pack answering from the first pack's address"
complete -c rocketctl -n '__rocketctl_using_command simulate' -l bench -x -d 'Plug N packs in one at a time at --address'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l swap-every -x -d 'With --bench: each pack present this long, e.g. 2s (default 3s)'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l bench-gap -x -d 'With --bench: silence between packs (default half of --swap-every)'
complete -c rocketctl -n '__rocketctl_using_command simulate' -l bench-loop -d 'With --bench: after the last pack, start again with the first'

# decode [FILE|-]
complete -c rocketctl -n '__rocketctl_using_command decode' -F -d 'candump log'
