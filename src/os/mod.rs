//! Platform-specific APIs: what only one family of operating systems can do.
//!
//! Everything here is behind `#[cfg]`, so using it on another OS is a compile
//! error rather than a runtime surprise.

#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub mod linux;
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub mod unix;
#[cfg(windows)]
#[cfg_attr(docsrs, doc(cfg(windows)))]
pub mod windows;
