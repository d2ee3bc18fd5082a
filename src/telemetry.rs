//! Logging: `tracing` to standard output, as text or JSON lines
//! (`RAPPORT_LOG_FORMAT`), filtered by `RAPPORT_LOG` (default `info`).
//!
//! Lines are written by a thread of their own ([`BackgroundStdout`]): every
//! request logs a line, and a write system call under the stdout lock on the
//! request's thread cost more than the rest of the line. Colours only when
//! standard output is a terminal.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogFormat;

/// Installs the global subscriber. Safe to call more than once (tests): later
/// calls keep the first subscriber.
pub fn init(format: &LogFormat) {
    let filter = EnvFilter::try_from_env("RAPPORT_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let registry = tracing_subscriber::registry().with(filter);
    let Some(writer) = BackgroundStdout::start() else {
        return;
    };
    let result = match format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_writer(writer),
            )
            .try_init(),
        LogFormat::Text => registry
            .with(
                fmt::layer()
                    .with_ansi(std::io::stdout().is_terminal())
                    .with_writer(writer),
            )
            .try_init(),
    };
    // An error only means a subscriber is already installed.
    drop(result);
}

/// Waits until every line logged so far is written: before the process
/// exits.
pub fn flush() {
    if let Some(sender) = SENDER.get() {
        let (done, wait) = sync_channel(1);
        if sender.send(Message::Flush(done)).is_ok() {
            let _ = wait.recv();
        }
    }
}

enum Message {
    Line(Vec<u8>),
    Flush(SyncSender<()>),
}

/// Lines waiting to be written; a logger that gets further ahead waits
/// (as it did when it wrote itself), so memory stays bounded.
const QUEUE: usize = 8192;

static SENDER: OnceLock<SyncSender<Message>> = OnceLock::new();

/// Standard output, written in order by one thread, flushed whenever no
/// line is waiting.
#[derive(Clone, Copy)]
struct BackgroundStdout(&'static SyncSender<Message>);

impl BackgroundStdout {
    /// The writer, its thread started on the first call; `None` on later
    /// calls (the subscriber is installed once).
    fn start() -> Option<Self> {
        let mut started = false;
        let sender = SENDER.get_or_init(|| {
            started = true;
            let (sender, receiver) = sync_channel(QUEUE);
            std::thread::Builder::new()
                .name("log-writer".into())
                .spawn(move || write_lines(receiver))
                .expect("start the log writer");
            sender
        });
        started.then_some(Self(sender))
    }
}

fn write_lines(lines: Receiver<Message>) {
    let stdout = std::io::stdout();
    let mut buffer = Vec::with_capacity(64 * 1024);
    let mut waiting = Vec::new();
    while let Ok(first) = lines.recv() {
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Line(line) => buffer.extend_from_slice(&line),
                Message::Flush(done) => waiting.push(done),
            }
            next = if buffer.len() < 60 * 1024 {
                lines.try_recv().ok()
            } else {
                None
            };
        }
        let mut out = stdout.lock();
        let _ = out.write_all(&buffer).and_then(|()| out.flush());
        drop(out);
        buffer.clear();
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
    }
}

/// One log line, sent when the formatter is done with it.
struct Line {
    sender: &'static SyncSender<Message>,
    bytes: Vec<u8>,
}

impl Write for Line {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.bytes.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if !self.bytes.is_empty() {
            let _ = self
                .sender
                .send(Message::Line(std::mem::take(&mut self.bytes)));
        }
    }
}

impl<'a> MakeWriter<'a> for BackgroundStdout {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line {
            sender: self.0,
            bytes: Vec::with_capacity(256),
        }
    }
}
