//! `fifo create|send|recv`: FIFOs from the shell (Unix).

use std::io::{self, Write};

use localipc::os::unix::fifo;

use crate::args::FifoCommand;

pub(crate) fn run(command: &FifoCommand) -> io::Result<()> {
    match command {
        FifoCommand::Create { mode, path } => fifo::create(path, *mode),
        FifoCommand::Send { path } => {
            let mut sender = fifo::open_sender(path)?;
            match io::copy(&mut io::stdin().lock(), &mut sender) {
                Ok(_) => Ok(()),
                // One-way: nobody will ever read the rest, so say so.
                Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Err(io::Error::new(
                    error.kind(),
                    format!(
                        "{}: every reader closed the FIFO before standard input ended",
                        path.display()
                    ),
                )),
                Err(error) => Err(error),
            }
        }
        FifoCommand::Recv { path } => {
            let mut receiver = fifo::open_receiver(path)?;
            let mut stdout = io::stdout().lock();
            io::copy(&mut receiver, &mut stdout)?;
            stdout.flush()
        }
    }
}
