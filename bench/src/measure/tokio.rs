//! The measured side over a Tokio stream; the caller runs it on a
//! current-thread runtime.

async_measured_side!(tokio::io);
