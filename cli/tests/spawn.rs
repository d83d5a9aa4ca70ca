//! `localipc spawn`, run as a real program. The command it runs is this
//! test binary again, in a child role (see
//! `localipc_test_support::child_command`), so the same tests run on every
//! OS.

mod common;

use std::io::{Read, Write};
use std::process::Output;

use localipc::pipe::{Receiver, Sender};
use localipc_test_support::{child_command, is_child, watchdog};

use common::{LIMIT, assert_one_line_error, localipc, run_command};

/// The variables the handoff tests name.
const INPUT_VAR: &str = "LOCALIPC_CLI_TEST_INPUT";
const OUTPUT_VAR: &str = "LOCALIPC_CLI_TEST_OUTPUT";

/// What the children answer with, so that their answer stands out from
/// libtest's own lines on the same standard output.
const ANSWER: &str = "child got:";

/// The exit status the children end with.
const STATUS: i32 = 7;

/// Runs `localipc spawn OPTIONS -- <this test as a child>` with `input` on
/// its standard input.
fn spawn_child(test: &str, options: &[&str], input: &[u8]) -> Output {
    let child = child_command(test);
    let mut command = localipc();
    command.arg("spawn").args(options).arg("--");
    command.arg(child.get_program()).args(child.get_args());
    for (var, value) in child.get_envs() {
        if let Some(value) = value {
            command.env(var, value);
        }
    }
    run_command(command, input)
}

/// Answers `data` as the children do.
fn answer(data: &[u8]) -> String {
    format!("{ANSWER} {}.", String::from_utf8_lossy(data))
}

#[test]
fn the_childs_standard_input_and_output_are_relayed() {
    let test = "the_childs_standard_input_and_output_are_relayed";
    if is_child() {
        let mut input = Vec::new();
        std::io::stdin().read_to_end(&mut input).unwrap();
        print!("{}", answer(&input));
        std::io::stdout().flush().unwrap();
        std::process::exit(STATUS);
    }
    let _watchdog = watchdog(test, LIMIT);
    let output = spawn_child(test, &[], b"through an unnamed pipe");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&answer(b"through an unnamed pipe")),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(STATUS), "the child's status");
}

#[test]
fn pipe_ends_are_handed_through_variables() {
    let test = "pipe_ends_are_handed_through_variables";
    if is_child() {
        // SAFETY: localipc handed this end under this name; claimed once.
        let mut input = unsafe { Receiver::from_handoff(INPUT_VAR) }.unwrap();
        // SAFETY: as above.
        let mut output = unsafe { Sender::from_handoff(OUTPUT_VAR) }.unwrap();
        let mut data = Vec::new();
        input.read_to_end(&mut data).unwrap();
        output.write_all(answer(&data).as_bytes()).unwrap();
        std::process::exit(STATUS);
    }
    let _watchdog = watchdog(test, LIMIT);
    let output = spawn_child(
        test,
        &["--input-var", INPUT_VAR, "--output-var", OUTPUT_VAR],
        b"through a handoff",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&answer(b"through a handoff")),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(STATUS), "the child's status");
}

#[test]
fn a_command_that_cannot_run_is_one_line_and_exit_1() {
    let _watchdog = watchdog("a_command_that_cannot_run_is_one_line_and_exit_1", LIMIT);
    let mut command = localipc();
    command.args(["spawn", "localipc-test-no-such-command", "--an-argument"]);
    let output = run_command(command, b"");
    assert_one_line_error(&output, 1, "cannot run localipc-test-no-such-command");
}
