//! The single writer: every state change runs here, on one dedicated thread,
//! inside a redb write transaction. Jobs that arrive together share one
//! commit (group commit), and each caller is answered only after that commit,
//! so an acknowledged event is durable and throughput is not capped by one
//! fsync per event. If a batch fails, its jobs run again one at a time, so a
//! bad write (a corrupt record, a bug that panics) fails only its own caller.
//!
//! The thread outlives whatever fails under it. A store that refuses writes
//! (a full or failing disk, an unreachable database) fails the whole batch
//! at once, answered with [`WriteError::Unavailable`] and logged at most
//! once per [`REFUSALS_LOG_EVERY`] with the count refused, until writes work
//! again (the server reopens the store meanwhile). Should the loop itself
//! panic, the jobs in hand are answered with an error and the loop starts
//! again; a job is never dropped unanswered.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use baton_state::{Store, StoreError, Tx};
use tokio::sync::{mpsc, oneshot, Notify};

/// Largest number of jobs committed together.
const MAX_BATCH: usize = 256;
/// While the store refuses writes, one log line per this long at most.
const REFUSALS_LOG_EVERY: Duration = Duration::from_secs(10);

/// One caller's write: run inside a batch's transaction, answered after the
/// commit. If its batch fails it runs again alone, so one bad write (a
/// corrupt record, a bug) fails only its own caller.
trait Job: Send {
    /// Run the write; its value is kept for the answer. May run twice.
    fn run(&mut self, tx: &mut Tx<'_>) -> Result<(), StoreError>;
    /// Answer the caller: its value once committed, or why nothing was stored.
    fn answer(self: Box<Self>, outcome: Result<(), WriteError>);
}

struct Call<T, F> {
    write: F,
    value: Option<T>,
    /// Taken by the answer; a job dropped unanswered answers from `Drop`.
    reply: Option<oneshot::Sender<Result<T, WriteError>>>,
}

impl<T, F> Job for Call<T, F>
where
    T: Send,
    F: FnMut(&mut Tx<'_>) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, tx: &mut Tx<'_>) -> Result<(), StoreError> {
        self.value = Some((self.write)(tx)?);
        Ok(())
    }

    fn answer(mut self: Box<Self>, outcome: Result<(), WriteError>) {
        let value = self.value.take();
        let answer = outcome.and_then(|()| {
            value.ok_or_else(|| WriteError::Store("the write committed without a value".into()))
        });
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(answer);
        }
    }
}

impl<T, F> Drop for Call<T, F> {
    fn drop(&mut self) {
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(Err(WriteError::Store(
                "the writer failed while this write was in hand (a bug; see the log); \
                 whether it was stored is unknown, sending it again is safe"
                    .into(),
            )));
        }
    }
}

type BoxedJob = Box<dyn Job>;

/// Why a write did not happen.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    /// The store refuses writes for now (disk full or failing, database
    /// unreachable). Nothing was stored; the writer logs these, counted.
    #[error("the store cannot take writes now: {0}")]
    Unavailable(String),
    #[error("the store failed: {0}")]
    Store(String),
    #[error("the writer has stopped")]
    Stopped,
}

impl From<StoreError> for WriteError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            WriteError::Unavailable(e.to_string())
        } else {
            WriteError::Store(e.to_string())
        }
    }
}

impl WriteError {
    /// The store refusing writes for now: logged by the writer already (at
    /// most once per [`REFUSALS_LOG_EVERY`]), so callers need not log it.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, WriteError::Unavailable(_))
    }
}

/// A handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::UnboundedSender<BoxedJob>,
    /// Woken after a commit that added items to the outbox (and only then),
    /// so the outbox dispatcher looks again.
    committed: Arc<Notify>,
    /// Writes sent and not yet answered (queued or in the current batch).
    pending: Arc<AtomicUsize>,
}

/// Counts a write as pending from its send until its caller stops waiting.
struct PendingGuard(Arc<AtomicUsize>);

impl Drop for PendingGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Writer {
    /// Start the writer thread over `store`.
    pub fn start(store: Arc<Store>) -> (Writer, std::thread::JoinHandle<()>) {
        let (jobs, mut receiver) = mpsc::unbounded_channel::<BoxedJob>();
        let committed = Arc::new(Notify::new());
        let notify = committed.clone();
        let thread = std::thread::Builder::new()
            .name("baton-writer".into())
            .spawn(move || {
                let mut refusals = Refusals::default();
                // Until every handle is gone; a panic of the loop (a bug)
                // answers the jobs in hand (`Call`'s `Drop`) and starts it
                // again.
                while let Err(panic) = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    serve(&store, &mut receiver, &notify, &mut refusals)
                })) {
                    tracing::error!(
                        panic = panic_text(&*panic),
                        "the writer failed; its writes in hand were answered with an error; starting it again"
                    );
                    // Not a busy loop, should the failure repeat.
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
            .expect("spawn the writer thread");
        let writer = Writer {
            jobs,
            committed,
            pending: Arc::new(AtomicUsize::new(0)),
        };
        (writer, thread)
    }

