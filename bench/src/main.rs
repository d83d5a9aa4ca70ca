//! The benchmark suite's binary: the suite as its library runs it, with
//! nothing added (see the library's docs, `src/lib.rs`).

use std::process::ExitCode;

fn main() -> ExitCode {
    localipc_bench::main_with(&localipc_bench::Extras::default())
}
