//! Windows-only options of local sockets.

use std::sync::Arc;

use super::security::SecurityDescriptor;
use crate::local_socket::ListenerOptions;
use crate::sealed::Sealed;

/// Windows-only options of [`ListenerOptions`]. Sealed.
pub trait ListenerOptionsExt: Sealed {
    /// Who may connect (default:
    /// [`SecurityDescriptor::current_user_only`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{ListenerOptions, Name};
    /// use localipc::os::windows::local_socket::ListenerOptionsExt;
    /// use localipc::os::windows::security::SecurityDescriptor;
    ///
    /// let name = Name::namespaced(format!("localipc-doc-open-{}", std::process::id()))?;
    /// let listener = ListenerOptions::new(&name)
    ///     .security_descriptor(SecurityDescriptor::everyone_may_connect()?)
    ///     .bind()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn security_descriptor(&mut self, descriptor: SecurityDescriptor) -> &mut Self;

    /// How many pipe instances wait for clients at once, 1 to 64 (default
    /// 8): the Windows counterpart of a listen backlog. Clients arriving
    /// together beyond it wait a moment for the next instance. Outside that
    /// range, [`bind`](ListenerOptions::bind) fails with `InvalidInput`.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{ListenerOptions, Name};
    /// use localipc::os::windows::local_socket::ListenerOptionsExt;
    ///
    /// let name = Name::namespaced(format!("localipc-doc-ready-{}", std::process::id()))?;
    /// let listener = ListenerOptions::new(&name).ready_instances(32).bind()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn ready_instances(&mut self, count: usize) -> &mut Self;
}

impl ListenerOptionsExt for ListenerOptions {
    fn security_descriptor(&mut self, descriptor: SecurityDescriptor) -> &mut Self {
        self.security = Some(Arc::new(descriptor));
        self
    }

    fn ready_instances(&mut self, count: usize) -> &mut Self {
        self.ready_instances = count;
        self
    }
}
