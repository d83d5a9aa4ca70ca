//! Security descriptors: SDDL in and out, the current user's SID, and the
//! `SECURITY_ATTRIBUTES` that handle-creating calls take.
//!
//! A descriptor is kept in the self-relative form (one contiguous block of
//! memory) that `ConvertStringSecurityDescriptorToSecurityDescriptorW`
//! returns, so it can be copied byte for byte and handed to any creation call
//! as is.

use std::ffi::c_void;
use std::io;
use std::mem::{self, MaybeUninit};
use std::os::windows::io::{AsRawHandle, BorrowedHandle, FromRawHandle, OwnedHandle};
use std::ptr::{self, NonNull};
use std::slice;

use windows_sys::Win32::Foundation::{
    ERROR_INSUFFICIENT_BUFFER, ERROR_NOT_ENOUGH_MEMORY, ERROR_OUTOFMEMORY, LocalFree,
};
use windows_sys::Win32::Security::Authorization::{
    ConvertSecurityDescriptorToStringSecurityDescriptorW, ConvertSidToStringSidW,
    ConvertStringSecurityDescriptorToSecurityDescriptorW, ConvertStringSidToSidW, GetSecurityInfo,
    SDDL_REVISION_1, SE_FILE_OBJECT,
};
pub(crate) use windows_sys::Win32::Security::SECURITY_ATTRIBUTES;
use windows_sys::Win32::Security::{
    DACL_SECURITY_INFORMATION, GROUP_SECURITY_INFORMATION, GetSecurityDescriptorLength,
    GetTokenInformation, LABEL_SECURITY_INFORMATION, OWNER_SECURITY_INFORMATION, PSID, TOKEN_QUERY,
    TOKEN_USER, TokenUser,
};
use windows_sys::Win32::Storage::FileSystem::{
    FILE_APPEND_DATA, FILE_CREATE_PIPE_INSTANCE, FILE_GENERIC_READ, FILE_GENERIC_WRITE,
};
use windows_sys::Win32::System::Memory::{LMEM_FIXED, LocalAlloc};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, OpenProcess, OpenProcessToken, PROCESS_QUERY_LIMITED_INFORMATION,
};

use super::error::cvt;

/// The access a pipe client needs to read, write and query a pipe, without
/// `FILE_CREATE_PIPE_INSTANCE`: whoever holds only this can connect to a pipe
/// but cannot create server instances of its name.
pub(crate) const CONNECT_ACCESS: u32 =
    (FILE_GENERIC_READ | FILE_GENERIC_WRITE) & !FILE_CREATE_PIPE_INSTANCE;

// On a pipe the bit that FILE_GENERIC_WRITE calls FILE_APPEND_DATA means
// FILE_CREATE_PIPE_INSTANCE; both checks guard the number the docs promise.
const _: () = assert!(FILE_CREATE_PIPE_INSTANCE == FILE_APPEND_DATA);
const _: () = assert!(CONNECT_ACCESS == 0x0012_019b);

/// What `to_sddl` writes out: everything but the audit entries of the SACL,
/// which are not access control (the public docs say they are left out).
const SDDL_PARTS: u32 = OWNER_SECURITY_INFORMATION
    | GROUP_SECURITY_INFORMATION
    | DACL_SECURITY_INFORMATION
    | LABEL_SECURITY_INFORMATION;

/// A block of memory that Windows allocated with `LocalAlloc` and handed over;
/// `LocalFree` releases it on drop.
struct LocalMemory(NonNull<c_void>);

impl LocalMemory {
    /// Takes ownership of `memory`, or returns `None` if it is null.
    ///
    /// # Safety
    ///
    /// A non-null `memory` must come from `LocalAlloc` (directly or through an
    /// API documented to return `LocalFree`-able memory), and nothing else may
    /// own it.
    unsafe fn from_raw(memory: *mut c_void) -> Option<Self> {
        NonNull::new(memory).map(Self)
    }

    fn as_ptr(&self) -> *mut c_void {
        self.0.as_ptr()
    }
}

