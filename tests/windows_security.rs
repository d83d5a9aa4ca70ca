//! Security descriptors (Windows only), through the public API: SDDL in and
//! out, the two ready-made descriptors, and the current user's SID checked
//! against what Windows reports by other means.
#![cfg(windows)]

mod util;

#[allow(unused_imports, reason = "where processes are started")]
use util::Spawn as _;

use std::io::ErrorKind;
use std::process::Command;
use std::ptr;
use std::time::Duration;

use localipc::os::windows::security::SecurityDescriptor;
use windows_sys::Win32::Foundation::LocalFree;
use windows_sys::Win32::Security::Authorization::{ConvertSidToStringSidW, ConvertStringSidToSidW};
use windows_sys::Win32::Security::{LookupAccountSidW, PSID};
use windows_sys::Win32::System::WindowsProgramming::GetUserNameW;

/// The access mask `everyone_may_connect` documents for Everyone.
const CONNECT_ACCESS: u32 = 0x0012_019b;
/// `FILE_CREATE_PIPE_INSTANCE`, which Everyone must not get.
const FILE_CREATE_PIPE_INSTANCE: u32 = 0x4;

const LIMIT: Duration = Duration::from_secs(60);

/// One access control entry of an SDDL string, split into its six fields.
#[derive(Debug, PartialEq, Eq)]
struct Ace {
    kind: String,
    flags: String,
    rights: String,
    object: String,
    inherited_object: String,
    trustee: String,
}

impl Ace {
    /// The rights as a number; they must be written in hexadecimal.
    fn mask(&self) -> u32 {
        let hex = self
            .rights
            .strip_prefix("0x")
            .unwrap_or_else(|| panic!("rights {:?} are not a hexadecimal mask", self.rights));
        u32::from_str_radix(hex, 16).expect("hexadecimal mask")
    }
}

/// The flags and entries of the DACL (`D:` part) of `sddl`.
fn dacl(sddl: &str) -> (String, Vec<Ace>) {
    let start = sddl
        .find("D:")
        .unwrap_or_else(|| panic!("{sddl:?} has no DACL"));
    let part = &sddl[start + 2..];
    let part = part.find("S:").map_or(part, |end| &part[..end]);
    let (flags, entries) = part.split_once('(').unwrap_or((part, ""));
    let aces = entries
        .split('(')
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let entry = entry
                .strip_suffix(')')
                .unwrap_or_else(|| panic!("unclosed entry in {sddl:?}"));
            let fields: Vec<&str> = entry.split(';').collect();
            let [kind, flags, rights, object, inherited_object, trustee] = fields[..] else {
                panic!("entry {entry:?} of {sddl:?} does not have six fields");
            };
            Ace {
                kind: kind.to_owned(),
                flags: flags.to_owned(),
                rights: rights.to_owned(),
                object: object.to_owned(),
                inherited_object: inherited_object.to_owned(),
                trustee: trustee.to_owned(),
            }
        })
        .collect();
    (flags.to_owned(), aces)
}

/// An allow entry without flags or object types.
fn allow(rights: &str, trustee: &str) -> Ace {
    Ace {
        kind: "A".to_owned(),
        flags: String::new(),
        rights: rights.to_owned(),
        object: String::new(),
        inherited_object: String::new(),
        trustee: trustee.to_owned(),
    }
}

/// A SID parsed by Windows itself, freed with `LocalFree`.
struct Sid(PSID);

impl Sid {
    /// Parses a SID string or an SDDL alias such as `SY`.
    fn parse(text: &str) -> Self {
        let wide: Vec<u16> = text.encode_utf16().chain([0]).collect();
        let mut sid = ptr::null_mut();
        // SAFETY: `wide` is NUL-terminated and `sid` is a live out-pointer.
        let ok = unsafe { ConvertStringSidToSidW(wide.as_ptr(), &mut sid) };
        assert_ne!(ok, 0, "ConvertStringSidToSidW({text:?}) failed");
        Self(sid)
    }

