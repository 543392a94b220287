//! The single writer: every state change runs here, on one dedicated thread,
//! inside a redb write transaction. Jobs that arrive together share one
//! commit (group commit), and each caller is answered only after that commit,
//! so an acknowledged event is durable and throughput is not capped by one
//! fsync per event.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use baton_state::{Store, StoreError, Tx};
use tokio::sync::{mpsc, oneshot, Notify};

/// Largest number of jobs committed together.
const MAX_BATCH: usize = 256;

type Delivery = Box<dyn FnOnce() + Send>;
type Job = Box<dyn FnOnce(&mut Tx<'_>) -> Result<Delivery, StoreError> + Send>;

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
    jobs: mpsc::UnboundedSender<Job>,
    /// Woken after every commit, so the outbox dispatcher looks again.
    committed: Arc<Notify>,
}

impl Writer {
    /// Start the writer thread over `store`.
    pub fn start(store: Arc<Store>) -> (Writer, std::thread::JoinHandle<()>) {
        let (jobs, mut receiver) = mpsc::unbounded_channel::<Job>();
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
        (Writer { jobs, committed }, thread)
    }

    /// Run `f` inside a write transaction; returns its value once committed.
    pub async fn run<T, F>(&self, f: F) -> Result<T, WriteError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let (sender, receiver) = oneshot::channel::<Result<T, String>>();
        let job: Job = Box::new(move |tx| {
            let value = f(tx)?;
            Ok(Box::new(move || {
                let _ = sender.send(Ok(value));
            }) as Delivery)
        });
        self.jobs.send(job).map_err(|_| WriteError::Stopped)?;
        match receiver.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(reason)) => Err(WriteError::Store(reason)),
            Err(_) => Err(WriteError::Store(
                "the write was abandoned (see the log)".into(),
            )),
        }
    }

    /// Notified after each commit that added items to the outbox.
    pub fn committed(&self) -> Arc<Notify> {
        self.committed.clone()
    }
}

/// Run a batch of jobs in one transaction. On any failure (an error or a
/// panic in a job, or a failed commit) nothing is written and every caller
/// in the batch gets an error. Returns whether the outbox gained items.
fn commit_batch(store: &Store, batch: Vec<Job>) -> bool {
    let mut jobs: Vec<Option<Job>> = batch.into_iter().map(Some).collect();
    let mut deliveries: Vec<Delivery> = Vec::with_capacity(jobs.len());
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        store.write_batch(&mut jobs, |job, tx| {
            let job = job.take().expect("each job runs once");
            deliveries.push(job(tx)?);
            Ok(())
        })
    }));
    match result {
        Ok(Ok(outbox_grew)) => {
            deliveries.into_iter().for_each(|deliver| deliver());
            outbox_grew
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, jobs = jobs.len(), "write transaction failed; nothing stored");
            false
        }
        Err(_) => {
            tracing::error!(
                jobs = jobs.len(),
                "a job panicked in the write transaction; nothing stored"
            );
            false
        }
    }
}
