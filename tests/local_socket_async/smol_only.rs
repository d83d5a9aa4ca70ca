//! What only the smol front end has: no runtime context at all.

use std::time::Duration;

use localipc::local_socket::smol::{Listener, Stream};
use smol::io::{AsyncReadExt, AsyncWriteExt};

use crate::util::names::namespaced;
use crate::util::watchdog;

#[test]
fn streams_work_from_plain_threads_without_any_executor() {
    let _watchdog = watchdog(
        "smol_only::streams_work_from_plain_threads_without_any_executor",
        Duration::from_secs(90),
    );
    // async-io's reactor serves every thread: no runtime context to enter.
    let name = namespaced("no-executor");
    let listener = Listener::bind(&name).unwrap();
    let client = std::thread::spawn({
        let name = name.clone();
        move || {
            smol::block_on(async {
                let mut stream = Stream::connect(&name).await?;
                stream.write_all(b"from a plain thread").await?;
                Ok::<_, std::io::Error>(stream)
            })
        }
    });
    let mut server = smol::block_on(listener.accept()).unwrap();
    let client = client.join().unwrap().unwrap();
    drop(client);
    let mut got = String::new();
    smol::block_on(server.read_to_string(&mut got)).unwrap();
    assert_eq!(got, "from a plain thread");
}