    /// The `S-1-…` form, whatever form the SID was parsed from.
    fn to_sid_string(&self) -> String {
        let mut text = ptr::null_mut();
        // SAFETY: `self.0` is a valid SID and `text` is a live out-pointer.
        let ok = unsafe { ConvertSidToStringSidW(self.0, &mut text) };
        assert_ne!(ok, 0, "ConvertSidToStringSidW failed");
        let mut len = 0;
        // SAFETY: the string returned is NUL-terminated, so every unit up to
        // the terminator is readable.
        while unsafe { *text.wrapping_add(len) } != 0 {
            len += 1;
        }
        // SAFETY: the `len` units before the terminator are readable.
        let units = unsafe { std::slice::from_raw_parts(text, len) };
        let string = String::from_utf16(units).expect("UTF-16");
        // SAFETY: ConvertSidToStringSidW allocated `text` with LocalAlloc.
        unsafe { LocalFree(text.cast()) };
        string
    }

    /// The name of the account the SID belongs to, without its domain.
    fn account_name(&self) -> String {
        let mut name = [0u16; 512];
        let mut name_len = name.len() as u32;
        let mut domain = [0u16; 512];
        let mut domain_len = domain.len() as u32;
        let mut use_ = 0;
        // SAFETY: both buffers are writable for the lengths passed, and every
        // other pointer is a live local.
        let ok = unsafe {
            LookupAccountSidW(
                ptr::null(),
                self.0,
                name.as_mut_ptr(),
                &mut name_len,
                domain.as_mut_ptr(),
                &mut domain_len,
                &mut use_,
            )
        };
        assert_ne!(
            ok,
            0,
            "LookupAccountSidW failed: {}",
            std::io::Error::last_os_error()
        );
        String::from_utf16(&name[..name_len as usize]).expect("UTF-16")
    }
}

impl Drop for Sid {
    fn drop(&mut self) {
        // SAFETY: ConvertStringSidToSidW allocated the SID with LocalAlloc.
        unsafe { LocalFree(self.0) };
    }
}

/// The name of the user this thread runs as, from `GetUserNameW`.
fn user_name() -> String {
    let mut name = [0u16; 512];
    let mut len = name.len() as u32;
    // SAFETY: `name` is writable for `len` units and `len` is a live local.
    let ok = unsafe { GetUserNameW(name.as_mut_ptr(), &mut len) };
    assert_ne!(ok, 0, "GetUserNameW failed");
    // The length includes the terminating NUL.
    String::from_utf16(&name[..len as usize - 1]).expect("UTF-16")
}

/// The trustee of the single entry of `current_user_only`, as `S-1-…`
/// (Windows writes some SIDs, such as the local system's, as an alias).
fn current_user_sid() -> String {
    let sddl = SecurityDescriptor::current_user_only()
        .unwrap()
        .to_sddl()
        .unwrap();
    let (_, aces) = dacl(&sddl);
    assert_eq!(aces.len(), 1, "{sddl}");
    Sid::parse(&aces[0].trustee).to_sid_string()
}

/// `to_sddl(from_sddl(sddl))`, checked to read back as itself.
fn assert_round_trip(sddl: &str) -> String {
    let written = SecurityDescriptor::from_sddl(sddl)
        .unwrap_or_else(|error| panic!("{sddl:?}: {error}"))
        .to_sddl()
        .unwrap();
    let rewritten = SecurityDescriptor::from_sddl(&written)
        .unwrap_or_else(|error| panic!("{written:?}, written for {sddl:?}: {error}"))
        .to_sddl()
        .unwrap();
    assert_eq!(rewritten, written, "{sddl:?} does not round-trip");
    written
}

