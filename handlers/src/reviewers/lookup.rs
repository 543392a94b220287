//! A pick that waits for facts from GitHub: the code owners of a pull
//! request's changed paths, or the members of a team named with `r?`.
//!
//! The decision to wait is stored as a [`PendingPick`] in the same
//! transaction as the delivery that asked for it, so the webhook is answered
//! at once and a restart loses nothing. Baton's lookup task (in the binary)
//! fetches what the pick needs ([`LookupFacts`]: the CODEOWNERS file, kept
//! as a [`CodeownersCopy`] per repository, the changed files, the teams'
//! members), within a bounded time, and hands them to [`on_lookup_done`],
//! which picks as usual with those members first and forgets the pending
//! pick in the same transaction, so a pick happens once. When GitHub could
//! not say in time, the facts say so and the pick goes on without them.

use std::collections::{BTreeMap, BTreeSet};

use super::assignment::Assignment;
use super::change::{Change, Outcome};
use super::codeowners::{Codeowners, Owner, Team};
use super::decide::assign_with;
pub use super::pending::{
    pending_prefix, AskedInComment, CodeownersCopy, PendingPick, CODEOWNERS_FRESH_SECS,
    CODEOWNERS_PATHS,
};
use super::pool::{login_key, People, PickRules, Pool};
use super::requests::{add_reviewers, nobody_from_team, Pick};
use super::waiting::WaitingPullRequest;
use crate::github::PushEvent;
use crate::UnixTime;

/// What the lookup found. Parts it could not get are empty, and
/// `shortfall` says why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LookupFacts {
    /// The repository's CODEOWNERS (`None`: it has none, or it was not
    /// looked up, or could not be fetched).
    pub codeowners: Option<Codeowners>,
    /// The pull request's changed paths (renamed files under both names).
    pub files: Vec<String>,
    /// Members (logins) of the teams looked up.
    pub teams: BTreeMap<Team, Vec<String>>,
    /// Why part of the lookup is missing (it timed out, GitHub failed).
    pub shortfall: Option<String>,
}

/// The teams whose members the pick needs: the `r?` team, or the teams
/// owning a changed path.
pub fn teams_to_look_up(
    pending: &PendingPick,
    codeowners: Option<&Codeowners>,
    files: &[String],
) -> BTreeSet<Team> {
    if let Some(team) = &pending.team {
        return BTreeSet::from([team.clone()]);
    }
    let Some(codeowners) = codeowners else {
        return BTreeSet::new();
    };
    codeowners
        .owners_of_any(files.iter().map(String::as_str))
        .into_iter()
        .filter_map(|owner| match owner {
            Owner::Team(team) => Some(team),
            _ => None,
        })
        .collect()
}

/// The rotation's members (lower-cased) the pick prefers: those in the
/// `r?` team, or those owning a changed path (themselves or through a
/// team). Owners outside the rotation are not picked.
pub fn preferred_members(
    pool: &Pool,
    pending: &PendingPick,
    facts: &LookupFacts,
) -> BTreeSet<String> {
    let team_members = |team: &Team| {
        facts
            .teams
            .get(team)
            .into_iter()
            .flatten()
            .map(|login| login_key(login))
            .collect::<Vec<_>>()
    };
    let candidates: BTreeSet<String> = match (&pending.team, &facts.codeowners) {
        (Some(team), _) => team_members(team).into_iter().collect(),
        (None, Some(codeowners)) if pending.owners => codeowners
            .owners_of_any(facts.files.iter().map(String::as_str))
            .iter()
            .flat_map(|owner| match owner {
                Owner::User(login) => vec![login_key(login)],
                Owner::Team(team) => team_members(team),
                Owner::Email(_) => Vec::new(),
            })
            .collect(),
        _ => BTreeSet::new(),
    };
    pool.members
        .iter()
        .map(|m| login_key(&m.login))
        .filter(|login| candidates.contains(login))
        .collect()
}

/// The lookup of `pending` is done (or gave up): pick, preferring the
/// members it found, and forget the pending pick. `existing` is the pull
/// request's assignment now, `waiting` its stored copy while it has none:
/// a first pick that finds an assignment (made meanwhile, by `/baton
/// assign`) picks nothing more, and a pull request closed meanwhile (its
/// assignment closed, or neither record left) gets nothing.
/// Keep the copy of a repository's CODEOWNERS a lookup fetched.
pub fn keep_codeowners(copy: CodeownersCopy) -> Outcome {
    Outcome::none().with(Change::PutCodeownersCopy(copy))
}

/// A push to a repository's default branch: its CODEOWNERS may have
/// changed, so the copy is forgotten (the next lookup fetches it).
pub fn on_push(push: &PushEvent) -> Outcome {
    Outcome::none().with(Change::RemoveCodeownersCopy {
        repo: push.repo.clone(),
    })
}

#[allow(clippy::too_many_arguments)]
pub fn on_lookup_done(
    pool: &Pool,
    existing: Option<&Assignment>,
    waiting: Option<&WaitingPullRequest>,
    pending: &PendingPick,
    facts: &LookupFacts,
    people: &People,
    now: UnixTime,
) -> Outcome {
    let pr = pending.pr.event();
    let preferred = preferred_members(pool, pending, facts);
    let rules = PickRules {
        preferred,
        preferred_only: pending.team.is_some(),
        ..pool.pick_rules()
    };
    let still_open = existing.map_or(waiting.is_some(), |a| a.closed.is_none());
    let mut outcome = match (&pending.comment, existing) {
        _ if !still_open => Outcome::none(),
        (None, Some(_)) => Outcome::none(),
        (None, None) => {
            let wanted = match pending.team {
                Some(_) => 1,
                None => usize::from(pool.reviewers_per_pr),
            };
            let pick = Pick {
                rules,
                wanted,
                team: pending.team.as_ref(),
            };
            let mut outcome = assign_with(pool, &pr, people, now, &pick);
            if outcome.assignment().is_some() {
                outcome.change(Change::RemoveWaiting {
                    repo: pr.repo.clone(),
                    number: pr.number,
                });
            }
            outcome
        }
        (Some(comment), _) => {
            let mut excluded = pr.requested_reviewers.clone();
            excluded.extend(pr.assignees.iter().cloned());
            excluded.extend(existing.map(Assignment::everyone_asked).unwrap_or_default());
            let mut after = pool.clone();
            let chosen = after.pick_reviewers_with(&pr.author, &excluded, 1, people, now, &rules);
            match (chosen.is_empty(), &pending.team) {
                (true, Some(team)) => nobody_from_team(pool, existing, &pr, team),
                _ if chosen.is_empty() => Outcome::none(),
                _ => {
                    let by = Some(comment.by.as_str());
                    let outcome =
                        add_reviewers(pool, after, existing, &pr, &chosen, by, people, now);
                    match existing {
                        Some(_) => outcome,
                        None => outcome.with(Change::RemoveWaiting {
                            repo: pr.repo.clone(),
                            number: pr.number,
                        }),
                    }
                }
            }
        }
    };
    outcome.change(Change::RemovePendingPick { key: pending.key() });
    outcome
}
