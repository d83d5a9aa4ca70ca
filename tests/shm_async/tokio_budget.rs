//! Tokio-only behaviour of async shared-memory channels: Tokio's task budget.

use std::future::poll_fn;
use std::pin::Pin;
use std::time::Duration;

use localipc::shm::ShmOptions;
use localipc::shm::tokio::{ShmListener, ShmStream};
use tokio::io::{AsyncReadExt, AsyncWrite};

use crate::util::names::namespaced;

/// Tokio makes a task that has done many operations in one poll yield: each
/// of its resources then answers `Pending` for a while, although it could
/// proceed. A write that must wake a waiting reader at that moment still
/// wakes it (the bell used to go through the runtime's readiness, and was
/// dropped there: the reader slept forever, as busy machines showed).
#[test]
fn a_write_wakes_the_reader_when_the_task_budget_is_spent() {
    let _watchdog = crate::util::watchdog(
        "tokio_budget::a_write_wakes_the_reader_when_the_task_budget_is_spent",
        Duration::from_secs(60),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let name = namespaced("shm-budget");
        let listener = ShmListener::bind(&name).unwrap();
        let options = ShmOptions::new();
        let (client, server) =
            tokio::join!(ShmStream::connect_with(&name, &options), listener.accept());
        let (mut client, mut server) = (client.unwrap(), server.unwrap());
        let reader = tokio::spawn(async move {
            let mut byte = [0; 1];
            server.read_exact(&mut byte).await.map(|_| byte)
        });
        // The reader announces its wait and sleeps.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!reader.is_finished());
        // Spend this task's budget on a channel that is always ready, then
        // write in the same poll.
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<()>(512);
        for _ in 0..512 {
            sender.try_send(()).unwrap();
        }
        poll_fn(|cx| {
            let mut budget_spent = false;
            for _ in 0..512 {
                budget_spent |= receiver.poll_recv(cx).is_pending();
            }
            assert!(budget_spent, "Tokio no longer limits a task's budget");
            Pin::new(&mut client).poll_write(cx, b"x")
        })
        .await
        .unwrap();
        let read = tokio::time::timeout(Duration::from_secs(10), reader).await;
        let byte = read.expect("the waiting reader was never woken").unwrap();
        assert_eq!(byte.unwrap(), *b"x");
    });
}