#[test]
fn sddl_round_trip_reads_back_the_same() {
    let _watchdog = util::watchdog("sddl_round_trip_reads_back_the_same", LIMIT);
    for sddl in [
        "D:P(A;;GA;;;SY)(A;;GA;;;BA)",
        "O:BAG:SYD:(A;;FA;;;WD)",
        "D:(A;;GRGW;;;AU)(D;;GA;;;AN)",
        "D:AI(A;OICI;GA;;;SY)(A;ID;0x12019b;;;WD)",
        "O:S-1-5-21-1-2-3-1000D:P(A;;GA;;;S-1-5-21-1-2-3-1000)",
        "D:",
    ] {
        assert_round_trip(sddl);
    }
}

#[test]
fn sddl_in_canonical_form_is_written_back_unchanged() {
    let _watchdog = util::watchdog("sddl_in_canonical_form_is_written_back_unchanged", LIMIT);
    for sddl in [
        "D:P(A;;GA;;;SY)(A;;GA;;;BA)",
        "O:BAG:SYD:(A;;FA;;;WD)",
        "D:P(A;;GA;;;S-1-5-21-1-2-3-1000)(A;;0x12019b;;;WD)",
    ] {
        assert_eq!(assert_round_trip(sddl), sddl);
    }
}

#[test]
fn sid_with_an_alias_is_written_as_the_alias() {
    let _watchdog = util::watchdog("sid_with_an_alias_is_written_as_the_alias", LIMIT);
    let descriptor = SecurityDescriptor::from_sddl("O:S-1-5-18D:(A;;GA;;;S-1-1-0)").unwrap();
    assert_eq!(descriptor.to_sddl().unwrap(), "O:SYD:(A;;GA;;;WD)");
}

#[test]
fn mandatory_label_round_trips() {
    let test = "mandatory_label_round_trips";
    let _watchdog = util::watchdog(test, LIMIT);
    if util::is_wine() {
        util::skip(
            test,
            "Wine's ConvertSecurityDescriptorToStringSecurityDescriptorW writes no mandatory label",
        );
        return;
    }
    let written = assert_round_trip("D:P(A;;GA;;;SY)S:(ML;;NW;;;LW)");
    assert!(written.ends_with("S:(ML;;NW;;;LW)"), "{written}");
}

#[test]
fn invalid_sddl_is_invalid_input_quoting_it() {
    let _watchdog = util::watchdog("invalid_sddl_is_invalid_input_quoting_it", LIMIT);
    for sddl in [
        "garbage",
        "D:P(A;;GA;;;NOBODY)",
        "D:(Q)",
        "D:(A;;GA;;;S-1-x)",
    ] {
        let error = SecurityDescriptor::from_sddl(sddl).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{sddl:?}: {error}");
        let message = error.to_string();
        let quoted = format!("{sddl:?} is not a valid SDDL security descriptor: ");
        assert!(message.starts_with(&quoted), "{message}");
        assert!(message.len() > quoted.len(), "no reason given: {message}");
    }
}

#[test]
fn empty_sddl_is_rejected() {
    let _watchdog = util::watchdog("empty_sddl_is_rejected", LIMIT);
    let error = SecurityDescriptor::from_sddl("").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        error.to_string(),
        r#""" is not a valid SDDL security descriptor: it is empty"#
    );
}

#[test]
fn sddl_with_a_nul_is_rejected() {
    let _watchdog = util::watchdog("sddl_with_a_nul_is_rejected", LIMIT);
    let error = SecurityDescriptor::from_sddl("D:P(A;;GA;;;SY)\0(A;;GA;;;WD)").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        error.to_string(),
        r#""D:P(A;;GA;;;SY)\0(A;;GA;;;WD)" is not a valid SDDL security descriptor: it contains a NUL character"#
    );
}

#[test]
fn parse_is_from_sddl() {
    let _watchdog = util::watchdog("parse_is_from_sddl", LIMIT);
    let parsed: SecurityDescriptor = "D:P(A;;GA;;;SY)".parse().unwrap();
    assert_eq!(parsed.to_sddl().unwrap(), "D:P(A;;GA;;;SY)");
    let error = "garbage".parse::<SecurityDescriptor>().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
}

