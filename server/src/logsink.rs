//! Where log lines go: standard error, through a buffer that a thread of its own writes out.
//!
//! A request's log line used to be written to standard error on the request's own thread, one `write`
//! a line: at 40,000 cached pages a second that was a third of a page's CPU (BENCHMARKS.md, issue 17).
//! Here a line is appended to a buffer in memory and a flushing thread writes the buffer out every
//! `FLUSH_EVERY`, or as soon as it holds `WAKE_AT` bytes, in one `write`. Nothing is dropped: when the
//! flusher falls `FULL_AT` bytes behind, the writer of the line writes the buffer out itself. Lines of
//! `warn` and `error` (but the access log's own slow-request lines) are written out at once, with
//! everything before them, so that what a crash leaves behind ends with its cause. `flush` empties the
//! buffer; the binary calls it before it exits, and a panic does too.

use std::io::Write as _;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

const FLUSH_EVERY: Duration = Duration::from_millis(50);
const WAKE_AT: usize = 64 * 1024;
const FULL_AT: usize = 4 * 1024 * 1024;

/// The request log's target: its lines, even at `warn`, are records, not alarms, and wait for the flusher.
pub const REQUEST_TARGET: &str = "gongkai::request";

struct Sink {
    pending: Mutex<Vec<u8>>,
    wake: Condvar,
    /// The buffer last written out, kept for its capacity. Held while writing, so that buffers reach
    /// standard error in the order they were taken.
    written: Mutex<Vec<u8>>,
    /// Whether a flushing thread runs; without one every line is written out at once.
    flusher: bool,
}

static SINK: OnceLock<Sink> = OnceLock::new();

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts the flushing thread (once; later calls do nothing) and makes a panic flush the buffer first.
pub fn install() {
    if SINK.get().is_some() {
        return;
    }
    let started = std::thread::Builder::new().name("log-flush".into()).spawn(|| loop {
        let Some(sink) = SINK.get() else {
            std::thread::sleep(FLUSH_EVERY);
            continue;
        };
        let pending = lock(&sink.pending);
        let pending = if pending.len() < WAKE_AT {
            sink.wake.wait_timeout(pending, FLUSH_EVERY).map_or_else(|e| e.into_inner().0, |(guard, _)| guard)
        } else {
            pending
        };
        let empty = pending.is_empty();
        drop(pending);
        if !empty {
            flush();
        }
    });
    let sink = Sink { pending: Mutex::new(Vec::with_capacity(WAKE_AT)), wake: Condvar::new(), written: Mutex::new(Vec::with_capacity(WAKE_AT)), flusher: started.is_ok() };
    if SINK.set(sink).is_err() {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        flush();
        previous(info);
    }));
}

/// Adds one or more whole lines; `urgent` writes them out at once, after everything before them.
pub fn append(lines: &[u8], urgent: bool) {
    let Some(sink) = SINK.get() else {
        let _ = std::io::stderr().lock().write_all(lines);
        return;
    };
    let mut pending = lock(&sink.pending);
    pending.extend_from_slice(lines);
    let held = pending.len();
    drop(pending);
    if urgent || !sink.flusher || held >= FULL_AT {
        flush();
    } else if held >= WAKE_AT {
        sink.wake.notify_one();
    }
}

/// Writes out what the buffer holds.
pub fn flush() {
    let Some(sink) = SINK.get() else { return };
    let mut written = lock(&sink.written);
    std::mem::swap(&mut *written, &mut *lock(&sink.pending));
    if written.is_empty() {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    // Standard error closed or full: there is nowhere else to say so.
    let _ = stderr.write_all(&written).and_then(|()| stderr.flush());
    written.clear();
    // A burst's buffer is not kept for ever.
    written.shrink_to(WAKE_AT * 2);
}

/// `tracing_subscriber`'s writer into the sink: one `write` a formatted event.
pub struct MakeSink;

pub struct SinkWriter {
    urgent: bool,
}

impl std::io::Write for SinkWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        append(buf, self.urgent);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for MakeSink {
    type Writer = SinkWriter;

    fn make_writer(&'a self) -> SinkWriter {
        SinkWriter { urgent: true }
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> SinkWriter {
        SinkWriter { urgent: urgent(meta.level(), meta.target()) }
    }
}

fn urgent(level: &tracing::Level, target: &str) -> bool {
    *level <= tracing::Level::WARN && target != REQUEST_TARGET
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_warnings_and_errors_other_than_the_request_log_are_urgent() {
        assert!(urgent(&tracing::Level::WARN, "gongkai::db"));
        assert!(urgent(&tracing::Level::ERROR, "gongkai"));
        assert!(!urgent(&tracing::Level::INFO, "gongkai"));
        assert!(!urgent(&tracing::Level::DEBUG, "sqlx::query"));
        assert!(!urgent(&tracing::Level::WARN, REQUEST_TARGET));
    }
}