impl Drop for LocalMemory {
    fn drop(&mut self) {
        // SAFETY: the memory came from LocalAlloc and is owned by `self` alone.
        // LocalFree fails only for a pointer that is not a live allocation,
        // which ownership rules out, so there is no error to report.
        unsafe { LocalFree(self.as_ptr()) };
    }
}

/// An immutable self-relative security descriptor.
pub(crate) struct SecurityDescriptor(LocalMemory);

// SAFETY: the descriptor is a block of memory owned by this value alone and
// never written after creation, so moving it to another thread, and reading it
// from several threads at once, is sound; LocalFree may run on any thread.
unsafe impl Send for SecurityDescriptor {}
// SAFETY: as above: every method takes `&self` and only reads the descriptor.
unsafe impl Sync for SecurityDescriptor {}

impl SecurityDescriptor {
    /// Parses SDDL. Every failure but running out of memory is an
    /// `InvalidInput` error that quotes `sddl`.
    pub(crate) fn from_sddl(sddl: &str) -> io::Result<Self> {
        if sddl.is_empty() {
            return Err(invalid_sddl(sddl, "it is empty"));
        }
        if sddl.contains('\0') {
            return Err(invalid_sddl(sddl, "it contains a NUL character"));
        }
        let wide: Vec<u16> = sddl.encode_utf16().chain([0]).collect();
        let mut descriptor = ptr::null_mut();
        // SAFETY: `wide` is NUL-terminated UTF-16, `descriptor` is a live
        // out-pointer, and the size out-pointer is optional.
        let converted = cvt(unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                wide.as_ptr(),
                SDDL_REVISION_1,
                &mut descriptor,
                ptr::null_mut(),
            )
        });
        if let Err(error) = converted {
            return Err(if is_out_of_memory(&error) {
                error
            } else {
                invalid_sddl(sddl, &error.to_string())
            });
        }
        // SAFETY: the conversion succeeded, so `descriptor` is a fresh
        // LocalAlloc'd descriptor that the caller, this function, must free.
        let memory = unsafe { LocalMemory::from_raw(descriptor) }.ok_or_else(|| {
            missing_result("ConvertStringSecurityDescriptorToSecurityDescriptorW")
        })?;
        Ok(Self(memory))
    }

    /// Writes the owner, group, DACL and mandatory label out as SDDL.
    pub(crate) fn to_sddl(&self) -> io::Result<String> {
        let mut text = ptr::null_mut();
        // SAFETY: `self` holds a valid descriptor, `text` is a live
        // out-pointer, and the length out-pointer is optional.
        cvt(unsafe {
            ConvertSecurityDescriptorToStringSecurityDescriptorW(
                self.as_raw(),
                SDDL_REVISION_1,
                SDDL_PARTS,
                &mut text,
                ptr::null_mut(),
            )
        })?;
        // SAFETY: the conversion succeeded, so `text` is a fresh LocalAlloc'd
        // string that the caller, this function, must free.
        let _memory = unsafe { LocalMemory::from_raw(text.cast()) }.ok_or_else(|| {
            missing_result("ConvertSecurityDescriptorToStringSecurityDescriptorW")
        })?;
        // SAFETY: `text` is the NUL-terminated string just returned, kept
        // alive by `_memory` until the end of this function.
        unsafe { string_from_wide(text) }
    }

    /// Copies the descriptor into a new allocation of its own.
    pub(crate) fn try_clone(&self) -> io::Result<Self> {
        // SAFETY: `self` holds a valid self-relative descriptor, whose length
        // covers every byte of it.
        let len = unsafe { GetSecurityDescriptorLength(self.as_raw()) } as usize;
        // SAFETY: LocalAlloc has no preconditions; fixed memory is addressed
        // by the returned value itself.
        let copy = unsafe { LocalAlloc(LMEM_FIXED, len) };
        // SAFETY: `copy` is null or a fresh allocation that nothing else owns.
        let memory = unsafe { LocalMemory::from_raw(copy) }.ok_or_else(io::Error::last_os_error)?;
        // SAFETY: both blocks are `len` bytes long, live, and distinct
        // allocations; a self-relative descriptor holds no pointers, only
        // offsets, so its bytes are a complete copy.
        unsafe { ptr::copy_nonoverlapping(self.as_raw().cast::<u8>(), copy.cast::<u8>(), len) };
        Ok(Self(memory))
    }

    /// `SECURITY_ATTRIBUTES` that point at this descriptor, for a creation call
    /// such as `CreateNamedPipeW` or `CreatePipe`.
    ///
    /// The result holds a pointer into `self`: it must not be used after
    /// `self` is dropped.
    pub(crate) fn security_attributes(&self, inheritable: bool) -> SECURITY_ATTRIBUTES {
        SECURITY_ATTRIBUTES {
            nLength: mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: self.as_raw(),
            bInheritHandle: inheritable.into(),
        }
    }

    fn as_raw(&self) -> *mut c_void {
        self.0.as_ptr()
    }
}