#[test]
fn current_user_only_allows_one_user_sid_everything() {
    let _watchdog = util::watchdog("current_user_only_allows_one_user_sid_everything", LIMIT);
    let sddl = SecurityDescriptor::current_user_only()
        .unwrap()
        .to_sddl()
        .unwrap();
    let (flags, aces) = dacl(&sddl);
    assert_eq!(flags, "P", "{sddl}");
    assert_eq!(aces.len(), 1, "{sddl}");
    assert_eq!(aces[0], allow("GA", &aces[0].trustee), "{sddl}");
    assert!(
        sddl.starts_with("D:P("),
        "nothing but a DACL expected: {sddl}"
    );
    let sid = current_user_sid();
    assert!(
        sid.starts_with("S-1-5-"),
        "{sid} is not an NT account's SID"
    );
}

#[test]
fn current_user_only_names_the_account_this_process_runs_as() {
    let _watchdog = util::watchdog(
        "current_user_only_names_the_account_this_process_runs_as",
        LIMIT,
    );
    let account = Sid::parse(&current_user_sid()).account_name();
    assert_eq!(account.to_lowercase(), user_name().to_lowercase());
}

#[test]
fn current_user_only_names_the_sid_whoami_reports() {
    let test = "current_user_only_names_the_sid_whoami_reports";
    let _watchdog = util::watchdog(test, LIMIT);
    if util::is_wine() {
        util::skip(
            test,
            "Wine's whoami ignores /user and prints only the account name",
        );
        return;
    }
    let output = Command::new("whoami")
        .args(["/user", "/fo", "csv", "/nh"])
        .output_child()
        .expect("run whoami");
    assert!(output.status.success(), "whoami: {}", output.status);
    // One line: "domain\user","S-1-5-…"
    let text = String::from_utf8_lossy(&output.stdout);
    let reported = text
        .trim()
        .rsplit(',')
        .next()
        .expect("a SID column")
        .trim_matches('"');
    assert_eq!(current_user_sid(), reported, "whoami printed {text:?}");
}

#[test]
fn everyone_may_connect_without_creating_instances() {
    let _watchdog = util::watchdog("everyone_may_connect_without_creating_instances", LIMIT);
    let sddl = SecurityDescriptor::everyone_may_connect()
        .unwrap()
        .to_sddl()
        .unwrap();
    let (flags, aces) = dacl(&sddl);
    assert_eq!(flags, "P", "{sddl}");
    assert_eq!(aces.len(), 2, "{sddl}");
    assert_eq!(
        Sid::parse(&aces[0].trustee).to_sid_string(),
        current_user_sid()
    );
    assert_eq!(aces[0], allow("GA", &aces[0].trustee), "{sddl}");
    assert_eq!(aces[1], allow(&aces[1].rights, "WD"), "{sddl}");
    assert_eq!(aces[1].mask(), CONNECT_ACCESS, "{sddl}");
    assert_eq!(aces[1].mask() & FILE_CREATE_PIPE_INSTANCE, 0, "{sddl}");
}

#[test]
fn try_clone_has_the_same_sddl() {
    let _watchdog = util::watchdog("try_clone_has_the_same_sddl", LIMIT);
    for original in [
        SecurityDescriptor::from_sddl("O:BAG:SYD:P(A;;GA;;;SY)(D;;GA;;;AN)").unwrap(),
        SecurityDescriptor::current_user_only().unwrap(),
        SecurityDescriptor::everyone_may_connect().unwrap(),
    ] {
        let expected = original.to_sddl().unwrap();
        let copy = original.try_clone().unwrap();
        assert_eq!(copy.to_sddl().unwrap(), expected);
        // The copy owns its memory: it outlives the original.
        drop(original);
        assert_eq!(copy.to_sddl().unwrap(), expected);
    }
}

#[test]
fn debug_shows_the_sddl() {
    let _watchdog = util::watchdog("debug_shows_the_sddl", LIMIT);
    let descriptor = SecurityDescriptor::from_sddl("D:P(A;;GA;;;SY)").unwrap();
    assert_eq!(
        format!("{descriptor:?}"),
        r#"SecurityDescriptor("D:P(A;;GA;;;SY)")"#
    );
}

