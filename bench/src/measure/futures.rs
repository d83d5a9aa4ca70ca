//! The measured side over a futures-io stream (async-io's `Async`), driven
//! with futures-lite's extension traits.

async_measured_side!(futures_lite);
