//! A channel's reviewer pool and the choice of who reviews next.
//!
//! Owns the persisted [`Pool`] record (members, their counts, the rotation
//! cursor, mode and watched repositories), the global [`People`] facts
//! (GitHub → Slack mapping, who is away) and the picking rules of both
//! [`Mode`]s. Everything here is deterministic: the same pool, people and
//! `now` always give the same picks, before and after a JSON round trip.

use std::collections::{BTreeMap, BTreeSet};

use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use serde::{Deserialize, Serialize};

use crate::UnixTime;

/// The most reviewers a pool may request per pull request.
pub const MAX_REVIEWERS_PER_PR: u8 = 10;

/// How a pool chooses among its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Fewest assignments ever in this pool, ties by rotation order.
    #[default]
    RoundRobin,
    /// Fewest open reviews, ties by least recently assigned.
    LoadBalance,
}

impl Mode {
    /// The word used in commands and messages (`round-robin`, `load-balance`).
    pub fn name(self) -> &'static str {
        match self {
            Mode::RoundRobin => "round-robin",
            Mode::LoadBalance => "load-balance",
        }
    }

    /// Parse the command word, case-insensitively.
    pub fn from_name(word: &str) -> Option<Mode> {
        [Mode::RoundRobin, Mode::LoadBalance]
            .into_iter()
            .find(|mode| mode.name().eq_ignore_ascii_case(word))
    }
}

/// One reviewer of a pool, with the counters that keep the rotation fair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// GitHub login, spelled as it was added.
    pub login: String,
    /// Assignments that count for fairness (a pass gives one back).
    #[serde(default)]
    pub assigned: u32,
    /// Times this member said "can't review".
    #[serde(default)]
    pub passes: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_assigned_at: Option<UnixTime>,
    /// Was away when a pick happened: on return, `assigned` is raised to
    /// the least-assigned active member's so nobody is flooded or owed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missed_picks_while_away: bool,
}

impl Member {
    pub fn new(login: impl Into<String>) -> Self {
        Member {
            login: login.into(),
            assigned: 0,
            passes: 0,
            last_assigned_at: None,
            missed_picks_while_away: false,
        }
    }
}

/// The reviewer pool of one Slack channel (one record per channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pool {
    /// The Slack channel (`C…`) that owns the pool and hears about its PRs.
    pub channel: String,
    /// Members in rotation order.
    #[serde(default)]
    pub members: Vec<Member>,
    pub reviewers_per_pr: u8,
    #[serde(default)]
    pub mode: Mode,
    #[serde(default)]
    pub include_drafts: bool,
    /// Lower-cased `owner/repo` or `owner/*` patterns.
    #[serde(default)]
    pub repos: Vec<String>,
    /// The member after whom the next tie-break scan starts: the last person
    /// picked, or the one just before an author who was skipped (so the
    /// author keeps their turn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_cursor: Option<String>,
    /// `reviewers cap`: a member with this many open reviews is skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_cap: Option<u32>,
    /// `reviewers bots on`: bots' pull requests get reviewers too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub include_bots: bool,
    /// `reviewers owners on`: code owners of a changed path are picked first.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub owners_first: bool,
}

impl Pool {
    /// An empty pool for `channel`: one reviewer per PR, round-robin, drafts skipped.
    pub fn new(channel: impl Into<String>) -> Self {
        Pool {
            channel: channel.into(),
            members: Vec::new(),
            reviewers_per_pr: 1,
            mode: Mode::RoundRobin,
            include_drafts: false,
            repos: Vec::new(),
            rotation_cursor: None,
            review_cap: None,
            include_bots: false,
            owners_first: false,
        }
    }

    /// The pool of `channel` (where a pull request's assignment was
    /// posted): the one stored there, or an empty one when that channel's
    /// pool is gone, so a review or a button press on an old message still
    /// finds a pool.
    pub fn of_channel(stored: Option<Pool>, channel: &str) -> Pool {
        stored.unwrap_or_else(|| Pool::new(channel))
    }

    pub fn member(&self, login: &str) -> Option<&Member> {
        self.members.iter().find(|m| same_login(&m.login, login))
    }

    pub fn member_mut(&mut self, login: &str) -> Option<&mut Member> {
        self.members
            .iter_mut()
            .find(|m| same_login(&m.login, login))
    }