#[test]
fn descriptor_is_send_and_sync() {
    let _watchdog = util::watchdog("descriptor_is_send_and_sync", LIMIT);
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SecurityDescriptor>();
    let descriptor = SecurityDescriptor::current_user_only().unwrap();
    let expected = descriptor.to_sddl().unwrap();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| assert_eq!(descriptor.to_sddl().unwrap(), expected));
        }
    });
}

/// The DACL Windows stored on the object behind `handle`, as SDDL.
fn object_dacl_sddl(handle: std::os::windows::io::BorrowedHandle<'_>) -> String {
    object_sddl(
        handle,
        windows_sys::Win32::Security::DACL_SECURITY_INFORMATION,
    )
}

/// The owner and DACL Windows stored on the object behind `handle`, as SDDL.
fn object_owner_and_dacl_sddl(handle: std::os::windows::io::BorrowedHandle<'_>) -> String {
    use windows_sys::Win32::Security::{DACL_SECURITY_INFORMATION, OWNER_SECURITY_INFORMATION};
    object_sddl(
        handle,
        OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
    )
}

/// The `parts` of the security descriptor of the object behind `handle`,
/// read with `GetSecurityInfo`, as SDDL.
fn object_sddl(handle: std::os::windows::io::BorrowedHandle<'_>, parts: u32) -> String {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::Security::Authorization::{
        ConvertSecurityDescriptorToStringSecurityDescriptorW, GetSecurityInfo, SDDL_REVISION_1,
        SE_KERNEL_OBJECT,
    };
    let mut descriptor = ptr::null_mut();
    // SAFETY: the handle is open; the out-pointers for the parts are
    // optional (null), and `descriptor` is a live local.
    let status = unsafe {
        GetSecurityInfo(
            handle.as_raw_handle(),
            SE_KERNEL_OBJECT,
            parts,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            &mut descriptor,
        )
    };
    assert_eq!(status, 0, "GetSecurityInfo failed with {status}");
    let mut text = ptr::null_mut();
    // SAFETY: `descriptor` came from GetSecurityInfo; `text` is a live out-pointer.
    let ok = unsafe {
        ConvertSecurityDescriptorToStringSecurityDescriptorW(
            descriptor,
            SDDL_REVISION_1,
            parts,
            &mut text,
            ptr::null_mut(),
        )
    };
    assert_ne!(ok, 0, "{}", std::io::Error::last_os_error());
    let mut len = 0;
    loop {
        // SAFETY: `text` is a NUL-terminated UTF-16 string from the call
        // above, and units up to its terminator are in bounds.
        let unit = unsafe { text.add(len) };
        // SAFETY: as above: `unit` is at most the terminator.
        if unsafe { *unit } == 0 {
            break;
        }
        len += 1;
    }
    // SAFETY: `len` units were just read as part of that string.
    let sddl = String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(text, len) });
    // SAFETY: both were allocated with LocalAlloc by the calls above.
    unsafe { LocalFree(text.cast()) };
    // SAFETY: as above.
    unsafe { LocalFree(descriptor) };
    sddl
}

/// Asserts that `sddl` has one allow entry, for the current user.
fn assert_only_the_current_user(sddl: &str, what: &str) {
    let (_, aces) = dacl(sddl);
    let me = current_user_sid();
    assert_eq!(aces.len(), 1, "{what}: {sddl}");
    assert_eq!(aces[0].kind, "A", "{what}: {sddl}");
    assert_eq!(
        Sid::parse(&aces[0].trustee).to_sid_string(),
        me,
        "{what}: {sddl}"
    );
}

