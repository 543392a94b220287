//! A clock file for Baton's `BATON_CLOCK_FILE` hook: the test sets or
//! advances the time Baton's decisions and timers run on (several Batons
//! given the same file share it), so "4 hours later" or "tomorrow at 09:00
//! in Sydney" is one write away. Slack signatures and GitHub tokens keep
//! the real time.

use std::path::PathBuf;
use std::sync::Mutex;

pub struct TestClock {
    _dir: tempfile::TempDir,
    path: PathBuf,
    now: Mutex<i64>,
}

impl TestClock {
    /// A clock standing at `unix` seconds.
    pub fn at(unix: i64) -> TestClock {
        let dir = tempfile::tempdir().unwrap();
        let clock = TestClock {
            path: dir.path().join("clock"),
            _dir: dir,
            now: Mutex::new(unix),
        };
        clock.set(unix);
        clock
    }

    /// The setting that makes a Baton read this clock.
    pub fn setting(&self) -> (&'static str, String) {
        ("BATON_CLOCK_FILE", self.path.display().to_string())
    }

    pub fn now(&self) -> i64 {
        *self.now.lock().unwrap()
    }

    /// Stand at `unix` (written whole: Baton never reads half a number).
    pub fn set(&self, unix: i64) {
        let fresh = self.path.with_extension("new");
        std::fs::write(&fresh, unix.to_string()).unwrap();
        std::fs::rename(&fresh, &self.path).unwrap();
        *self.now.lock().unwrap() = unix;
    }

    /// Move `secs` forward.
    pub fn advance(&self, secs: i64) {
        self.set(self.now() + secs);
    }
}
