//! Durable state of the reviewer picks that wait for GitHub's facts: the
//! pending picks (so a restart resumes them), the stored copy of each
//! repository's CODEOWNERS, and who was told they may not ask `r?` on a
//! pull request (so they are told once). Storage only.
//!
//! | table | key | value |
//! | --- | --- | --- |
//! | `reviewers_pending_picks` | `pr:owner/repo#12/opened`, `…/comment-{id}` ([`PendingPick::key`]) | [`PendingPick`] |
//! | `reviewers_codeowners` | lower-cased `owner/repo` | [`CodeownersCopy`] |
//! | `reviewers_refused_requests` | `pr:owner/repo#12/{login}` | when they were told |

use baton_handlers::reviewers::lookup::{CodeownersCopy, PendingPick};

use crate::engine::Table;
use crate::{Result, Tx, UnixTime};

const PENDING: Table = Table::new("reviewers_pending_picks");
const CODEOWNERS: Table = Table::new("reviewers_codeowners");
const REFUSED: Table = Table::new("reviewers_refused_requests");

impl Tx<'_> {
    /// Every pending pick, oldest pull request key first (at most `limit`).
    pub fn pending_picks(&self, limit: usize) -> Result<Vec<PendingPick>> {
        Ok(self
            .scan_json_below::<PendingPick>(PENDING, "", None, limit)?
            .into_iter()
            .map(|(_, pick)| pick)
            .collect())
    }

    /// How many picks wait for a lookup (a gauge of `/metrics`).
    pub fn pending_pick_count(&self) -> Result<u64> {
        self.records.count(PENDING)
    }

    /// The pending pick stored under `key`, if it is still pending.
    pub fn pending_pick(&self, key: &str) -> Result<Option<PendingPick>> {
        self.get_json(PENDING, key)
    }

    pub(crate) fn put_pending_pick(&mut self, pick: &PendingPick) -> Result<()> {
        self.put_json(PENDING, &pick.key(), pick)?;
        self.pending_picks_put += 1;
        Ok(())
    }

    /// How many pending picks this transaction has stored so far (every job
    /// of its batch): compared before and after a job, it says whether the
    /// job left work for the lookup task.
    pub fn pending_picks_put(&self) -> u64 {
        self.pending_picks_put
    }

    pub(crate) fn remove_pending_pick(&mut self, key: &str) -> Result<bool> {
        self.remove(PENDING, key)
    }

    /// The stored copy of `repo`'s CODEOWNERS, fresh or not.
    pub fn codeowners_copy(&self, repo: &str) -> Result<Option<CodeownersCopy>> {
        self.get_json(CODEOWNERS, &repo.to_ascii_lowercase())
    }

    pub(crate) fn put_codeowners_copy(&mut self, copy: &CodeownersCopy) -> Result<()> {
        self.put_json(CODEOWNERS, &copy.repo.to_ascii_lowercase(), copy)
    }

    pub(crate) fn remove_codeowners_copy(&mut self, repo: &str) -> Result<bool> {
        self.remove(CODEOWNERS, &repo.to_ascii_lowercase())
    }

    /// Was the refusal under `key` already said?
    pub fn refused_before(&self, key: &str) -> Result<bool> {
        Ok(self.get_json::<UnixTime>(REFUSED, key)?.is_some())
    }

    pub(crate) fn put_refused_request(&mut self, key: &str, at: UnixTime) -> Result<()> {
        self.put_json(REFUSED, key, &at)
    }
}