#[test]
fn pipes_get_the_current_user_only_descriptor_by_default() {
    use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions};
    use std::os::windows::io::AsHandle;
    let _watchdog = util::watchdog(
        "pipes_get_the_current_user_only_descriptor_by_default",
        LIMIT,
    );
    let (tx, _rx) = localipc::pipe::pipe().unwrap();
    assert_only_the_current_user(&object_dacl_sddl(tx.as_handle()), "unnamed pipe");
    let path = format!(
        r"\\.\pipe\localipc-test-{}-default-dacl",
        std::process::id()
    );
    let listener = ListenerOptions::new(&path).create().unwrap();
    let _client = ConnectOptions::new(&path).connect().unwrap();
    let server = listener.accept().unwrap();
    assert_only_the_current_user(&object_dacl_sddl(server.as_handle()), "named pipe");
}

#[test]
fn a_chosen_descriptor_reaches_the_pipe() {
    use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions};
    use std::os::windows::io::AsHandle;
    let _watchdog = util::watchdog("a_chosen_descriptor_reaches_the_pipe", LIMIT);
    let descriptor = SecurityDescriptor::everyone_may_connect().unwrap();
    let (tx, _rx) = localipc::os::windows::pipe_with_security(&descriptor).unwrap();
    let path = format!(r"\\.\pipe\localipc-test-{}-chosen-dacl", std::process::id());
    let listener = ListenerOptions::new(&path)
        .security_descriptor(descriptor)
        .create()
        .unwrap();
    let _client = ConnectOptions::new(&path).connect().unwrap();
    let server = listener.accept().unwrap();
    for (what, sddl) in [
        ("unnamed pipe", object_dacl_sddl(tx.as_handle())),
        ("named pipe", object_dacl_sddl(server.as_handle())),
    ] {
        let (_, aces) = dacl(&sddl);
        let everyone = aces
            .iter()
            .find(|ace| Sid::parse(&ace.trustee).to_sid_string() == "S-1-1-0")
            .unwrap_or_else(|| panic!("{what}: no entry for Everyone in {sddl}"));
        assert_eq!(everyone.mask(), CONNECT_ACCESS, "{what}: {sddl}");
        assert_eq!(everyone.mask() & FILE_CREATE_PIPE_INSTANCE, 0);
    }
}

#[test]
fn a_descriptor_that_admits_nobody_refuses_clients() {
    use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions};
    let name = "a_descriptor_that_admits_nobody_refuses_clients";
    let _watchdog = util::watchdog(name, LIMIT);
    let path = format!(r"\\.\pipe\localipc-test-{}-nobody", std::process::id());
    let _listener = ListenerOptions::new(&path)
        .security_descriptor(SecurityDescriptor::from_sddl("D:P").unwrap())
        .create()
        .unwrap();
    match ConnectOptions::new(&path).connect() {
        Ok(_) if util::is_wine() => util::skip(name, "Wine does not enforce pipe DACLs on open"),
        Ok(_) => panic!("a client got through an empty DACL"),
        Err(error) => assert_eq!(error.kind(), ErrorKind::PermissionDenied, "{error}"),
    }
}

// --- Local sockets: access policies and server checks ---------------------------

/// The owner (`O:` part) of `sddl`, as `S-1-…`.
fn owner(sddl: &str) -> String {
    let start = sddl
        .find("O:")
        .unwrap_or_else(|| panic!("{sddl:?} has no owner"));
    let rest = &sddl[start + 2..];
    let end = rest.find(':').map_or(rest.len(), |colon| colon - 1);
    Sid::parse(&rest[..end]).to_sid_string()
}

/// The entry for `sid` in the DACL of `sddl`, if there is one.
fn entry_for<'a>(aces: &'a [Ace], sid: &str) -> Option<&'a Ace> {
    aces.iter()
        .find(|ace| Sid::parse(&ace.trustee).to_sid_string() == sid)
}

