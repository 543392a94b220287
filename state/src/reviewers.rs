//! Durable state of the reviewers feature: each channel's [`Pool`], the
//! global [`People`] facts (GitHub → Slack mapping, who is away), each pull
//! request's [`Assignment`], and the last-seen copy of pull requests that
//! are watched but have no reviewers yet (so `/baton assign` can act on
//! them without calling GitHub). Storage only: no decisions, no messages.
//!
//! | table | key | value |
//! | --- | --- | --- |
//! | `reviewers_pools` | channel id (`C…`) | [`Pool`] |
//! | `reviewers_people` | `people` (one record) | [`People`] |
//! | `reviewers_assignments` | `pr:owner/repo#12` ([`message_key`]) | [`Assignment`] |
//! | `reviewers_waiting` | `pr:owner/repo#12` | [`WaitingPullRequest`] |
//! | `reviewers_assigned_at` | `C…/{i64::MAX − assigned at, 20 digits}/pr:owner/repo#12` | the assignment's key |
//!
//! `reviewers_assigned_at` indexes each assignment by its channel and by
//! every time a reviewer was assigned on it, newest first, so `stats` reads
//! only the assignments of its window. It is written with the assignment;
//! assignments stored before the index existed are indexed once, when the
//! store is opened ([`Tx::index_review_assignments`]).

use baton_handlers::reviewers::{message_key, Assignment, People, Pool, WaitingPullRequest};

use crate::engine::Table;
use crate::{Result, Tx, UnixTime};

const POOLS: Table = Table::new("reviewers_pools");
const PEOPLE: Table = Table::new("reviewers_people");
const ASSIGNMENTS: Table = Table::new("reviewers_assignments");
const WAITING: Table = Table::new("reviewers_waiting");
const ASSIGNED_AT: Table = Table::new("reviewers_assigned_at");

/// The counter that says `reviewers_assigned_at` holds every assignment:
/// 1 once the assignments stored before it were indexed (absent or 0 in a
/// store an older Baton wrote).
pub(crate) const ASSIGNED_AT_BUILT: &str = "reviewers_assigned_at_built";

/// The single key of the [`People`] record.
const PEOPLE_KEY: &str = "people";
/// Every assignment key starts with this (see [`message_key`]).
const ASSIGNMENT_PREFIX: &str = "pr:";

/// The part of an index key that orders times newest first, and ends
/// before the key of the assignment.
fn newest_first(channel: &str, at: UnixTime) -> String {
    let from_the_end = i64::MAX.saturating_sub(at.max(0)) as u64;
    format!("{channel}/{from_the_end:020}/")
}