/// The SID of the user the process runs as, as a string (`S-1-5-…`).
///
/// This is the user of the process token: a thread's impersonation token does
/// not change it.
pub(crate) fn current_user_sid() -> io::Result<String> {
    // The process token's user never changes: look it up once.
    static SID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(sid) = SID.get() {
        return Ok(sid.clone());
    }
    let sid = look_up_current_user_sid()?;
    Ok(SID.get_or_init(|| sid).clone())
}

fn look_up_current_user_sid() -> io::Result<String> {
    token_user_sid(&process_token()?)
}

/// The SID of the user the process `pid` runs as: the user of its primary
/// token (`OpenProcess` with `PROCESS_QUERY_LIMITED_INFORMATION`, then
/// `OpenProcessToken` with `TOKEN_QUERY`).
pub(crate) fn process_user_sid(pid: u32) -> io::Result<String> {
    // SAFETY: OpenProcess takes any process id; a failure is a null handle.
    let process = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
    if process.is_null() {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: OpenProcess succeeded, so `process` is a new handle we own.
    let process = unsafe { OwnedHandle::from_raw_handle(process) };
    let mut token = ptr::null_mut();
    // SAFETY: `process` is an open process handle with query access and
    // `token` is a live out-pointer.
    cvt(unsafe { OpenProcessToken(process.as_raw_handle(), TOKEN_QUERY, &mut token) })?;
    // SAFETY: OpenProcessToken succeeded, so `token` is a new handle we own.
    let token = unsafe { OwnedHandle::from_raw_handle(token) };
    token_user_sid(&token)
}

/// The SID of the user of `token`, opened with `TOKEN_QUERY`.
fn token_user_sid(token: &OwnedHandle) -> io::Result<String> {
    let buffer = token_user(token)?;
    // SAFETY: `token_user` returns a buffer that GetTokenInformation filled,
    // starting with a TOKEN_USER (the SID it points to follows in the buffer).
    let user = unsafe { buffer[0].assume_init_ref() };
    // SAFETY: the SID lives in `buffer`, which outlives the call.
    unsafe { sid_to_string(user.User.Sid) }
}

/// The string form (`S-1-5-…`) of a SID.
///
/// # Safety
///
/// `sid` must point to a valid SID that stays alive during the call.
pub(crate) unsafe fn sid_to_string(sid: PSID) -> io::Result<String> {
    let mut text = ptr::null_mut();
    // SAFETY: the caller guarantees the SID; `text` is a live out-pointer.
    cvt(unsafe { ConvertSidToStringSidW(sid, &mut text) })?;
    // SAFETY: the conversion succeeded, so `text` is a fresh LocalAlloc'd
    // string that the caller, this function, must free.
    let _memory = unsafe { LocalMemory::from_raw(text.cast()) }
        .ok_or_else(|| missing_result("ConvertSidToStringSidW"))?;
    // SAFETY: `text` is the NUL-terminated string just returned, kept alive by
    // `_memory` until the end of this function.
    unsafe { string_from_wide(text) }
}

/// Parses the string form of a SID and writes it back in Windows' canonical
/// spelling; `InvalidInput` quoting `text` if it is not a SID.
pub(crate) fn canonical_sid(text: &str) -> io::Result<String> {
    let invalid = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{text:?} is not a SID in string form (S-1-…)"),
        )
    };
    if text.is_empty() || text.contains('\0') {
        return Err(invalid());
    }
    let wide: Vec<u16> = text.encode_utf16().chain([0]).collect();
    let mut sid = ptr::null_mut();
    // SAFETY: `wide` is NUL-terminated UTF-16 and `sid` a live out-pointer.
    if let Err(error) = cvt(unsafe { ConvertStringSidToSidW(wide.as_ptr(), &mut sid) }) {
        return Err(if is_out_of_memory(&error) {
            error
        } else {
            invalid()
        });
    }
    // SAFETY: the conversion succeeded, so `sid` is a fresh LocalAlloc'd SID
    // that the caller, this function, must free.
    let memory = unsafe { LocalMemory::from_raw(sid) }
        .ok_or_else(|| missing_result("ConvertStringSidToSidW"))?;
    // SAFETY: `memory` holds the valid SID just returned until the end.
    unsafe { sid_to_string(memory.as_ptr()) }
}

