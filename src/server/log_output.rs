//! Where the log goes: stderr, written so that a stderr that refuses
//! writes (a log file on a full disk) never stops Baton. A line that cannot
//! be written is dropped and counted; a line cut short is ended before the
//! next one starts; and once lines get through again, the count of those
//! lost is logged.
//!
//! (tracing-subscriber's own stderr writer reports a failed write with
//! `eprintln!`, which panics when stderr itself fails: on a full disk that
//! ended whichever thread logged, the writer thread among them.)

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tracing_subscriber::fmt::MakeWriter;

/// How often the count of lost lines is looked at.
const REPORT_EVERY: Duration = Duration::from_secs(10);

/// Lines dropped since start because stderr refused them.
static LOST: AtomicU64 = AtomicU64::new(0);
/// The last line was cut short: the next one starts on a new line.
static CUT: AtomicBool = AtomicBool::new(false);

/// The log's writer: one formatted line per `write`, to stderr.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stderr;

impl<'a> MakeWriter<'a> for Stderr {
    type Writer = Stderr;

    fn make_writer(&'a self) -> Stderr {
        Stderr
    }
}

impl Write for Stderr {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        write_line(&mut io::stderr().lock(), line);
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Write `line` to `out` whole, or count it lost. Never fails.
fn write_line(out: &mut impl Write, line: &[u8]) {
    if CUT.load(Ordering::Relaxed) {
        if write_fully(out, b"\n").is_err() {
            LOST.fetch_add(1, Ordering::Relaxed);
            return;
        }
        CUT.store(false, Ordering::Relaxed);
    }
    if let Err(written) = write_fully(out, line) {
        LOST.fetch_add(1, Ordering::Relaxed);
        if written > 0 {
            CUT.store(true, Ordering::Relaxed);
        }
    }
}

/// `write_all`, but on failure says how many bytes did get out.
fn write_fully(out: &mut impl Write, mut bytes: &[u8]) -> Result<(), usize> {
    let mut written = 0;
    while !bytes.is_empty() {
        match out.write(bytes) {
            Ok(0) => return Err(written),
            Ok(n) => {
                written += n;
                bytes = &bytes[n..];
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(written),
        }
    }
    Ok(())
}

/// Log how many lines were lost, once lines get through again; until
/// `shutdown`.
pub async fn report_lost_lines(mut shutdown: watch::Receiver<bool>) {
    let mut reported = LOST.load(Ordering::Relaxed);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(REPORT_EVERY) => {}
            _ = shutdown.wait_for(|s| *s) => break,
        }
        let lost = LOST.load(Ordering::Relaxed);
        if lost > reported {
            tracing::warn!(
                lines = lost - reported,
                "log lines were lost: stderr refused them (is its disk full?)"
            );
            // If this line was lost too, the next look counts it (and only it).
            reported = lost;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stderr that takes `room` more bytes, then refuses.
    struct Disk {
        kept: Vec<u8>,
        room: usize,
    }

    impl Write for Disk {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "full"));
            }
            let n = bytes.len().min(self.room);
            self.kept.extend_from_slice(&bytes[..n]);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_full_stderr_loses_lines_without_failing_and_a_cut_line_is_ended() {
        let before = LOST.load(Ordering::Relaxed);
        let mut disk = Disk {
            kept: Vec::new(),
            room: 10,
        };
        write_line(&mut disk, b"first line\n");
        write_line(&mut disk, b"second line\n");
        assert_eq!(disk.kept, b"first line");
        assert!(LOST.load(Ordering::Relaxed) >= before + 2);
        // Space returns: the cut line is ended, the next line is whole.
        disk.room = 100;
        write_line(&mut disk, b"third line\n");
        assert_eq!(disk.kept, b"first line\nthird line\n");
    }
}
