//! cfg aliases: each family of targets (or features) is named here once,
//! and the code says `#[cfg(linux_like)]` instead of repeating lists.

use std::env;

fn main() {
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let vendor = env::var("CARGO_CFG_TARGET_VENDOR").unwrap_or_default();
    let feature = |name: &str| env::var_os(format!("CARGO_FEATURE_{name}")).is_some();
    let os_in = |list: &[&str]| list.contains(&os.as_str());
    let apple = vendor == "apple";
    let unix = env::var("CARGO_CFG_TARGET_FAMILY")
        .is_ok_and(|families| families.split(',').any(|family| family == "unix"));
    let bsd = os_in(&["freebsd", "netbsd", "openbsd", "dragonfly"]);
    // A `--cfg` given in RUSTFLAGS, which a test lane uses to run another
    // OS's code path here.
    let forced = |name: &str| env::var_os(format!("CARGO_CFG_{name}")).is_some();

    let aliases = [
        // Linux and Android: abstract socket names, SO_PEERCRED, accept4,
        // /proc, sock_diag.
        ("linux_like", os_in(&["linux", "android"])),
        ("apple", apple),
        // Message sockets: SOCK_SEQPACKET (Linux, Android, the BSDs),
        // framing over SOCK_STREAM (Apple systems), message-mode pipes
        // (Windows).
        (
            "message_sockets",
            os_in(&["linux", "android", "windows"]) || bsd || apple,
        ),
        // Messages framed over SOCK_STREAM, where the OS has no
        // SOCK_SEQPACKET for Unix sockets (Apple systems). `--cfg
        // localipc_framed_messages` selects this on Linux too, so that CI
        // runs it.
        (
            "messages_framed",
            apple || forced("LOCALIPC_FRAMED_MESSAGES"),
        ),
        // SOCK_SEQPACKET sockets without MSG_TRUNC as a request (Linux's),
        // as on the BSDs: a message cut by a receive is known to be longer
        // than the buffers, not how long. (The name is the older design's,
        // which peeked into a growing buffer.) `--cfg
        // localipc_portable_seqpacket` selects this on Linux too, so that
        // CI runs it.
        (
            "seqpacket_peek_loop",
            bsd || forced("LOCALIPC_PORTABLE_SEQPACKET"),
        ),
        // Shared memory without seals: a POSIX shared memory object, which
        // a channel uses only where the OS itself keeps it from being
        // resized once sized (checked at run time; see sys/unix/shm.rs).
        // Everywhere but Linux, Android and FreeBSD (memfd seals). `--cfg
        // localipc_unsealed_shm` selects this on Linux too, so that CI runs
        // the refusal (Linux resizes POSIX shared memory at will).
        (
            "shm_unsealed",
            (unix && !os_in(&["linux", "android", "freebsd"])) || forced("LOCALIPC_UNSEALED_SHM"),
        ),
        // Either async front end.
        ("async_front_end", feature("TOKIO") || feature("SMOL")),
        // Systems without SOCK_CLOEXEC, whose sockets get FD_CLOEXEC after
        // creation.
        ("no_sock_cloexec", apple || os_in(&["aix", "haiku"])),
        // Systems without pipe2: FD_CLOEXEC after creation.
        (
            "no_pipe2",
            apple || os_in(&["aix", "espidf", "haiku", "horizon", "nto"]),
        ),
        // Systems without MSG_CMSG_CLOEXEC: received descriptors get
        // FD_CLOEXEC after recvmsg.
        (
            "no_cmsg_cloexec",
            apple
                || os_in(&[
                    "solaris", "illumos", "aix", "espidf", "haiku", "horizon", "nto", "redox",
                    "vita",
                ]),
        ),
        // Systems where rustix has no mkfifoat.
        ("no_mkfifoat", apple || os == "redox"),
        // Systems with peer-credential socket options of the BSD family
        // (LOCAL_PEERPID or LOCAL_PEERCRED with a pid).
        ("bsd_peer_options", apple || os == "freebsd"),
    ];
    let names: Vec<&str> = aliases.iter().map(|(name, _)| *name).collect();
    println!("cargo::rustc-check-cfg=cfg({})", names.join(", "));
    println!(
        "cargo::rustc-check-cfg=cfg(localipc_portable_seqpacket, localipc_framed_messages, localipc_unsealed_shm)"
    );
    for (name, on) in aliases {
        if on {
            println!("cargo::rustc-cfg={name}");
        }
    }
    println!("cargo::rerun-if-changed=build.rs");
    // The model checker's build (the wait protocol over loom's atomics),
    // which a CI lane of its own selects with `--cfg localipc_loom`.
    println!("cargo::rustc-check-cfg=cfg(localipc_loom)");
}
