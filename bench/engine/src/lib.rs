//! The one measurement engine of localipc: what `localipc bench` and the
//! benchmark suite (`localipc-bench`) both measure with.
//!
//! It owns everything about *how* a figure is made; its users own only
//! *what* is measured (their contenders) and how results are shown.
//!
//! * [`job`]: the four figures (throughput of 64 KiB and 4 KiB writes, round
//!   trips of 1 B and 64 B messages), the job behind each and a run's plan.
//! * [`family`]: contenders and the families they are compared in;
//!   [`context`]: what a contender's run needs (a scratch directory, fresh
//!   names, how to start a peer).
//! * [`measure`]: the measured side of a job, written once for blocking,
//!   Tokio and futures-io streams and for whole messages ([`message`]; on
//!   Linux also raw `SOCK_SEQPACKET` sockets, `seqpacket`).
//! * [`peer`]: the second process of every measurement and the protocol it
//!   speaks; [`link`] starts one over a socket, a pipe or a FIFO.
//! * [`rounds`]: interleaved rounds; [`results`]: medians, spreads and ratios
//!   over rounds; [`stats`]: the definitions of median and p99.
//! * [`json`]: the JSON output; [`plot`]: the ratios as an SVG picture;
//!   [`targets`]: goals the figures are held against (the suite's and the
//!   tool's shared-memory and message-socket lines are the same).
//! * [`machine`], [`affinity`], [`watchdog`], [`allocator`], [`cpu`]: what
//!   a run needs around the measurements.
//!
//! # How it is fair
//!
//! * **One measured side.** The process that runs the engine drives each
//!   contender's library. The other end is always a second, real process (the
//!   same binary run again with a hidden argument, see [`peer::main`]) that
//!   runs the same plain blocking code for every contender of a family, so
//!   differences come from the measured side only.
//! * **Interleaved rounds.** Each round measures every contender of a family
//!   back to back for one figure before moving to the next figure, in an
//!   order rotated every round, so slow drifts of the machine hit everyone
//!   alike. A figure is the median over rounds, shown with its lowest and
//!   highest round; a ratio to the family's baseline is the median of the
//!   ratios measured within each round.
//! * **Every step is bounded.** A watchdog ends a run whose step hangs.
//!
//! # Statistics
//!
//! Defined once, in [`stats`]: a *median* is the middle value (the mean of
//! the two middle values for an even count); a *p99* is the 99th percentile
//! by nearest rank, the smallest sample that at least 99% of the samples do
//! not exceed. Round-trip figures are the median and p99 of one round's
//! samples, then the median of those over rounds.

pub mod affinity;
pub mod allocator;
pub mod context;
pub mod cpu;
pub mod family;
pub mod job;
pub mod json;
pub mod link;
pub mod machine;
pub mod measure;
pub mod message;
mod pattern;
pub mod peer;
pub mod plot;
pub mod results;
pub mod rounds;
#[cfg(any(target_os = "linux", target_os = "android"))]
pub mod seqpacket;
pub mod stats;
pub mod targets;
pub mod watchdog;