    /// Does this pool watch `pattern` exactly (`owner/repo` or `owner/*`)?
    pub fn watches_pattern(&self, pattern: &str) -> bool {
        self.repos.iter().any(|p| p.eq_ignore_ascii_case(pattern))
    }

    /// The least `assigned` among members who are here now and not just back.
    fn least_assigned_settled(&self, people: &People, now: UnixTime) -> Option<u32> {
        self.members
            .iter()
            .filter(|m| !m.missed_picks_while_away && !people.is_away(&m.login, now))
            .map(|m| m.assigned)
            .min()
    }

    /// Add a member at the end of the rotation, level with the
    /// least-assigned active member. Returns false if already a member.
    pub fn add_member(&mut self, login: &str, people: &People, now: UnixTime) -> bool {
        if self.member(login).is_some() {
            return false;
        }
        let mut member = Member::new(login);
        member.assigned = self.least_assigned_settled(people, now).unwrap_or(0);
        self.members.push(member);
        true
    }

    /// Remove a member; the rotation continues from where it was. Returns
    /// the removed member.
    pub fn remove_member(&mut self, login: &str) -> Option<Member> {
        let index = self
            .members
            .iter()
            .position(|m| same_login(&m.login, login))?;
        let cursor_is_removed = self
            .rotation_cursor
            .as_deref()
            .is_some_and(|c| same_login(c, login));
        if cursor_is_removed {
            self.rotation_cursor = match index {
                0 if self.members.len() > 1 => Some(self.members.last()?.login.clone()),
                0 => None,
                _ => Some(self.members[index - 1].login.clone()),
            };
        }
        Some(self.members.remove(index))
    }

    /// Members back from being away (their away ended since a pick they
    /// missed) start level with the least-assigned active member; members
    /// away now are marked as missing picks.
    fn settle_returning_members(&mut self, people: &People, now: UnixTime) {
        for member in &mut self.members {
            if people.is_away(&member.login, now) {
                member.missed_picks_while_away = true;
            }
        }
        let Some(level) = self.least_assigned_settled(people, now) else {
            return;
        };
        for member in &mut self.members {
            if member.missed_picks_while_away && !people.is_away(&member.login, now) {
                member.assigned = member.assigned.max(level);
                member.missed_picks_while_away = false;
            }
        }
    }

    /// Choose up to `wanted` reviewers for a pull request by `author`,
    /// never choosing anyone in `excluded` (already requested or assigned),
    /// and record the picks (counts, open reviews, cursor).
    /// Returns the chosen logins in pick order; fewer than `wanted` (maybe
    /// none) when not enough members are eligible.
    pub fn pick_reviewers(
        &mut self,
        author: &str,
        excluded: &[String],
        wanted: usize,
        people: &People,
        now: UnixTime,
    ) -> Vec<String> {
        self.pick_reviewers_with(author, excluded, wanted, people, now, &PickRules::default())
    }

    /// [`Pool::pick_reviewers`] under `rules`: members at the cap are
    /// skipped; the preferred members (code owners, a requested team) are
    /// picked first, in the rotation's order, without moving the rotation's
    /// turn; the remaining slots are filled from the whole rotation (unless
    /// the rules allow the preferred only).
    pub fn pick_reviewers_with(
        &mut self,
        author: &str,
        excluded: &[String],
        wanted: usize,
        people: &People,
        now: UnixTime,
        rules: &PickRules,
    ) -> Vec<String> {
        self.settle_returning_members(people, now);
        let mut chosen: Vec<String> = Vec::new();
        while chosen.len() < wanted {
            let preferred = |m: &Member| rules.prefers(&m.login);
            let index =
                match self.pick_one(author, excluded, &chosen, people, now, rules, preferred) {
                    Some(index) => Some(index),
                    None if rules.preferred_only => None,
                    None => self.pick_one(author, excluded, &chosen, people, now, rules, |_| true),
                };
            let Some(index) = index else {
                break;
            };
            let member = &mut self.members[index];
            member.assigned += 1;
            member.last_assigned_at = Some(now);
            chosen.push(member.login.clone());
        }
        chosen
    }

