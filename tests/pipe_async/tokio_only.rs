//! What only the Tokio front end has: a runtime context that pipes must be
//! created in.

use std::time::Duration;

use localipc::pipe;

use crate::util::watchdog;

#[test]
fn creating_outside_a_runtime_is_an_error_not_a_panic() {
    let _watchdog = watchdog(
        "tokio_only::creating_outside_a_runtime_is_an_error_not_a_panic",
        Duration::from_secs(90),
    );
    let error = pipe::tokio::pipe().unwrap_err();
    assert!(error.to_string().contains("Tokio runtime"), "{error}");
}