    /// Run `f` inside a write transaction; returns its value once committed.
    /// `f` may run twice (a second time alone if its batch failed), so it
    /// must only touch the transaction.
    pub async fn run<T, F>(&self, f: F) -> Result<T, WriteError>
    where
        T: Send + 'static,
        F: FnMut(&mut Tx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, WriteError>>();
        self.pending.fetch_add(1, Ordering::Relaxed);
        let _pending = PendingGuard(self.pending.clone());
        let job: BoxedJob = Box::new(Call {
            write: f,
            value: None,
            reply: Some(reply),
        });
        self.jobs.send(job).map_err(|_| WriteError::Stopped)?;
        match answer.await {
            Ok(answer) => answer,
            Err(_) => Err(WriteError::Stopped),
        }
    }

    /// Whether the writer thread is gone (then every write fails).
    pub fn stopped(&self) -> bool {
        self.jobs.is_closed()
    }

    /// Writes sent and not yet answered: how far the store is behind. The
    /// Sentry SDK endpoints shed load (429) past a limit of it.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Relaxed)
    }

    /// Notified after each commit that added items to the outbox; a commit
    /// that queued nothing does not wake it.
    pub fn committed(&self) -> Arc<Notify> {
        self.committed.clone()
    }
}

/// The writer's loop: take the jobs waiting (up to [`MAX_BATCH`]), commit
/// them together, answer them; until every handle is gone.
fn serve(
    store: &Store,
    receiver: &mut mpsc::UnboundedReceiver<BoxedJob>,
    notify: &Notify,
    refusals: &mut Refusals,
) {
    while let Some(first) = receiver.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if commit_batch(store, batch, refusals) {
            notify.notify_one();
        }
    }
}

/// Commit a batch of jobs in one transaction and answer them. If the store
/// refuses writes, every job is answered so at once. If the batch fails
/// otherwise (an error or a panic in a job, or a failed commit), nothing of
/// it is written and each job runs again in a transaction of its own, so
/// only the failing ones get an error. Returns whether the outbox gained
/// items.
fn commit_batch(store: &Store, mut batch: Vec<BoxedJob>, refusals: &mut Refusals) -> bool {
    let error = match run_together(store, &mut batch) {
        Ok(outbox_grew) => {
            refusals.accepted(Instant::now());
            batch.into_iter().for_each(|job| job.answer(Ok(())));
            return outbox_grew;
        }
        Err(error) => error,
    };
    if error.is_unavailable() {
        refusals.refused(&error, batch.len(), Instant::now());
        batch
            .into_iter()
            .for_each(|job| job.answer(Err(error.clone())));
        return false;
    }
    if batch.len() == 1 {
        tracing::error!(%error, "write failed; nothing stored");
        batch
            .into_iter()
            .for_each(|job| job.answer(Err(error.clone())));
        return false;
    }
    tracing::warn!(jobs = batch.len(), %error, "a batched write failed; running its writes one at a time");
    let mut outbox_grew = false;
    for job in batch {
        let mut alone = vec![job];
        let outcome = run_together(store, &mut alone);
        match &outcome {
            Ok(grew) => {
                refusals.accepted(Instant::now());
                outbox_grew |= grew;
            }
            Err(error) if error.is_unavailable() => refusals.refused(error, 1, Instant::now()),
            Err(error) => tracing::error!(%error, "write failed; nothing stored"),
        }
        let answer = outcome.map(|_| ());
        alone.into_iter().for_each(|job| job.answer(answer.clone()));
    }
    outbox_grew
}

/// Run `jobs` in one write transaction and commit it.
fn run_together(store: &Store, jobs: &mut [BoxedJob]) -> Result<bool, WriteError> {
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        store.write_batch(jobs, |job, tx| job.run(tx))
    }));
    match result {
        Ok(Ok(outbox_grew)) => Ok(outbox_grew),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Err(WriteError::Store(
            "the write panicked (a bug; see the log)".to_string(),
        )),
    }
}