/// The owner of the object behind `handle`, which must have been opened
/// with `READ_CONTROL`, as a SID string.
pub(crate) fn owner_sid(handle: BorrowedHandle<'_>) -> io::Result<String> {
    let mut owner: PSID = ptr::null_mut();
    let mut descriptor = ptr::null_mut();
    // SAFETY: the handle is open, `owner` and `descriptor` are live
    // out-pointers, and the parts not asked for may be null.
    let status = unsafe {
        GetSecurityInfo(
            handle.as_raw_handle(),
            SE_FILE_OBJECT,
            OWNER_SECURITY_INFORMATION,
            &mut owner,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            &mut descriptor,
        )
    };
    if status != 0 {
        return Err(io::Error::from_raw_os_error(status as i32));
    }
    // SAFETY: GetSecurityInfo succeeded, so `descriptor` is a fresh
    // LocalAlloc'd descriptor that the caller, this function, must free.
    let _memory = unsafe { LocalMemory::from_raw(descriptor) }
        .ok_or_else(|| missing_result("GetSecurityInfo"))?;
    if owner.is_null() {
        return Err(io::Error::other("the object has no owner"));
    }
    // SAFETY: `owner` points into the descriptor that `_memory` keeps alive.
    unsafe { sid_to_string(owner) }
}

/// The SID of the local system account.
pub(crate) const LOCAL_SYSTEM_SID: &str = "S-1-5-18";

/// The access token of this process, opened for queries.
fn process_token() -> io::Result<OwnedHandle> {
    // SAFETY: GetCurrentProcess has no preconditions; it returns a pseudo
    // handle that needs no closing.
    let process = unsafe { GetCurrentProcess() };
    let mut token = ptr::null_mut();
    // SAFETY: `process` is the current-process pseudo handle and `token` is a
    // live out-pointer.
    cvt(unsafe { OpenProcessToken(process, TOKEN_QUERY, &mut token) })?;
    // SAFETY: OpenProcessToken succeeded, so `token` is a new handle we own.
    Ok(unsafe { OwnedHandle::from_raw_handle(token) })
}

/// The `TokenUser` information of `token`, in a buffer aligned for
/// `TOKEN_USER` and large enough for the SID that follows it.
fn token_user(token: &OwnedHandle) -> io::Result<Vec<MaybeUninit<TOKEN_USER>>> {
    let mut needed = 0;
    // SAFETY: a null buffer of length zero only asks for the size needed,
    // which is written to the live `needed`.
    let sized = cvt(unsafe {
        GetTokenInformation(
            token.as_raw_handle(),
            TokenUser,
            ptr::null_mut(),
            0,
            &mut needed,
        )
    });
    match sized {
        Err(error) if error.raw_os_error() == Some(ERROR_INSUFFICIENT_BUFFER as i32) => {}
        Err(error) => return Err(error),
        Ok(()) => return Err(missing_result("GetTokenInformation(TokenUser)")),
    }
    let count = (needed as usize)
        .div_ceil(mem::size_of::<TOKEN_USER>())
        .max(1);
    let mut buffer = vec![MaybeUninit::<TOKEN_USER>::uninit(); count];
    let len = u32::try_from(count * mem::size_of::<TOKEN_USER>())
        .map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
    // SAFETY: `buffer` is writable for `len` bytes and aligned for TOKEN_USER,
    // and `needed` is a live out-pointer.
    cvt(unsafe {
        GetTokenInformation(
            token.as_raw_handle(),
            TokenUser,
            buffer.as_mut_ptr().cast(),
            len,
            &mut needed,
        )
    })?;
    Ok(buffer)
}

