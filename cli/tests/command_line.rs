//! The `localipc` command line itself, run as a real program: help for every
//! verb, the version, `--`, usage errors with suggestions, the verbs each OS
//! has, and shell completions.

mod common;

#[allow(unused_imports, reason = "where processes are started")]
use localipc_test_support::Spawn as _;

use std::process::Stdio;

use common::{LIMIT, assert_one_line_error, assert_usage_error, localipc};
use localipc_test_support::{unique_name as unique, watchdog};

/// Every verb, as the words that reach it, on this OS.
fn verbs() -> Vec<Vec<&'static str>> {
    let mut verbs = vec![
        vec![],
        vec!["listen"],
        vec!["connect"],
        vec!["names"],
        vec!["spawn"],
        vec!["bench"],
        vec!["completions"],
    ];
    if cfg!(unix) {
        verbs.extend([
            vec!["fifo"],
            vec!["fifo", "create"],
            vec!["fifo", "send"],
            vec!["fifo", "recv"],
        ]);
    }
    if cfg!(windows) {
        verbs.extend([
            vec!["named-pipe"],
            vec!["named-pipe", "listen"],
            vec!["named-pipe", "connect"],
        ]);
    }
    verbs
}

/// `localipc ARGS` to the end, with nothing on standard input.
fn output(args: &[&str]) -> std::process::Output {
    localipc()
        .args(args)
        .stdin(Stdio::null())
        .output_child()
        .unwrap()
}

#[test]
fn every_verb_has_help_long_and_short() {
    let _watchdog = watchdog("every_verb_has_help_long_and_short", LIMIT);
    for verb in verbs() {
        let usage = format!("Usage: {}", [&["localipc"][..], &verb].concat().join(" "));
        let mut texts = Vec::new();
        for flag in ["--help", "-h"] {
            let output = output(&[&verb[..], &[flag]].concat());
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            assert!(output.status.success(), "{verb:?} {flag}: {output:?}");
            assert!(output.stderr.is_empty(), "{verb:?} {flag}: {output:?}");
            assert!(stdout.contains(&usage), "{verb:?} {flag}: {stdout}");
            assert!(stdout.contains("-h, --help"), "{verb:?} {flag}: {stdout}");
            texts.push(stdout);
        }
        // --help says at least as much as -h.
        assert!(texts[0].len() >= texts[1].len(), "{verb:?}");
    }
    // `help VERB` is the same as `VERB --help`.
    assert_eq!(
        output(&["help", "listen"]).stdout,
        output(&["listen", "--help"]).stdout
    );
}

#[test]
fn the_help_documents_the_verbs_the_relay_and_the_exit_statuses() {
    let _watchdog = watchdog(
        "the_help_documents_the_verbs_the_relay_and_the_exit_statuses",
        LIMIT,
    );
    let help = String::from_utf8_lossy(&output(&["--help"]).stdout).into_owned();
    // The commands section lists each verb of this OS, and no other.
    let listed = |verb: &str| {
        help.lines()
            .any(|line| line.trim_start().starts_with(&format!("{verb} ")))
    };
    for verb in [
        "listen",
        "connect",
        "names",
        "spawn",
        "bench",
        "completions",
    ] {
        assert!(listed(verb), "{verb} missing: {help}");
    }
    assert_eq!(listed("fifo"), cfg!(unix), "{help}");
    assert_eq!(listed("named-pipe"), cfg!(windows), "{help}");
    assert!(!help.contains("__peer"), "{help}");
    for needle in [
        "like\n`nc -lU` and `nc -U`",
        "When standard input ends, the\nsending side is shut down",
        "Exit status: 0 on success, 1 on an error (one line on standard error), 2 on\na usage error; `spawn` exits with its command's status.",
        "NAME is a namespaced name",
    ] {
        assert!(help.contains(needle), "{needle:?} missing: {help}");
    }
    let connect = String::from_utf8_lossy(&output(&["connect", "--help"]).stdout).into_owned();
    assert!(connect.contains("--expect-server <WHO>"), "{connect}");
    assert!(connect.contains("Exit status: 0 on success"), "{connect}");
}