/// Writes the store refused while it refuses them, for the log: the first
/// refusal is logged at once, later ones at most once per
/// [`REFUSALS_LOG_EVERY`] with how many there were, and the first write that
/// works again says how many were refused in all.
#[derive(Debug, Default)]
struct Refusals {
    /// Since the store began refusing.
    total: u64,
    /// Since the last line.
    unlogged: u64,
    began: Option<Instant>,
    logged_at: Option<Instant>,
}

impl Refusals {
    /// `jobs` writes were refused with `error` at `now`.
    fn refused(&mut self, error: &WriteError, jobs: usize, now: Instant) {
        if let Some(count) = self.count_refused(jobs as u64, now) {
            tracing::error!(
                refused = count,
                %error,
                "the store refuses writes: answering 503, saving nothing, until it takes them again"
            );
        }
    }

    /// Count `jobs` refusals at `now`; the count to log now, if a line is due.
    fn count_refused(&mut self, jobs: u64, now: Instant) -> Option<u64> {
        self.total += jobs;
        self.unlogged += jobs;
        self.began.get_or_insert(now);
        let due = self
            .logged_at
            .is_none_or(|at| now.duration_since(at) >= REFUSALS_LOG_EVERY);
        if !due {
            return None;
        }
        self.logged_at = Some(now);
        Some(std::mem::take(&mut self.unlogged))
    }

    /// A write committed at `now`.
    fn accepted(&mut self, now: Instant) {
        if let Some((refused, secs)) = self.count_accepted(now) {
            tracing::info!(
                refused,
                over_secs = format!("{secs:.1}"),
                "the store takes writes again"
            );
        }
    }

    /// Forget the refusals; how many there were and over how long, if any.
    fn count_accepted(&mut self, now: Instant) -> Option<(u64, f64)> {
        let began = self.began?;
        let refused = self.total;
        *self = Refusals::default();
        Some((refused, now.duration_since(began).as_secs_f64()))
    }
}