/// Copies a NUL-terminated UTF-16 string into a `String`.
///
/// # Safety
///
/// `text` must point to a NUL-terminated UTF-16 string that stays valid and
/// unchanged during the call.
unsafe fn string_from_wide(text: *const u16) -> io::Result<String> {
    let mut len = 0;
    // SAFETY: the caller guarantees a terminator, so every unit before it,
    // and the terminator itself, is readable.
    while unsafe { *text.wrapping_add(len) } != 0 {
        len += 1;
    }
    // SAFETY: the `len` units before the terminator are readable (see above)
    // and unchanged while the slice lives.
    let units = unsafe { slice::from_raw_parts(text, len) };
    String::from_utf16(units).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "Windows returned a string that is not valid UTF-16",
        )
    })
}

fn is_out_of_memory(error: &io::Error) -> bool {
    matches!(
        error.raw_os_error().map(|code| code as u32),
        Some(ERROR_NOT_ENOUGH_MEMORY | ERROR_OUTOFMEMORY)
    )
}

fn invalid_sddl(sddl: &str, reason: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{sddl:?} is not a valid SDDL security descriptor: {reason}"),
    )
}

/// The error for a call that reported success but returned nothing.
fn missing_result(function: &str) -> io::Error {
    io::Error::other(format!("{function} succeeded but returned no result"))
}

/// The descriptor every pipe gets unless the caller passes one: full access
/// for the user the process runs as, nobody else. Built once per process (the
/// process token's user does not change).
pub(crate) fn current_user_only() -> io::Result<&'static SecurityDescriptor> {
    static DEFAULT: std::sync::OnceLock<SecurityDescriptor> = std::sync::OnceLock::new();
    if let Some(descriptor) = DEFAULT.get() {
        return Ok(descriptor);
    }
    let descriptor =
        SecurityDescriptor::from_sddl(&format!("D:P(A;;GA;;;{})", current_user_sid()?))?;
    Ok(DEFAULT.get_or_init(|| descriptor))
}

/// The SDDL of the descriptor that enforces a local-socket access policy:
/// owned by this user (so a client can check who serves the pipe), full
/// access for this user, connect access (no new instances) for the local
/// system account and for whoever else the policy admits.
pub(crate) fn access_sddl(access: &crate::sys::Access) -> io::Result<String> {
    let me = current_user_sid()?;
    let access_mask = CONNECT_ACCESS;
    let mut sddl = format!("O:{me}D:P(A;;GA;;;{me})(A;;{access_mask:#x};;;{LOCAL_SYSTEM_SID})");
    let mut admit = |sid: &str| sddl.push_str(&format!("(A;;{access_mask:#x};;;{sid})"));
    match access {
        crate::sys::Access::CurrentUser => {}
        crate::sys::Access::AnyUser => admit("WD"),
        crate::sys::Access::Group(group) => admit(group.sid()),
        crate::sys::Access::Users(users) => users.iter().for_each(|user| admit(user.sid())),
    }
    Ok(sddl)
}

impl std::fmt::Debug for SecurityDescriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.to_sddl() {
            Ok(sddl) => f.debug_tuple("SecurityDescriptor").field(&sddl).finish(),
            Err(_) => f.write_str("SecurityDescriptor(<not printable as SDDL>)"),
        }
    }
}

/// The id of the logon session the process runs in (`TokenSessionId` of
/// the process token): 0 for services, 1 and up for interactive sessions.
pub(crate) fn current_session_id() -> io::Result<u32> {
    let token = process_token()?;
    let mut session = 0u32;
    let mut written = 0;
    // SAFETY: `session` is a live, aligned u32, the size TokenSessionId
    // writes, and `written` is a live out-pointer.
    cvt(unsafe {
        GetTokenInformation(
            token.as_raw_handle(),
            windows_sys::Win32::Security::TokenSessionId,
            (&raw mut session).cast(),
            mem::size_of::<u32>() as u32,
            &mut written,
        )
    })?;
    Ok(session)
}
