//! Whether Windows is Wine.

/// Whether this process runs under Wine rather than real Windows. Wine's
/// `ntdll.dll` exports `wine_get_version`; Windows' does not.
#[cfg(windows)]
pub fn is_wine() -> bool {
    use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
    let ntdll: Vec<u16> = "ntdll.dll\0".encode_utf16().collect();
    // SAFETY: the name is a NUL-terminated UTF-16 string; ntdll is always loaded.
    let module = unsafe { GetModuleHandleW(ntdll.as_ptr()) };
    if module.is_null() {
        return false;
    }
    // SAFETY: `module` is a loaded module and the name is NUL-terminated.
    unsafe { GetProcAddress(module, c"wine_get_version".as_ptr().cast()) }.is_some()
}

/// Whether this process runs under Wine: never, off Windows.
#[cfg(not(windows))]
pub fn is_wine() -> bool {
    false
}
