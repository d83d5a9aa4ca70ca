//! The `localipc` command-line tool.

fn main() {}
