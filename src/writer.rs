//! The single writer: every state change runs here, on one dedicated thread,
//! inside a redb write transaction. Jobs that arrive together share one
//! commit (group commit), and each caller is answered only after that commit,
//! so an acknowledged event is durable and throughput is not capped by one
//! fsync per event. If a batch fails, its jobs run again one at a time, so a
//! bad write (a corrupt record, a bug that panics) fails only its own caller.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use baton_state::{Store, StoreError, Tx};
use tokio::sync::{mpsc, oneshot, Notify};

/// Largest number of jobs committed together.
const MAX_BATCH: usize = 256;

/// One caller's write: run inside a batch's transaction, answered after the
/// commit. If its batch fails it runs again alone, so one bad write (a
/// corrupt record, a bug) fails only its own caller.
trait Job: Send {
    /// Run the write; its value is kept for the answer. May run twice.
    fn run(&mut self, tx: &mut Tx<'_>) -> Result<(), StoreError>;
    /// Answer the caller: its value once committed, or why nothing was stored.
    fn answer(self: Box<Self>, outcome: Result<(), String>);
}

struct Call<T, F> {
    write: F,
    value: Option<T>,
    reply: oneshot::Sender<Result<T, String>>,
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

    fn answer(self: Box<Self>, outcome: Result<(), String>) {
        let Call { value, reply, .. } = *self;
        let answer = outcome
            .and_then(|()| value.ok_or_else(|| "the write committed without a value".to_string()));
        let _ = reply.send(answer);
    }
}

type BoxedJob = Box<dyn Job>;

/// Why a write did not happen. Nothing was stored in either case.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the store failed: {0}")]
    Store(String),
    #[error("the writer has stopped")]
    Stopped,
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
                while let Some(first) = receiver.blocking_recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match receiver.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    if commit_batch(&store, batch) {
                        notify.notify_one();
                    }
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
        let (reply, answer) = oneshot::channel::<Result<T, String>>();
        self.pending.fetch_add(1, Ordering::Relaxed);
        let _pending = PendingGuard(self.pending.clone());
        let job: BoxedJob = Box::new(Call {
            write: f,
            value: None,
            reply,
        });
        self.jobs.send(job).map_err(|_| WriteError::Stopped)?;
        match answer.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(reason)) => Err(WriteError::Store(reason)),
            Err(_) => Err(WriteError::Store(
                "the write was abandoned (see the log)".into(),
            )),
        }
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

/// Commit a batch of jobs in one transaction and answer them. If the batch
/// fails (an error or a panic in a job, or a failed commit), nothing of it
/// is written and each job runs again in a transaction of its own, so only
/// the failing ones get an error. Returns whether the outbox gained items.
fn commit_batch(store: &Store, mut batch: Vec<BoxedJob>) -> bool {
    let reason = match run_together(store, &mut batch) {
        Ok(outbox_grew) => {
            batch.into_iter().for_each(|job| job.answer(Ok(())));
            return outbox_grew;
        }
        Err(reason) => reason,
    };
    if batch.len() == 1 {
        tracing::error!(%reason, "write failed; nothing stored");
        batch
            .into_iter()
            .for_each(|job| job.answer(Err(reason.clone())));
        return false;
    }
    tracing::warn!(jobs = batch.len(), %reason, "a batched write failed; running its writes one at a time");
    let mut outbox_grew = false;
    for job in batch {
        let mut alone = vec![job];
        let outcome = run_together(store, &mut alone);
        match &outcome {
            Ok(grew) => outbox_grew |= grew,
            Err(reason) => tracing::error!(%reason, "write failed; nothing stored"),
        }
        let answer = outcome.map(|_| ());
        alone.into_iter().for_each(|job| job.answer(answer.clone()));
    }
    outbox_grew
}

/// Run `jobs` in one write transaction and commit it.
fn run_together(store: &Store, jobs: &mut [BoxedJob]) -> Result<bool, String> {
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        store.write_batch(jobs, |job, tx| job.run(tx))
    }));
    match result {
        Ok(Ok(outbox_grew)) => Ok(outbox_grew),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the write panicked (a bug; see the log)".to_string()),
    }
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
}