    /// Members' indexes in scan order: starting after the rotation cursor.
    fn scan_order(&self) -> Vec<usize> {
        let len = self.members.len();
        let start = self
            .rotation_cursor
            .as_deref()
            .and_then(|cursor| {
                self.members
                    .iter()
                    .position(|m| same_login(&m.login, cursor))
            })
            .map_or(0, |i| i + 1);
        (0..len).map(|offset| (start + offset) % len).collect()
    }

    /// Pick one member (by index) among those `among` allows, and move
    /// the rotation cursor (unless the pick is a preferred member's, out
    /// of the rotation's turn).
    #[allow(clippy::too_many_arguments)]
    fn pick_one(
        &mut self,
        author: &str,
        excluded: &[String],
        chosen: &[String],
        people: &People,
        now: UnixTime,
        rules: &PickRules,
        among: impl Fn(&Member) -> bool,
    ) -> Option<usize> {
        let order = self.scan_order();
        let is_eligible = |m: &Member| {
            among(m)
                && !same_login(&m.login, author)
                && !people.is_away(&m.login, now)
                && rules.has_room(people.open_reviews_of(&m.login))
                && !excluded.iter().any(|e| same_login(e, &m.login))
                && !chosen.iter().any(|c| same_login(c, &m.login))
        };
        // Lower ranks first; the scan position breaks every remaining tie.
        let rank = |m: &Member| match self.mode {
            Mode::RoundRobin => (m.assigned, UnixTime::MIN),
            Mode::LoadBalance => (
                people.open_reviews_of(&m.login),
                m.last_assigned_at.unwrap_or(UnixTime::MIN),
            ),
        };
        let (position, index) = order
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, i)| is_eligible(&self.members[i]))
            .min_by_key(|&(position, i)| (rank(&self.members[i]), position))?;
        if rules.prefers(&self.members[index].login) {
            return Some(index);
        }
        // An author skipped while it was their turn keeps it: the cursor
        // stops just before them instead of moving to the one picked.
        let chosen_assigned = self.members[index].assigned;
        let skipped_author = order[..position].iter().copied().find(|&i| {
            let m = &self.members[i];
            same_login(&m.login, author)
                && !people.is_away(&m.login, now)
                && m.assigned <= chosen_assigned
        });
        let cursor_index = match skipped_author {
            Some(author_index) => (author_index + self.members.len() - 1) % self.members.len(),
            None => index,
        };
        self.rotation_cursor = Some(self.members[cursor_index].login.clone());
        Some(index)
    }

    /// Who would be picked for a pull request by `author` now, without
    /// changing anything.
    pub fn preview(&self, author: &str, people: &People, now: UnixTime) -> Vec<String> {
        let wanted = usize::from(self.reviewers_per_pr);
        self.clone()
            .pick_reviewers_with(author, &[], wanted, people, now, &self.pick_rules())
    }

    /// A reviewer asked by name (`r?`) who is a member counts it as an
    /// assignment (for the rotation's fairness; the review it opens is
    /// counted by the review record, like any other).
    pub fn count_request(&mut self, login: &str, now: UnixTime) {
        if let Some(member) = self.member_mut(login) {
            member.assigned += 1;
            member.last_assigned_at = Some(now);
        }
    }

    /// The rules of this pool's plain pick: its cap, nobody preferred.
    pub fn pick_rules(&self) -> PickRules {
        PickRules {
            cap: self.review_cap,
            ..PickRules::default()
        }
    }
}

/// What a pick weighs beyond the rotation: whom to prefer, and the cap on
/// open reviews (counted in [`People::open_reviews`]). The default (nobody
/// preferred, no cap) is the plain rotation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PickRules {
    /// Lower-cased logins picked first (code owners of a changed path, or
    /// the members of a requested team).
    pub preferred: BTreeSet<String>,
    /// Only the preferred may be picked (an `r? @org/team`).
    pub preferred_only: bool,
    /// A member with this many open reviews is skipped.
    pub cap: Option<u32>,
}

impl PickRules {
    fn prefers(&self, login: &str) -> bool {
        self.preferred.contains(&login_key(login))
    }

    /// Is someone with `open_reviews` below the cap (or is there none)?
    pub fn has_room(&self, open_reviews: u32) -> bool {
        self.cap.is_none_or(|cap| open_reviews < cap)
    }
}