/// A panic's message, if it has one.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// Hold the writer inside a transaction until `release` is sent, so the
    /// writes sent meanwhile queue up and share the next batch.
    async fn hold(writer: &Writer) -> std::sync::mpsc::Sender<()> {
        let (entered, inside) = oneshot::channel::<()>();
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let mut entered = Some(entered);
        let holder = writer.clone();
        tokio::spawn(async move {
            holder
                .run(move |_tx| {
                    if let Some(entered) = entered.take() {
                        let _ = entered.send(());
                    }
                    let _ = wait.recv();
                    Ok(())
                })
                .await
        });
        inside.await.unwrap();
        release
    }

    /// A writer over a fresh store, held (see [`hold`]).
    async fn held_writer() -> (
        tempfile::TempDir,
        Arc<Store>,
        Writer,
        std::sync::mpsc::Sender<()>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("w.redb")).unwrap());
        let (writer, _thread) = Writer::start(store.clone());
        let release = hold(&writer).await;
        (dir, store, writer, release)
    }

    #[tokio::test]
    async fn a_failing_write_fails_alone_and_its_batch_still_commits() {
        let (_dir, store, writer, release) = held_writer().await;

        let bad_runs = Arc::new(AtomicUsize::new(0));
        let counted = bad_runs.clone();
        let good = |name: &'static str, writer: &Writer| {
            let writer = writer.clone();
            tokio::spawn(async move { writer.run(move |tx| tx.next_id(name)).await })
        };
        let first = good("first", &writer);
        let bad = {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .run(move |tx| {
                        counted.fetch_add(1, Ordering::SeqCst);
                        tx.next_id("bad")?;
                        Err::<u64, _>(StoreError::Storage("boom".into()))
                    })
                    .await
            })
        };
        let second = good("second", &writer);
        // Let the three reach the queue, then let the writer go on.
        tokio::time::sleep(Duration::from_millis(100)).await;
        release.send(()).unwrap();

        assert_eq!(first.await.unwrap().unwrap(), 1);
        assert_eq!(second.await.unwrap().unwrap(), 1);
        let err = bad.await.unwrap().unwrap_err();
        assert!(err.to_string().contains("boom"), "{err}");
        assert_eq!(
            bad_runs.load(Ordering::SeqCst),
            2,
            "ran in the batch, then alone"
        );
        // Nothing of the failed write was stored; the others were.
        assert_eq!(store.write(|tx| tx.next_id("bad")).unwrap(), 1);
        assert_eq!(store.write(|tx| tx.next_id("first")).unwrap(), 2);
    }

    #[tokio::test]
    async fn a_panicking_write_is_an_error_for_its_caller_only() {
        let (_dir, store, writer, release) = held_writer().await;
        let panics = {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .run(|tx| -> Result<(), StoreError> {
                        tx.next_id("panicked")?;
                        panic!("a bug")
                    })
                    .await
            })
        };
        let fine = {
            let writer = writer.clone();
            tokio::spawn(async move { writer.run(|tx| tx.next_id("fine")).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        release.send(()).unwrap();
        assert!(panics.await.unwrap().is_err());
        assert_eq!(fine.await.unwrap().unwrap(), 1);
        // The writer is still there for the next write.
        assert_eq!(writer.run(|tx| tx.next_id("fine")).await.unwrap(), 2);
        assert_eq!(store.write(|tx| tx.next_id("panicked")).unwrap(), 1);
    }

    #[tokio::test]
    async fn a_full_disk_refuses_writes_without_stopping_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let switch = dir.path().join("full");
        let store = Arc::new(
            Store::open_with(
                &dir.path().join("w.redb"),
                baton_state::StoreOptions {
                    fault_file: Some(switch.clone()),
                    ..Default::default()
                },
            )
            .unwrap(),
        );
        let (writer, _thread) = Writer::start(store.clone());
        assert_eq!(writer.run(|tx| tx.next_id("n")).await.unwrap(), 1);

        std::fs::write(&switch, b"").unwrap();
        for _ in 0..3 {
            let refused = writer.run(|tx| tx.next_id("n")).await.unwrap_err();
            assert!(refused.is_unavailable(), "{refused}");
            assert!(!writer.stopped());
        }
        assert!(store.failure().is_some(), "the store says why");

        std::fs::remove_file(&switch).unwrap();
        store.reopen().unwrap();
        assert_eq!(writer.run(|tx| tx.next_id("n")).await.unwrap(), 2);
    }

    #[test]
    fn a_write_dropped_unanswered_answers_with_an_error() {
        let (reply, mut answer) = oneshot::channel::<Result<u64, WriteError>>();
        let job: BoxedJob = Box::new(Call {
            write: |tx: &mut Tx<'_>| tx.next_id("never"),
            value: None,
            reply: Some(reply),
        });
        drop(job);
        let answer = answer.try_recv().expect("answered");
        assert!(
            matches!(answer, Err(WriteError::Store(ref why)) if why.contains("sending it again is safe")),
            "{answer:?}"
        );
    }

    #[test]
    fn refusals_are_logged_once_per_period_with_their_count() {
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        let mut refusals = Refusals::default();
        assert_eq!(
            refusals.count_refused(3, at(0)),
            Some(3),
            "the first at once"
        );
        assert_eq!(refusals.count_refused(5, at(1)), None);
        assert_eq!(refusals.count_refused(1, at(9)), None);
        assert_eq!(refusals.count_refused(2, at(10)), Some(8), "counted since");
        assert_eq!(refusals.count_refused(1, at(11)), None);
        assert_eq!(refusals.count_accepted(at(12)), Some((12, 12.0)));
        assert_eq!(refusals.count_accepted(at(13)), None, "said once");
        // A new episode starts over: its first refusal is logged at once.
        assert_eq!(refusals.count_refused(1, at(14)), Some(1));
    }

    /// A job whose answer panics: a bug outside the transaction's guard.
    struct PanicsWhenAnswered;

    impl Job for PanicsWhenAnswered {
        fn run(&mut self, _tx: &mut Tx<'_>) -> Result<(), StoreError> {
            Ok(())
        }
        fn answer(self: Box<Self>, _outcome: Result<(), WriteError>) {
            panic!("a bug in the writer's loop")
        }
    }

    #[tokio::test]
    async fn a_panic_in_the_writers_loop_answers_the_writes_in_hand_and_the_loop_starts_again() {
        let (_dir, _store, writer, release) = held_writer().await;
        writer.jobs.send(Box::new(PanicsWhenAnswered)).ok().unwrap();
        let in_hand = {
            let writer = writer.clone();
            tokio::spawn(async move { writer.run(|tx| tx.next_id("in hand")).await })
        };
        // Queued behind the held write (which counts as pending too).
        while writer.pending() < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        release.send(()).unwrap();

        let answer = in_hand.await.unwrap();
        assert!(
            matches!(answer, Err(WriteError::Store(ref why)) if why.contains("sending it again is safe")),
            "{answer:?}"
        );
        assert!(!writer.stopped());
        assert_eq!(writer.run(|tx| tx.next_id("after")).await.unwrap(), 1);
    }
}
