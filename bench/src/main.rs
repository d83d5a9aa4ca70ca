//! Benchmarks of localipc against std, tokio, async-io and interprocess.

fn main() {}
