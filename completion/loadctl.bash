# bash completion for loadctl(1)                           -*- shell-script -*-
# Installed as .../bash-completion/completions/loadctl. Completes commands,
# subcommands and flags, scenario files (*.json) for "scenario put" and
# "run", dataset files for "data put", report formats and output files. Names and IDs are not fetched from
# the server: completion never blocks on the network.

_loadctl()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	local global_opts='--server --token --json --help'
	local commands='health scenario run ls status wait watch stop rm report
	    compare baseline data help'

	# Values of options that take one.
	case $prev in
	--server)
		COMPREPLY=($(compgen -W 'http://127.0.0.1:7878 unix:/run/loadd/loadd.sock' -- "$cur"))
		return
		;;
	--token | --scenario | -s | --label | -l | --var | -v | --baseline | -b | \
	    --tolerance | -t | --run | -r | --limit | -n | --shard | --execution | \
	    --collector | --start-at)
		return
		;;
	--status | -S)
		COMPREPLY=($(compgen -W 'queued running completed stopped
		    aborted failed interrupted' -- "$cur"))
		return
		;;
	--format | -f)
		local formats='json md csv html junit'
		local w
		for w in "${words[@]:1:cword-1}"; do
			if [[ $w == compare ]]; then
				formats='json md'
				break
			fi
		done
		COMPREPLY=($(compgen -W "$formats" -- "$cur"))
		return
		;;
	--output | -o)
		_loadctl_files '*'
		return
		;;
	esac

	# Find the command and subcommand, skipping global options.
	local i cmd= sub= w
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		--server | --token)
			((i++))
			;;
		-*) ;;
		*)
			if [[ -z $cmd ]]; then
				cmd=$w
			elif [[ -z $sub ]]; then
				sub=$w
				break
			fi
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$global_opts --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	local opts=
	case $cmd in
	health | status | stop | rm)
		opts=
		;;
	scenario)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W 'put ls show rm' -- "$cur"))
			return
		fi
		if [[ $sub == put && $cur != -* ]]; then
			_loadctl_files '*.json'
			return
		fi
		;;
	baseline)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W 'set ls show rm' -- "$cur"))
			return
		fi
		;;
	data)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W 'put ls show rm' -- "$cur"))
			return
		fi
		# data put NAME FILE: the file is the second operand.
		if [[ $sub == put && $cur != -* ]] &&
		    ((cword - i >= 2)); then
			_loadctl_files '*'
			return
		fi
		;;
	run)
		opts='--scenario --label --var --wait --baseline --tolerance
		    --shard --execution --collector --start-at'
		if [[ $cur != -* ]]; then
			_loadctl_files '*.json'
			return
		fi
		;;
	ls)
		opts='--scenario --status --limit'
		;;
	wait)
		opts='--baseline --tolerance --execution'
		;;
	watch)
		opts='--baseline --tolerance'
		;;
	report)
		opts='--format --output'
		;;
	compare)
		opts='--baseline --run --tolerance --format'
		;;
	help)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W "${commands/help/}" -- "$cur"))
		elif [[ $sub == scenario ]]; then
			COMPREPLY=($(compgen -W 'put ls show rm' -- "$cur"))
		elif [[ $sub == baseline ]]; then
			COMPREPLY=($(compgen -W 'set ls show rm' -- "$cur"))
		elif [[ $sub == data ]]; then
			COMPREPLY=($(compgen -W 'put ls show rm' -- "$cur"))
		fi
		return
		;;
	*)
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts $global_opts" -- "$cur"))
	fi
}

# _loadctl_files GLOB: file names matching GLOB, and directories.
_loadctl_files()
{
	if declare -F _filedir >/dev/null 2>&1; then
		if [[ $1 == '*.json' ]]; then
			_filedir json
		else
			_filedir
		fi
		return
	fi
	local IFS=$'\n' f
	COMPREPLY=()
	for f in $(compgen -f -- "$cur"); do
		if [[ -d $f || $1 == '*' || $f == *.json ]]; then
			COMPREPLY+=("$f")
		fi
	done
	compopt -o filenames 2>/dev/null
}

complete -F _loadctl loadctl