#[test]
fn local_socket_listeners_get_the_owner_and_dacl_of_their_access_policy() {
    use localipc::identity::{Group, User};
    use localipc::local_socket::{Access, ListenerOptions, Name, Stream};
    use localipc::os::windows::identity::{GroupExt, UserExt};
    use std::os::windows::io::AsHandle;
    let _watchdog = util::watchdog(
        "local_socket_listeners_get_the_owner_and_dacl_of_their_access_policy",
        LIMIT,
    );
    let me = current_user_sid();
    let users_group = "S-1-5-32-545";
    let local_service = "S-1-5-19";
    let network_service = "S-1-5-20";
    for (access, extra) in [
        (Access::current_user(), vec![]),
        (Access::any_user(), vec!["S-1-1-0"]),
        (
            Access::group(Group::from_sid(users_group).unwrap()),
            vec![users_group],
        ),
        (
            Access::users([
                User::from_sid(local_service).unwrap(),
                User::from_sid(network_service).unwrap(),
            ]),
            vec![local_service, network_service],
        ),
    ] {
        let name = Name::namespaced(format!(
            "localipc-test-{}-policy-{}",
            std::process::id(),
            extra.len()
        ))
        .unwrap();
        let listener = ListenerOptions::new(&name)
            .access(access.clone())
            .bind()
            .unwrap();
        let _client = Stream::connect(&name).unwrap();
        let server = listener.accept().unwrap();
        let sddl = object_owner_and_dacl_sddl(server.as_handle());
        assert_eq!(owner(&sddl), me, "{access:?}: {sddl}");
        let (flags, aces) = dacl(&sddl);
        assert!(flags.contains('P'), "{access:?}: a protected DACL: {sddl}");
        let mine = entry_for(&aces, &me).unwrap_or_else(|| panic!("{access:?}: {sddl}"));
        assert!(
            mine.rights == "GA" || mine.mask() == 0x001f_01ff,
            "{access:?}: full access for this user: {sddl}"
        );
        let mut admitted = vec!["S-1-5-18"];
        admitted.extend(&extra);
        for sid in &admitted {
            let entry = entry_for(&aces, sid)
                .unwrap_or_else(|| panic!("{access:?}: no entry for {sid}: {sddl}"));
            assert_eq!(entry.kind, "A", "{access:?}: {sddl}");
            assert_eq!(entry.mask(), CONNECT_ACCESS, "{access:?}, {sid}: {sddl}");
            assert_eq!(entry.mask() & FILE_CREATE_PIPE_INSTANCE, 0);
        }
        assert_eq!(
            aces.len(),
            1 + admitted.len(),
            "{access:?}: nobody else: {sddl}"
        );
    }
}

/// Creates a pipe owned by `owner` (a SID), if Windows lets this process
/// name that owner: real Windows refuses any owner but the creator's own
/// user and groups (ERROR_INVALID_OWNER) without a restore privilege; Wine
/// does not check.
fn pipe_owned_by(owner: &str, path: &str) -> Option<localipc::os::windows::named_pipe::Listener> {
    use localipc::os::windows::named_pipe::ListenerOptions;
    let descriptor = SecurityDescriptor::from_sddl(&format!("O:{owner}D:P(A;;GA;;;WD)")).unwrap();
    match ListenerOptions::new(path)
        .security_descriptor(descriptor)
        .create()
    {
        Ok(listener) => Some(listener),
        Err(error) if localipc::raw_os_error(&error) == Some(1307) => None,
        Err(error) => panic!("creating a pipe owned by {owner}: {error}"),
    }
}