#[test]
fn version_prints_the_version() {
    let _watchdog = watchdog("version_prints_the_version", LIMIT);
    for flag in ["--version", "-V"] {
        let output = output(&[flag]);
        assert!(output.status.success(), "{output:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            format!("localipc {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn a_double_dash_makes_a_dash_word_a_name() {
    let _watchdog = watchdog("a_double_dash_makes_a_dash_word_a_name", LIMIT);
    let name = format!("-{}", unique("dash"));
    // Without `--` it is an option nobody has: a usage error.
    assert_usage_error(&output(&["connect", &name]), "unexpected argument");
    // With it, a name: nobody listens there, which is an error of status 1.
    let output_ = output(&["connect", "--", &name]);
    assert_one_line_error(&output_, 1, "no listener");
    assert!(String::from_utf8_lossy(&output_.stderr).contains(&name));
    let names = output(&["names", "--", "-app.sock"]);
    assert!(names.status.success(), "{names:?}");
    assert!(String::from_utf8_lossy(&names.stdout).contains("-app.sock"));
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    let _watchdog = watchdog("usage_errors_exit_2_with_a_hint", LIMIT);
    for (args, needle) in [
        (&["frob"][..], "unrecognized subcommand 'frob'"),
        (
            &["listen"],
            "the following required arguments were not provided",
        ),
        (&["connect", "--frob", "x"], "unexpected argument '--frob'"),
        (&["bench", "extra"], "unexpected argument 'extra'"),
        (&["spawn"], "<COMMAND>..."),
        (&["completions", "tcsh"], "invalid value 'tcsh'"),
    ] {
        assert_usage_error(&output(args), needle);
    }
    // No verb at all: the short help, on standard error.
    let bare = output(&[]);
    assert_eq!(bare.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bare.stderr);
    assert!(stderr.contains("Usage: localipc <COMMAND>"), "{stderr}");
    assert!(stderr.contains("--help"), "{stderr}");
}

#[test]
fn usage_errors_suggest_what_was_meant() {
    let _watchdog = watchdog("usage_errors_suggest_what_was_meant", LIMIT);
    for (args, suggestion) in [
        (&["lisen", "x"][..], "a similar subcommand exists: 'listen'"),
        (
            &["listen", "--kep", "x"],
            "a similar argument exists: '--keep'",
        ),
        (
            &["connect", "--expect-sever", "any-user", "x"],
            "a similar argument exists: '--expect-server'",
        ),
        (&["bench", "--quik"], "a similar argument exists: '--quick'"),
        (&["completions", "fsh"], "a similar value exists: 'fish'"),
    ] {
        assert_usage_error(&output(args), suggestion);
    }
}

/// Each OS's own verbs are absent elsewhere: a usage error, as for any
/// unknown verb.
#[test]
fn another_os_verbs_are_unknown() {
    let _watchdog = watchdog("another_os_verbs_are_unknown", LIMIT);
    let foreign = if cfg!(windows) { "fifo" } else { "named-pipe" };
    assert_usage_error(
        &output(&[foreign, "--help"]),
        &format!("unrecognized subcommand '{foreign}'"),
    );
}

#[test]
fn completions_for_every_shell_cover_every_verb() {
    let _watchdog = watchdog("completions_for_every_shell_cover_every_verb", LIMIT);
    for (shell, marker) in [
        ("bash", "complete -F _localipc"),
        ("zsh", "#compdef localipc"),
        ("fish", "complete -c localipc"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[localipc]"),
    ] {
        let output = output(&["completions", shell]);
        assert!(output.status.success(), "{shell}: {output:?}");
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        // Options as each shell writes them: fish drops the dashes.
        for word in ["listen", "connect", "expect-server", "spawn", "plot"] {
            assert!(script.contains(word), "{shell}: {word} missing");
        }
        assert_eq!(script.contains("fifo"), cfg!(unix), "{shell}");
        assert_eq!(script.contains("named-pipe"), cfg!(windows), "{shell}");
        assert!(!script.contains("__peer"), "{shell}");
    }
}
