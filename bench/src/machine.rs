//! The machine the figures come from, for the report.

use std::mem::MaybeUninit;

#[derive(Clone, Debug)]
pub(crate) struct Machine {
    /// The CPU's model name, from `/proc/cpuinfo` where there is one.
    pub(crate) cpu_model: Option<String>,
    pub(crate) logical_cpus: usize,
    /// `uname`'s system name, release and machine.
    pub(crate) kernel: Option<String>,
    /// Linux's `/proc/sys/fs/pipe-max-size`: the largest pipe capacity an
    /// unprivileged process may ask for.
    pub(crate) pipe_max_size: Option<u64>,
}

impl Machine {
    pub(crate) fn describe() -> Self {
        Self {
            cpu_model: cpu_model(),
            logical_cpus: std::thread::available_parallelism().map_or(1, usize::from),
            kernel: kernel(),
            pipe_max_size: std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
                .ok()
                .and_then(|text| text.trim().parse().ok()),
        }
    }

    /// One line for people.
    pub(crate) fn line(&self) -> String {
        let mut line = format!(
            "{}, {} logical CPUs, {}",
            self.cpu_model.as_deref().unwrap_or("unknown CPU"),
            self.logical_cpus,
            self.kernel.as_deref().unwrap_or("unknown kernel"),
        );
        if let Some(size) = self.pipe_max_size {
            line.push_str(&format!(", pipe-max-size {size}"));
        }
        line
    }
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(key, _)| key.trim() == "model name")
        .map(|(_, value)| value.trim().to_owned())
}

fn kernel() -> Option<String> {
    let mut name = MaybeUninit::<libc::utsname>::uninit();
    // SAFETY: the pointer is to a live, writable `utsname`, which uname fills.
    if unsafe { libc::uname(name.as_mut_ptr()) } != 0 {
        return None;
    }
    // SAFETY: uname succeeded, so every field has been written.
    let name = unsafe { name.assume_init() };
    let text = |field: &[libc::c_char]| {
        let bytes: Vec<u8> = field
            .iter()
            .take_while(|&&c| c != 0)
            // `c_char` is `i8` or `u8` depending on the target.
            .map(|&c| u8::from_ne_bytes(c.to_ne_bytes()))
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Some(format!(
        "{} {} {}",
        text(&name.sysname),
        text(&name.release),
        text(&name.machine)
    ))
}