#[test]
fn a_client_refuses_a_pipe_owned_by_another_user_before_writing() {
    use localipc::identity::User;
    use localipc::local_socket::{ConnectOptions, ExpectedServer, Name, Stream};
    use localipc::os::windows::identity::UserExt;
    use std::io::{Read, Write};
    let test = "a_client_refuses_a_pipe_owned_by_another_user_before_writing";
    let _watchdog = util::watchdog(test, LIMIT);
    // A squatter of another user: the local service account's SID as owner.
    let other = "S-1-5-19";
    let path = format!(r"\\.\pipe\localipc-test-{}-squatted", std::process::id());
    let Some(squatter) = pipe_owned_by(other, &path) else {
        util::skip(
            test,
            "Windows lets a process own pipes only as itself: this needs a second account",
        );
        return;
    };
    let name = Name::path(&path).unwrap();
    let refused = |result: std::io::Result<Box<dyn Write>>, how: &str| match result {
        Ok(mut stream) => {
            let _ = stream.write_all(b"secret");
            panic!("{how}: connected to a pipe owned by {other}");
        }
        Err(error) => {
            assert_eq!(error.kind(), ErrorKind::PermissionDenied, "{how}: {error}");
            let message = error.to_string();
            assert!(
                message.contains(other) && message.contains(&path),
                "{how}: {message}"
            );
        }
    };
    refused(
        Stream::connect(&name).map(|stream| Box::new(stream) as Box<dyn Write>),
        "blocking",
    );
    #[cfg(feature = "tokio")]
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let connected = runtime.block_on(localipc::local_socket::tokio::Stream::connect(&name));
        refused(
            connected.map(|_| Box::new(Vec::new()) as Box<dyn Write>),
            "tokio",
        );
    }
    #[cfg(feature = "smol")]
    {
        let connected = smol::block_on(localipc::local_socket::smol::Stream::connect(&name));
        refused(
            connected.map(|_| Box::new(Vec::new()) as Box<dyn Write>),
            "smol",
        );
    }
    // Expecting that owner, or anyone, gets through.
    for expected in [
        ExpectedServer::user(User::from_sid(other).unwrap()),
        ExpectedServer::any_user(),
    ] {
        drop(
            ConnectOptions::new(&name)
                .expected_server(expected.clone())
                .connect()
                .unwrap_or_else(|error| panic!("{expected:?}: {error}")),
        );
    }
    // Every refused client left without writing: the squatter reads the
    // end of each stream and nothing else.
    squatter.set_nonblocking(true);
    let mut accepted = 0;
    while let Ok(mut stream) = squatter.accept() {
        let mut got = Vec::new();
        stream.read_to_end(&mut got).unwrap();
        assert!(got.is_empty(), "the squatter received {got:?}");
        accepted += 1;
    }
    assert!(accepted >= 2, "{accepted}");
}

#[test]
fn a_pipe_of_the_local_system_account_is_accepted_by_default() {
    use localipc::local_socket::{Name, Stream};
    let test = "a_pipe_of_the_local_system_account_is_accepted_by_default";
    let _watchdog = util::watchdog(test, LIMIT);
    let path = format!(r"\\.\pipe\localipc-test-{}-system", std::process::id());
    let Some(_service) = pipe_owned_by("S-1-5-18", &path) else {
        util::skip(
            test,
            "Windows lets a process own pipes only as itself: this needs a service",
        );
        return;
    };
    drop(Stream::connect(&Name::path(&path).unwrap()).unwrap());
}

#[test]
fn users_and_groups_are_looked_up_by_name_and_sid() {
    use localipc::identity::{Group, User};
    use localipc::os::windows::identity::{GroupExt, UserExt};
    let _watchdog = util::watchdog("users_and_groups_are_looked_up_by_name_and_sid", LIMIT);
    let me = User::current().unwrap();
    assert_eq!(me.sid(), current_user_sid());
    assert_eq!(me.to_string(), current_user_sid());
    assert_eq!(User::from_name(&user_name()).unwrap(), me);
    assert_eq!(User::superuser().sid(), "S-1-5-18");
    assert_eq!(User::from_sid("S-1-5-18").unwrap(), User::superuser());
    for bad in ["", "S-1-bogus", "nonsense", "S-1-5-18\0"] {
        let error = User::from_sid(bad).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{bad:?}: {error}");
    }
    let error = User::from_name("localipc-no-such-user").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    assert!(
        error.to_string().contains("localipc-no-such-user"),
        "{error}"
    );
    let error = Group::from_name("localipc-no-such-group").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    // A user is not a group, nor the other way round.
    assert_eq!(
        Group::from_name(&user_name()).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        Group::from_sid("S-1-5-32-545").unwrap().sid(),
        "S-1-5-32-545"
    );
}
