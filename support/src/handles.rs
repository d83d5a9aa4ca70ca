//! Counting the descriptors (Linux) or handles (Windows) this process holds,
//! for the tests that check that nothing leaks.

/// The number of descriptors (Linux) or handles (Windows) this process holds.
///
/// The counter proves itself on first use: it opens 20 more and checks that
/// the count rises by exactly 20 and falls back once they are closed. A
/// counter that cannot see handles (`GetProcessHandleCount` reports 0 under
/// Wine) would let every leak assertion pass, so it fails the test instead.
///
/// # Panics
///
/// If the counter does not see handles, or the OS will not list them.
#[cfg(any(target_os = "linux", windows))]
pub fn open_handle_count() -> usize {
    static PROVEN: std::sync::Once = std::sync::Once::new();
    PROVEN.call_once(prove_the_handle_counter);
    table::count()
}

#[cfg(any(target_os = "linux", windows))]
fn prove_the_handle_counter() {
    const EXTRA: usize = 20;
    let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    // Another thread of the process (a runtime's worker, Windows' thread
    // pool) may open or close a handle meanwhile: a few tries, one must be exact.
    let mut seen = Vec::new();
    for _ in 0..5 {
        let before = table::count();
        let clones: Vec<_> = (0..EXTRA).map(|_| file.try_clone().unwrap()).collect();
        let with_them = table::count();
        drop(clones);
        let after = table::count();
        if with_them == before + EXTRA && after == before {
            return;
        }
        seen.push((before, with_them, after));
    }
    panic!(
        "the handle counter does not see handles: with {EXTRA} more open and then closed, \
         it counted (before, with them, after) = {seen:?}"
    );
}

#[cfg(target_os = "linux")]
mod table {
    pub(super) fn count() -> usize {
        std::fs::read_dir("/proc/self/fd").unwrap().count()
    }
}

/// Windows: this process's entries in the system's handle table, from
/// `NtQuerySystemInformation(SystemExtendedHandleInformation)`, which Wine
/// implements (its `GetProcessHandleCount` always reports 0).
#[cfg(windows)]
mod table {
    use std::ffi::c_void;
    use std::mem::size_of;

    use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};

    const SYSTEM_EXTENDED_HANDLE_INFORMATION: u32 = 64;
    const STATUS_INFO_LENGTH_MISMATCH: i32 = 0xC000_0004_u32 as i32;
    /// The table is two pointer-sized words (the entry count, a reserved
    /// word) and then the entries: three pointer-sized words (object, owning
    /// process id, handle value) and 16 bytes (access mask, two 16-bit
    /// fields, attributes, reserved).
    const HEADER_WORDS: usize = 2;
    const ENTRY_WORDS: usize = 3 + 16 / size_of::<usize>();
    const PROCESS_ID_WORD: usize = 1;

    type NtQuerySystemInformation = unsafe extern "system" fn(
        class: u32,
        information: *mut c_void,
        length: u32,
        returned: *mut u32,
    ) -> i32;

    fn nt_query_system_information() -> NtQuerySystemInformation {
        let ntdll: Vec<u16> = "ntdll.dll\0".encode_utf16().collect();
        // SAFETY: the name is a NUL-terminated UTF-16 string; ntdll is always loaded.
        let module = unsafe { GetModuleHandleW(ntdll.as_ptr()) };
        assert!(!module.is_null(), "ntdll.dll is not loaded");
        // SAFETY: `module` is a loaded module and the name is NUL-terminated.
        let function =
            unsafe { GetProcAddress(module, c"NtQuerySystemInformation".as_ptr().cast()) }
                .expect("ntdll.dll exports NtQuerySystemInformation");
        // SAFETY: ntdll's NtQuerySystemInformation has exactly this signature.
        unsafe {
            std::mem::transmute::<unsafe extern "system" fn() -> isize, NtQuerySystemInformation>(
                function,
            )
        }
    }

    pub(super) fn count() -> usize {
        let query = nt_query_system_information();
        // Words, so that the table is aligned for its pointer-sized fields.
        let mut table = vec![0_usize; 1 << 16];
        loop {
            let bytes = u32::try_from(table.len() * size_of::<usize>()).unwrap();
            let mut returned = 0;
            // SAFETY: `table` is writable for `bytes` bytes and `returned` is
            // a live out-pointer.
            let status = unsafe {
                query(
                    SYSTEM_EXTENDED_HANDLE_INFORMATION,
                    table.as_mut_ptr().cast(),
                    bytes,
                    &mut returned,
                )
            };
            if status == STATUS_INFO_LENGTH_MISMATCH {
                table.resize(table.len() * 2, 0);
                continue;
            }
            assert!(
                status >= 0,
                "NtQuerySystemInformation(SystemExtendedHandleInformation): status {status:#x}"
            );
            break;
        }
        let entries = table[0];
        let end = HEADER_WORDS + entries * ENTRY_WORDS;
        assert!(
            end <= table.len(),
            "{entries} handle entries overflow the table"
        );
        let this_process = std::process::id() as usize;
        table[HEADER_WORDS..end]
            .chunks_exact(ENTRY_WORDS)
            .filter(|entry| entry[PROCESS_ID_WORD] == this_process)
            .count()
    }
}
