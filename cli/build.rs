//! cfg aliases for the tool: `message_sockets` where the library has
//! message sockets (the same list as the library's build script).

use std::env;

fn main() {
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let vendor = env::var("CARGO_CFG_TARGET_VENDOR").unwrap_or_default();
    let message_sockets = vendor == "apple"
        || [
            "linux",
            "android",
            "windows",
            "freebsd",
            "netbsd",
            "openbsd",
            "dragonfly",
        ]
        .contains(&os.as_str());
    println!("cargo::rustc-check-cfg=cfg(message_sockets)");
    if message_sockets {
        println!("cargo::rustc-cfg=message_sockets");
    }
    println!("cargo::rerun-if-changed=build.rs");
}
