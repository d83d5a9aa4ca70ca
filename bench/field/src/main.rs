//! The benchmark suite with the field's best added: the whole of
//! `localipc-bench` (same command line, rounds and reports), plus
//!
//! * **iceoryx2** in the shared-memory family (`iceoryx.rs`): a
//!   publish-subscribe service per direction, busy-polled;
//! * **ipc-channel**'s bytes channel in the message family (`ipc.rs`), each
//!   write one message;
//!
//! and targets that hold localipc to them (`targets.rs`). The peer process
//! is this binary run again, as for the suite; it serves the two new
//! transports through the suite's peer hook, answering each job with the
//! engine's code.
//!
//! A package of its own, outside the workspace: iceoryx2 0.10 needs rustc
//! 1.89, newer than the workspace's MSRV (see `bench/README.md`). Linux
//! and Windows (iceoryx2 only there: ipc-channel is measured on Linux);
//! elsewhere the build stops with a message saying so.

#[cfg(not(any(target_os = "linux", windows)))]
compile_error!(
    "localipc-bench-field measures iceoryx2 on Linux and Windows, ipc-channel on Linux; \
     elsewhere run the suite without them: `cargo run --release -p localipc-bench`"
);

#[cfg(not(any(target_os = "linux", windows)))]
fn main() {}

#[cfg(any(target_os = "linux", windows))]
mod iceoryx;
#[cfg(target_os = "linux")]
mod ipc;
#[cfg(any(target_os = "linux", windows))]
mod targets;

#[cfg(any(target_os = "linux", windows))]
fn main() -> std::process::ExitCode {
    use localipc_bench::{Extras, Program, names};

    localipc_bench::main_with(&Extras {
        program: Program {
            name: "localipc-bench-field",
            about: Some(ABOUT),
        },
        contenders: vec![
            (names::SHM_FAMILY, iceoryx::contender()),
            #[cfg(target_os = "linux")]
            (names::MESSAGE_FAMILY, ipc::contender()),
        ],
        notes: vec![
            iceoryx::note(),
            #[cfg(target_os = "linux")]
            ipc::NOTE.to_owned(),
        ],
        targets: targets::evaluate,
        peer: Some(serve_peer),
    })
}

/// The help's description: the suite's, with the field's best added.
#[cfg(any(target_os = "linux", windows))]
const ABOUT: &str = "\
The benchmark suite of localipc with the field's best added

The whole of localipc-bench (the same options, rounds and reports), plus
iceoryx2 in the shared-memory family and (on Linux) ipc-channel's bytes
channel in the message family, with targets that hold localipc to them.
Without --quick or --smoke: the full run, 7 rounds.";

/// The peer of an iceoryx2 or ipc-channel contender.
#[cfg(any(target_os = "linux", windows))]
fn serve_peer(
    kind: &str,
    address: &str,
    answer: localipc_bench_engine::peer::Answer,
) -> std::io::Result<Option<std::time::Duration>> {
    match kind {
        iceoryx::KIND => iceoryx::serve(address, answer),
        #[cfg(target_os = "linux")]
        ipc::KIND => ipc::serve(address, answer),
        _ => Err(std::io::Error::other(format!(
            "no peer transport {kind:?} in the field bench"
        ))),
    }
}

#[cfg(all(test, any(target_os = "linux", windows)))]
mod tests {
    /// The versions the rows name are the ones the lock file builds.
    #[test]
    fn the_rows_name_the_locked_versions() {
        let lock = include_str!("../Cargo.lock");
        let rows: &[(&str, &str)] = &[
            ("iceoryx2", super::iceoryx::NAME),
            #[cfg(target_os = "linux")]
            ("ipc-channel", super::ipc::NAME),
        ];
        for &(package, row) in rows {
            let version = row
                .strip_prefix(package)
                .and_then(|rest| rest.split_whitespace().next())
                .expect("the row starts with the package and its version");
            let entry = format!("name = \"{package}\"\nversion = \"{version}\"\n");
            assert!(lock.contains(&entry), "{package} {version} is not locked");
        }
    }
}
