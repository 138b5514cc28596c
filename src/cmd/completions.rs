//! `stretch completions SHELL`: a completion script generated from the
//! command line's own definition, so it can never fall out of date, with the
//! values that only exist at completion time (routine names, scheduled times)
//! asked of `stretch complete` as the word is completed.
//!
//! clap_complete writes static scripts; its dynamic engine is still behind an
//! unstable feature and would replace every script with calls back into the
//! binary. Instead each generated script gets a small hand-written front, in
//! that shell's own terms, for the two values that change: after `--routine`
//! (or `-r`) it offers `stretch complete routines`, and after `schedule
//! remove` it offers `stretch complete times`; everything else goes to the
//! generated function. A word that looks like a path (`./`, `/`, `~`) after
//! `--routine` gets the generated file completion, since a path is a routine
//! too. The integration tests source each script in bash, zsh and fish and
//! complete partial words, so a change in clap_complete's output that breaks
//! the splice fails there.

use clap::CommandFactory;

use crate::cli::{Candidates, Cli, Shell};
use crate::env::Env;
use crate::error::Result;
use crate::paths::Paths;
use crate::routine::catalog;
use crate::schedule::CrontabText;
use crate::schedule::crontab::CrontabProgram;

/// Writes the script for `shell` to stdout.
pub(crate) fn run(shell: Shell) -> Result<u8> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut shown(&Cli::command()), "stretch", &mut script);
    let script = String::from_utf8_lossy(&script);
    let script = match shell {
        clap_complete::Shell::Zsh => zsh(&script),
        clap_complete::Shell::Fish => fish(&script),
        _ => format!("{script}{BASH}"),
    };
    super::print_generated(script.as_bytes())
}

/// `cmd` without what `--help` hides (the place options before the command,
/// `stretch complete`), which clap_complete would otherwise offer.
fn shown(cmd: &clap::Command) -> clap::Command {
    let mut out = clap::Command::new(cmd.get_name().to_string())
        .about(cmd.get_about().cloned().unwrap_or_default())
        .args(cmd.get_arguments().filter(|a| !a.is_hide_set()).cloned())
        .subcommands(cmd.get_subcommands().filter(|c| !c.is_hide_set()).map(shown));
    if let Some(version) = cmd.get_version() {
        out = out.version(version.to_string()).propagate_version(true);
    }
    out
}

/// The front of the bash script: `_stretch_values` answers the two dynamic
/// cases and hands everything else to clap's `_stretch`.
const BASH: &str = r#"
_stretch_values() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} what= i seen=
    if [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
        prev=${COMP_WORDS[COMP_CWORD-2]}
    fi
    if [[ ($prev == --routine || $prev == -r) && $cur != */* && $cur != [.~]* ]]; then
        what=routines
    elif [[ $cur != -* ]]; then
        for i in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
            case "$seen,$i" in
                ,schedule) seen=schedule ;;
                schedule,remove) what=times ;;
            esac
        done
    fi
    if [[ -n $what ]]; then
        local IFS=$'
'
        # bash splits 22:30 at the colon (COMP_WORDBREAKS): complete the
        # whole word as typed, and answer with what follows its last colon.
        local line=${COMP_LINE:0:COMP_POINT} word
        word=${line##*[[:space:]]}
        COMPREPLY=($(compgen -W "$(command "${COMP_WORDS[0]}" complete "$what" 2>/dev/null)" -- "$word"))
        if [[ $word == *:* && $COMP_WORDBREAKS == *:* ]]; then
            COMPREPLY=("${COMPREPLY[@]#"${word%"${word##*:}"}"}")
        fi
        return 0
    fi
    _stretch "$@"
}
complete -F _stretch_values -o bashdefault -o default stretch
"#;

/// The front of the zsh script: clap's `_stretch` becomes `_stretch_clap`,
/// and a new `_stretch` answers the two dynamic cases first.
const ZSH: &str = r#"_stretch() {
    local cur=${words[CURRENT]} prev=${words[CURRENT-1]} what=
    local schedule=${words[(i)schedule]}
    if [[ $cur == --routine=* ]]; then
        compset -P '--routine='
        cur=${cur#--routine=}
        prev=--routine
    fi
    if [[ ($prev == --routine || $prev == -r) && $cur != */* && $cur != [.~]* ]]; then
        what=routines
    elif (( schedule < CURRENT && ${words[(i)remove]} < CURRENT && ${words[(i)remove]} > schedule )) && [[ $cur != -* ]]; then
        what=times
    fi
    if [[ -n $what ]]; then
        local -a values
        values=(${(f)"$(command ${words[1]} complete $what 2>/dev/null)"})
        compadd -a values
        return
    fi
    _stretch_clap "$@"
}

"#;

fn zsh(script: &str) -> String {
    let renamed = script.replacen(
        "
_stretch() {
",
        "
_stretch_clap() {
",
        1,
    );
    match renamed.rfind("if [ \"$funcstack[1]\" = \"_stretch\" ]") {
        Some(at) => format!("{}{ZSH}{}", &renamed[..at], &renamed[at..]),
        None => format!("{renamed}\n{ZSH}compdef _stretch stretch\n"),
    }
}

/// Fish: routine names for every `--routine`, and scheduled times after
/// `schedule remove`.
const FISH: &str = r#"
function __fish_stretch_values
    set -l cmd (commandline -opc)
    set -l token (commandline -ct)
    if string match -q -r '^[./~]' -- $token; or string match -q -- '*/*' $token
        __fish_complete_path $token
    else
        command $cmd[1] complete $argv[1] 2>/dev/null
    end
end
complete -c stretch -n "__fish_stretch_using_subcommand schedule; and __fish_seen_subcommand_from remove; and not string match -q -- '-*' (commandline -ct)" -f -a "(__fish_stretch_values times)"
"#;

fn fish(script: &str) -> String {
    let mut out = String::new();
    for line in script.lines() {
        out.push_str(line);
        if line.starts_with("complete ") && line.contains(" -l routine ") && line.ends_with(" -r") {
            out.push_str(" -f -a \"(__fish_stretch_values routines)\"");
        }
        out.push('\n');
    }
    out + FISH
}

/// Prints what a completion script offers for `what`, one a line. Nothing
/// here may fail loudly: a shell completing a word has no place for an error,
/// so an unreadable crontab or routine folder offers nothing.
pub(crate) fn candidates(what: Candidates, paths: &Paths, env: &Env) -> Result<u8> {
    let words: Vec<String> = match what {
        Candidates::Routines => catalog::list(paths.routine_dir().as_deref())
            .map(|list| list.into_iter().map(|l| l.name).collect())
            .unwrap_or_default(),
        Candidates::Times => CrontabProgram::from_env(env)
            .read()
            .ok()
            .flatten()
            .and_then(|text| CrontabText::parse(&text).ok())
            .map(|crontab| crontab.entries().map(|e| e.time.to_string()).collect())
            .unwrap_or_default(),
    };
    let mut text = String::new();
    for word in words.iter().filter(|w| !w.is_empty() && !w.contains(char::is_whitespace)) {
        text.push_str(word);
        text.push('\n');
    }
    crate::term::output::text(&text);
    Ok(crate::error::code::OK)
}
