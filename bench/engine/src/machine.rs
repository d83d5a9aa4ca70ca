//! The machine the figures come from, for the reports.

/// What a report says about the machine.
#[derive(Clone, Debug)]
pub struct Machine {
    /// The OS, as Rust names it (`linux`, `windows`, …).
    pub os: &'static str,
    /// The CPU's model name, from `/proc/cpuinfo` (or Windows'
    /// `PROCESSOR_IDENTIFIER`) where there is one.
    pub cpu_model: Option<String>,
    /// The CPUs this process may use.
    pub logical_cpus: usize,
    /// `uname`'s system name, release and machine (Unix).
    pub kernel: Option<String>,
    /// Linux's `/proc/sys/fs/pipe-max-size`: the largest pipe capacity an
    /// unprivileged process may ask for.
    pub pipe_max_size: Option<u64>,
}

impl Machine {
    /// This machine.
    pub fn describe() -> Self {
        Self {
            os: std::env::consts::OS,
            cpu_model: cpu_model(),
            logical_cpus: std::thread::available_parallelism().map_or(1, usize::from),
            kernel: kernel(),
            pipe_max_size: pipe_max_size(),
        }
    }

    /// One line for people.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{}, {} logical CPUs, {}",
            self.cpu_model.as_deref().unwrap_or("unknown CPU"),
            self.logical_cpus,
            self.kernel.as_deref().unwrap_or(self.os),
        );
        if let Some(size) = self.pipe_max_size {
            line.push_str(&format!(", pipe-max-size {size}"));
        }
        line
    }
}

fn pipe_max_size() -> Option<u64> {
    // Linux's alone (a Windows program under Wine would read its host's).
    if !cfg!(any(target_os = "linux", target_os = "android")) {
        return None;
    }
    let text = std::fs::read_to_string("/proc/sys/fs/pipe-max-size").ok()?;
    text.trim().parse().ok()
}

fn cpu_model() -> Option<String> {
    if cfg!(windows) {
        return std::env::var("PROCESSOR_IDENTIFIER").ok();
    }
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(key, _)| key.trim() == "model name")
        .map(|(_, value)| value.trim().to_owned())
}

#[cfg(unix)]
fn kernel() -> Option<String> {
    let name = rustix::system::uname();
    let text = |field: &std::ffi::CStr| field.to_string_lossy().into_owned();
    Some(format!(
        "{} {} {}",
        text(name.sysname()),
        text(name.release()),
        text(name.machine())
    ))
}

#[cfg(not(unix))]
fn kernel() -> Option<String> {
    None
}