/// GitHub logins compare case-insensitively.
pub fn same_login(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The pool a pull request's events belong to: `assigned`, the pool of the
/// channel its assignment was posted in, when it has an assignment and that
/// channel a pool (so a later `watch` elsewhere does not steal it); else
/// the pool watching its repository among `pools` (the caller loads them
/// only when `assigned` is `None`).
pub fn pool_for_pull_request(assigned: Option<Pool>, pools: &[Pool], repo: &str) -> Option<Pool> {
    assigned.or_else(|| pool_for_repo(pools.iter(), repo).cloned())
}

/// The pool watching `repo`: an exact `owner/repo` beats an `owner/*`.
/// Case-insensitive.
pub fn pool_for_repo<'a>(pools: impl Iterator<Item = &'a Pool>, repo: &str) -> Option<&'a Pool> {
    let repo = repo.to_ascii_lowercase();
    let owner_wildcard = repo
        .split_once('/')
        .map(|(owner, _)| format!("{owner}/*"))?;
    let mut wildcard_match = None;
    for pool in pools {
        if pool.watches_pattern(&repo) {
            return Some(pool);
        }
        if wildcard_match.is_none() && pool.watches_pattern(&owner_wildcard) {
            wildcard_match = Some(pool);
        }
    }
    wildcard_match
}

/// Someone off the rotation. Without `until`, until they say `back`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Away {
    /// Back from this moment (midnight UTC of the date given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<UnixTime>,
}

impl Away {
    pub fn is_active(&self, now: UnixTime) -> bool {
        self.until.is_none_or(|until| now < until)
    }
}

/// Global facts about people, shared by every pool. Keys are lower-cased
/// GitHub logins (see [`login_key`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct People {
    /// GitHub login → Slack user id (`U…`).
    #[serde(default)]
    pub slack_users: BTreeMap<String, String>,
    #[serde(default)]
    pub away: BTreeMap<String, Away>,
    /// Open reviews per lower-cased login: the pull requests open, not
    /// drafts, waiting on that person's review, counted from the review
    /// records when the decision's records are loaded
    /// ([`open_reviews_per_member`](super::lifecycle::open_reviews_per_member)).
    /// Never stored: a count derived each time cannot drift.
    #[serde(skip)]
    pub open_reviews: BTreeMap<String, u32>,
}

/// The key of a login in [`People`]'s maps.
pub fn login_key(login: &str) -> String {
    login.to_ascii_lowercase()
}

impl People {
    /// `login`'s open reviews (see [`People::open_reviews`]).
    pub fn open_reviews_of(&self, login: &str) -> u32 {
        self.open_reviews
            .get(&login_key(login))
            .copied()
            .unwrap_or(0)
    }

    /// These people with `login` mapped to Slack user `slack_user`.
    pub fn mapped(&self, login: &str, slack_user: &str) -> People {
        let mut people = self.clone();
        people
            .slack_users
            .insert(login_key(login), slack_user.to_string());
        people
    }

    /// These people with `login` away (until `away.until`, or until back).
    pub fn marked_away(&self, login: &str, away: Away) -> People {
        let mut people = self.clone();
        people.away.insert(login_key(login), away);
        people
    }

    /// These people with `login` no longer away.
    pub fn marked_back(&self, login: &str) -> People {
        let mut people = self.clone();
        people.away.remove(&login_key(login));
        people
    }

    pub fn slack_user(&self, login: &str) -> Option<&str> {
        self.slack_users.get(&login_key(login)).map(String::as_str)
    }

    /// The GitHub login mapped to a Slack user (lower-cased), if any.
    pub fn login_of_slack_user(&self, slack_user: &str) -> Option<&str> {
        self.slack_users
            .iter()
            .find(|(_, user)| user.as_str() == slack_user)
            .map(|(login, _)| login.as_str())
    }

    /// Is `login` away at `now`? An away whose `until` has come is over.
    pub fn is_away(&self, login: &str, now: UnixTime) -> bool {
        self.away
            .get(&login_key(login))
            .is_some_and(|away| away.is_active(now))
    }

    /// `<@U…>` when the login is mapped to Slack, else the login in bold.
    pub fn mention(&self, login: &str) -> Mrkdwn {
        match self.slack_user(login) {
            Some(user) => Mrkdwn::user(user),
            None => mrkdwn!("*{}*", login),
        }
    }
}