impl Tx<'_> {
    /// Every channel's pool, in channel order.
    pub fn reviewer_pools(&self) -> Result<Vec<Pool>> {
        Ok(self
            .scan_json::<Pool>(POOLS, "")?
            .into_iter()
            .map(|(_, pool)| pool)
            .collect())
    }

    /// The pool of `channel`, if it has one.
    pub fn reviewer_pool(&self, channel: &str) -> Result<Option<Pool>> {
        self.get_json(POOLS, channel)
    }

    /// Write a pool under its channel.
    pub(crate) fn put_reviewer_pool(&mut self, pool: &Pool) -> Result<()> {
        self.put_json(POOLS, &pool.channel, pool)
    }

    /// The GitHub → Slack mapping and who is away (empty at first).
    pub fn reviewer_people(&self) -> Result<People> {
        Ok(self.get_json(PEOPLE, PEOPLE_KEY)?.unwrap_or_default())
    }

    pub(crate) fn put_reviewer_people(&mut self, people: &People) -> Result<()> {
        self.put_json(PEOPLE, PEOPLE_KEY, people)
    }

    /// The assignment of pull request `number` in `repo`, if one was made.
    pub fn review_assignment(&self, repo: &str, number: u64) -> Result<Option<Assignment>> {
        self.get_json(ASSIGNMENTS, &message_key(repo, number))
    }

    /// Write an assignment under its key, and index it by the times its
    /// reviewers were assigned.
    pub(crate) fn put_review_assignment(&mut self, assignment: &Assignment) -> Result<()> {
        let key = assignment.key();
        self.put_json(ASSIGNMENTS, &key, assignment)?;
        let mut times: Vec<UnixTime> = assignment.reviewers.iter().map(|r| r.assigned_at).collect();
        times.sort_unstable();
        times.dedup();
        for at in times {
            let index_key = format!("{}{key}", newest_first(&assignment.channel, at));
            self.put_json(ASSIGNED_AT, &index_key, &key)?;
        }
        Ok(())
    }

    /// The assignments of `channel` that had a reviewer assigned at or
    /// after `since` (read through the `reviewers_assigned_at` index).
    pub fn review_assignments_since(
        &self,
        channel: &str,
        since: UnixTime,
    ) -> Result<Vec<Assignment>> {
        // Keys sort newest first: everything below the key of the second
        // before `since` was assigned at `since` or later.
        let below = newest_first(channel, since.saturating_sub(1));
        let mut keys: Vec<String> = self
            .scan_json_below::<String>(
                ASSIGNED_AT,
                &format!("{channel}/"),
                Some(&below),
                usize::MAX,
            )?
            .into_iter()
            .map(|(_, key)| key)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let mut assignments = Vec::with_capacity(keys.len());
        for key in keys {
            assignments.extend(self.get_json::<Assignment>(ASSIGNMENTS, &key)?);
        }
        Ok(assignments)
    }

    /// Index the assignments stored before `reviewers_assigned_at` existed,
    /// once: a no-op once the index is marked built. Returns how many
    /// assignments it indexed.
    pub(crate) fn index_review_assignments(&mut self) -> Result<usize> {
        if self.review_index_built()? {
            return Ok(0);
        }
        let assignments = self.review_assignments()?;
        for assignment in &assignments {
            self.put_review_assignment(assignment)?;
        }
        self.set_counter(ASSIGNED_AT_BUILT, 1)?;
        Ok(assignments.len())
    }

    /// Is the `reviewers_assigned_at` index built?
    pub(crate) fn review_index_built(&self) -> Result<bool> {
        Ok(self.counter(ASSIGNED_AT_BUILT)?.unwrap_or(0) >= 1)
    }

    /// Every assignment ever made (open and closed), in key order.
    pub(crate) fn review_assignments(&self) -> Result<Vec<Assignment>> {
        Ok(self
            .scan_json::<Assignment>(ASSIGNMENTS, ASSIGNMENT_PREFIX)?
            .into_iter()
            .map(|(_, assignment)| assignment)
            .collect())
    }

    /// The last-seen copy of an unassigned pull request.
    pub fn waiting_pull_request(
        &self,
        repo: &str,
        number: u64,
    ) -> Result<Option<WaitingPullRequest>> {
        self.get_json(WAITING, &message_key(repo, number))
    }

    /// Remember an unassigned pull request (replacing an older copy).
    pub(crate) fn put_waiting_pull_request(&mut self, pr: &WaitingPullRequest) -> Result<()> {
        self.put_json(WAITING, &message_key(&pr.repo, pr.number), pr)
    }

    /// Forget a waiting pull request (assigned or closed). Returns whether
    /// there was one.
    pub(crate) fn remove_waiting_pull_request(&mut self, repo: &str, number: u64) -> Result<bool> {
        self.remove(WAITING, &message_key(repo, number))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use baton_handlers::github::PullRequestEvent;
    use baton_handlers::reviewers::{Away, Mode};
    use proptest::prelude::*;

    const NOW: i64 = 1_795_392_000; // 2026-11-23
    const LOGINS: [&str; 5] = ["octocat", "hubot", "monalisa", "defunkt", "mojombo"];

    fn pool_of(logins: &[&str]) -> Pool {
        let mut pool = Pool::new("C024BE91L");
        pool.repos.push("octo-org/api".into());
        for login in logins {
            pool.add_member(login, &People::default(), NOW);
        }
        pool
    }

    fn pull_request(number: u64, author: &str) -> PullRequestEvent {
        PullRequestEvent {
            action: "opened".into(),
            repo: "Octo-Org/API".into(),
            number,
            title: "Retry webhook delivery".into(),
            html_url: format!("https://github.com/Octo-Org/API/pull/{number}"),
            author: author.into(),
            author_is_bot: false,
            body: String::new(),
            draft: true,
            merged: false,
            additions: 3,
            deletions: 1,
            changed_files: 1,
            requested_reviewers: vec!["hubot".into()],
            assignees: vec![],
            installation: None,
            requested_reviewer: None,
        }
    }

    #[test]
    fn records_survive_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.redb");
        let pool = pool_of(&["octocat", "hubot"]);
        let mut people = People::default();
        people
            .slack_users
            .insert("hubot".into(), "U024BE7LH".into());
        people.away.insert("octocat".into(), Away { until: None });
        let pr = pull_request(7, "defunkt");
        let assignment = Assignment::new(&pr, "C024BE91L", &["hubot".into()], NOW);
        {
            let store = Store::open(&path).unwrap();
            store
                .write(|tx| {
                    assert!(tx.reviewer_pools()?.is_empty());
                    assert_eq!(tx.reviewer_people()?, People::default());
                    tx.put_reviewer_pool(&pool)?;
                    tx.put_reviewer_people(&people)?;
                    tx.put_review_assignment(&assignment)?;
                    tx.put_waiting_pull_request(&(&pull_request(8, "hubot")).into())
                })
                .unwrap();
        }
        let store = Store::open(&path).unwrap();
        store
            .write(|tx| {
                assert_eq!(tx.reviewer_pools()?, vec![pool.clone()]);
                assert_eq!(tx.reviewer_pool("C024BE91L")?, Some(pool.clone()));
                assert_eq!(tx.reviewer_pool("C0OTHER")?, None);
                assert_eq!(tx.reviewer_people()?, people);
                assert_eq!(
                    tx.review_assignment("octo-org/api", 7)?,
                    Some(assignment.clone())
                );
                assert_eq!(tx.review_assignments()?, vec![assignment.clone()]);
                assert_eq!(
                    tx.waiting_pull_request("octo-org/api", 8)?,
                    Some((&pull_request(8, "hubot")).into())
                );
                assert!(tx.remove_waiting_pull_request("octo-org/api", 8)?);
                assert_eq!(tx.waiting_pull_request("octo-org/api", 8)?, None);
                Ok(())
            })
            .unwrap();
    }

    /// One pull request of a generated sequence: its author (indexes past
    /// the pool are outsiders) and whether Baton restarts just before it.
    fn steps() -> impl Strategy<Value = Vec<(usize, bool)>> {
        prop::collection::vec((0usize..7, any::<bool>()), 1..30)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// A pool written to the redb file, closed and reopened between
        /// pull requests, picks exactly as one that never left memory.
        #[test]
        fn pool_reopened_from_the_file_picks_as_without_restart(
            size in 1usize..=5, per_pr in 1u8..=2, steps in steps(), load_balance in any::<bool>(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("b.redb");
            let mut steady = pool_of(&LOGINS[..size]);
            steady.reviewers_per_pr = per_pr;
            if load_balance {
                steady.mode = Mode::LoadBalance;
            }
            let channel = steady.channel.clone();
            let mut store = Store::open(&path).unwrap();
            store.write(|tx| tx.put_reviewer_pool(&steady)).unwrap();
            let people = People::default();
            for (i, (author, restart)) in steps.into_iter().enumerate() {
                let author = LOGINS.get(author).map_or("outsider", |l| l);
                if restart {
                    drop(store);
                    store = Store::open(&path).unwrap();
                }
                let now = NOW + i as i64 * 60;
                let wanted = usize::from(per_pr);
                let expected = steady.pick_reviewers(author, &[], wanted, &people, now);
                let picked = store
                    .write(|tx| {
                        let mut pool = tx.reviewer_pool(&channel)?.expect("pool stored");
                        let picked = pool.pick_reviewers(author, &[], wanted, &people, now);
                        tx.put_reviewer_pool(&pool)?;
                        Ok(picked)
                    })
                    .unwrap();
                prop_assert_eq!(picked, expected);
            }
            drop(store);
            let store = Store::open(&path).unwrap();
            let stored = store.write(|tx| tx.reviewer_pool(&channel)).unwrap();
            prop_assert_eq!(stored, Some(steady));
        }
    }
}
