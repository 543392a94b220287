//! A channel's reviewer pool and the choice of who reviews next.
//!
//! Owns the persisted [`Pool`] record (members, their counts, the rotation
//! cursor, mode and watched repositories), the global [`People`] facts
//! (GitHub → Slack mapping, who is away) and the picking rules of both
//! [`Mode`]s. Everything here is deterministic: the same pool, people and
//! `now` always give the same picks, before and after a JSON round trip.

use std::collections::BTreeMap;

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
    /// Reviews assigned and not yet submitted or closed (load-balance).
    #[serde(default)]
    pub open_reviews: u32,
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
            open_reviews: 0,
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
        }
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
        self.settle_returning_members(people, now);
        let mut chosen: Vec<String> = Vec::new();
        while chosen.len() < wanted {
            let Some(index) = self.pick_one(author, excluded, &chosen, people, now) else {
                break;
            };
            let member = &mut self.members[index];
            member.assigned += 1;
            member.open_reviews += 1;
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

    /// Pick one member (by index) and move the rotation cursor.
    fn pick_one(
        &mut self,
        author: &str,
        excluded: &[String],
        chosen: &[String],
        people: &People,
        now: UnixTime,
    ) -> Option<usize> {
        let order = self.scan_order();
        let is_eligible = |m: &Member| {
            !same_login(&m.login, author)
                && !people.is_away(&m.login, now)
                && !excluded.iter().any(|e| same_login(e, &m.login))
                && !chosen.iter().any(|c| same_login(c, &m.login))
        };
        // Lower ranks first; the scan position breaks every remaining tie.
        let rank = |m: &Member| match self.mode {
            Mode::RoundRobin => (m.assigned, UnixTime::MIN),
            Mode::LoadBalance => (m.open_reviews, m.last_assigned_at.unwrap_or(UnixTime::MIN)),
        };
        let (position, index) = order
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, i)| is_eligible(&self.members[i]))
            .min_by_key(|&(position, i)| (rank(&self.members[i]), position))?;
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
        self.clone()
            .pick_reviewers(author, &[], usize::from(self.reviewers_per_pr), people, now)
    }
}

/// GitHub logins compare case-insensitively.
pub fn same_login(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
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
}

/// The key of a login in [`People`]'s maps.
pub fn login_key(login: &str) -> String {
    login.to_ascii_lowercase()
}

impl People {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: UnixTime = 1_795_392_000; // 2026-11-23

    fn pool_of(logins: &[&str]) -> Pool {
        let mut pool = Pool::new("C024BE91L");
        for login in logins {
            pool.add_member(login, &People::default(), NOW);
        }
        pool
    }

    fn pick(pool: &mut Pool, author: &str, people: &People) -> Vec<String> {
        let wanted = usize::from(pool.reviewers_per_pr);
        pool.pick_reviewers(author, &[], wanted, people, NOW)
    }

    fn counts(pool: &Pool) -> Vec<u32> {
        pool.members.iter().map(|m| m.assigned).collect()
    }

    #[test]
    fn rotation_goes_round_in_order() {
        let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
        let people = People::default();
        let picks: Vec<_> = (0..6)
            .flat_map(|_| pick(&mut pool, "dependabot[bot]", &people))
            .collect();
        assert_eq!(
            picks,
            ["octocat", "hubot", "monalisa", "octocat", "hubot", "monalisa"]
        );
    }

    #[test]
    fn author_skipped_keeps_their_turn() {
        let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
        let people = People::default();
        assert_eq!(pick(&mut pool, "octocat", &people), ["hubot"]);
        // octocat was skipped as author, so the next PR is theirs, not monalisa's.
        assert_eq!(pick(&mut pool, "defunkt", &people), ["octocat"]);
        assert_eq!(pick(&mut pool, "defunkt", &people), ["monalisa"]);
        assert_eq!(counts(&pool), [1, 1, 1]);
    }

    #[test]
    fn author_skipped_mid_rotation_keeps_their_turn() {
        let mut pool = pool_of(&["octocat", "hubot", "monalisa", "defunkt"]);
        let people = People::default();
        assert_eq!(pick(&mut pool, "torvalds", &people), ["octocat"]);
        assert_eq!(pick(&mut pool, "hubot", &people), ["monalisa"]);
        assert_eq!(pick(&mut pool, "torvalds", &people), ["hubot"]);
        assert_eq!(pick(&mut pool, "torvalds", &people), ["defunkt"]);
        assert_eq!(pick(&mut pool, "torvalds", &people), ["octocat"]);
    }

    #[test]
    fn late_joiner_starts_level_with_the_least_assigned() {
        let mut pool = pool_of(&["octocat", "hubot"]);
        let people = People::default();
        for _ in 0..6 {
            pick(&mut pool, "torvalds", &people);
        }
        assert_eq!(counts(&pool), [3, 3]);
        pool.add_member("monalisa", &people, NOW);
        assert_eq!(pool.member("monalisa").unwrap().assigned, 3);
        // monalisa takes her place in the rotation (after hubot, the last
        // picked) rather than the next six pull requests.
        let picks: Vec<_> = (0..6)
            .flat_map(|_| pick(&mut pool, "torvalds", &people))
            .collect();
        assert_eq!(
            picks,
            ["monalisa", "octocat", "hubot", "monalisa", "octocat", "hubot"]
        );
    }

    #[test]
    fn back_from_away_starts_level_and_away_members_are_skipped() {
        let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
        let mut people = People::default();
        people.away.insert("hubot".into(), Away { until: None });
        let picks: Vec<_> = (0..4)
            .flat_map(|_| pick(&mut pool, "torvalds", &people))
            .collect();
        assert_eq!(picks, ["octocat", "monalisa", "octocat", "monalisa"]);
        assert_eq!(pool.member("hubot").unwrap().assigned, 0);
        people.away.clear();
        let next = pick(&mut pool, "torvalds", &people);
        assert_eq!(next, ["octocat"], "hubot is level, so the order resumes");
        assert_eq!(counts(&pool), [3, 2, 2]);
        assert_eq!(pick(&mut pool, "torvalds", &people), ["hubot"]);
    }

    #[test]
    fn away_until_a_date_ends_on_that_date() {
        let mut people = People::default();
        people.away.insert(
            "hubot".into(),
            Away {
                until: Some(NOW + 86_400),
            },
        );
        assert!(people.is_away("HuBot", NOW));
        assert!(people.is_away("hubot", NOW + 86_399));
        assert!(!people.is_away("hubot", NOW + 86_400));
        let mut pool = pool_of(&["hubot", "octocat"]);
        assert_eq!(pick(&mut pool, "torvalds", &people), ["octocat"]);
        let tomorrow = NOW + 86_400;
        assert_eq!(
            pool.pick_reviewers("torvalds", &[], 1, &people, tomorrow),
            ["hubot"]
        );
    }

    #[test]
    fn away_that_expires_by_date_also_starts_level() {
        let mut people = People::default();
        let tomorrow = NOW + 86_400;
        people.away.insert(
            "hubot".into(),
            Away {
                until: Some(tomorrow),
            },
        );
        let mut pool = pool_of(&["hubot", "octocat", "monalisa"]);
        for _ in 0..4 {
            pick(&mut pool, "torvalds", &people);
        }
        assert_eq!(counts(&pool), [0, 2, 2]);
        // Nobody says `back`: the date passes and the next pick levels hubot.
        let picks: Vec<_> = (0..3)
            .flat_map(|_| pool.pick_reviewers("torvalds", &[], 1, &people, tomorrow))
            .collect();
        assert_eq!(picks, ["hubot", "octocat", "monalisa"]);
        assert_eq!(counts(&pool), [3, 3, 3]);
    }

    #[test]
    fn already_requested_people_are_not_picked_again() {
        let mut pool = pool_of(&["octocat", "hubot"]);
        let picked =
            pool.pick_reviewers("torvalds", &["OctoCat".into()], 1, &People::default(), NOW);
        assert_eq!(picked, ["hubot"]);
    }

    #[test]
    fn nobody_eligible_picks_nobody_and_changes_no_count() {
        let mut pool = pool_of(&["octocat"]);
        assert!(pick(&mut pool, "octocat", &People::default()).is_empty());
        assert_eq!(counts(&pool), [0]);
    }

    #[test]
    fn load_balance_prefers_fewest_open_then_least_recent() {
        let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
        pool.mode = Mode::LoadBalance;
        let people = People::default();
        assert_eq!(pool.pick_reviewers("x", &[], 1, &people, NOW), ["octocat"]);
        assert_eq!(
            pool.pick_reviewers("x", &[], 1, &people, NOW + 10),
            ["hubot"]
        );
        assert_eq!(
            pool.pick_reviewers("x", &[], 1, &people, NOW + 20),
            ["monalisa"]
        );
        // hubot finishes a review: fewest open wins over rotation.
        pool.member_mut("hubot").unwrap().open_reviews = 0;
        assert_eq!(
            pool.pick_reviewers("x", &[], 1, &people, NOW + 30),
            ["hubot"]
        );
        // octocat and monalisa both finish: octocat was assigned longer ago.
        pool.member_mut("octocat").unwrap().open_reviews = 0;
        pool.member_mut("monalisa").unwrap().open_reviews = 0;
        assert_eq!(
            pool.pick_reviewers("x", &[], 1, &people, NOW + 40),
            ["octocat"]
        );
        assert_eq!(
            pool.pick_reviewers("x", &[], 1, &people, NOW + 50),
            ["monalisa"]
        );
    }

    #[test]
    fn removing_the_cursor_member_keeps_the_rotation_going() {
        let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
        let people = People::default();
        assert_eq!(pick(&mut pool, "x", &people), ["octocat"]);
        assert_eq!(pick(&mut pool, "x", &people), ["hubot"]);
        pool.remove_member("hubot");
        assert_eq!(pick(&mut pool, "x", &people), ["monalisa"]);
    }

    #[test]
    fn exact_repository_beats_wildcard() {
        let mut org = Pool::new("C0ORG");
        org.repos.push("octo-org/*".into());
        let mut api = Pool::new("C0API");
        api.repos.push("octo-org/api".into());
        let pools = [org, api];
        assert_eq!(
            pool_for_repo(pools.iter(), "Octo-Org/API").unwrap().channel,
            "C0API"
        );
        assert_eq!(
            pool_for_repo(pools.iter(), "octo-org/web").unwrap().channel,
            "C0ORG"
        );
        assert!(pool_for_repo(pools.iter(), "other/api").is_none());
        assert!(pool_for_repo(pools.iter(), "not-a-repo").is_none());
    }

    /// A pull request in a generated sequence: who wrote it, and whether the
    /// pool is JSON round-tripped (a restart) just before it.
    #[derive(Debug, Clone)]
    struct Step {
        author: usize,
        restart: bool,
    }

    const LOGINS: [&str; 7] = [
        "octocat", "hubot", "monalisa", "defunkt", "mojombo", "pjhyett", "wycats",
    ];

    fn steps(author_range: usize) -> impl Strategy<Value = Vec<Step>> {
        prop::collection::vec(
            (0..author_range, any::<bool>()).prop_map(|(author, restart)| Step { author, restart }),
            1..60,
        )
    }

    /// The author's login: indexes past the pool's members are outsiders.
    fn author_login(index: usize) -> String {
        LOGINS
            .get(index)
            .map_or_else(|| format!("outsider-{index}"), |l| l.to_string())
    }

    fn restart(pool: &Pool) -> Pool {
        serde_json::from_str(&serde_json::to_string(pool).unwrap()).unwrap()
    }

    proptest! {
        #[test]
        fn every_pick_is_a_least_assigned_eligible_member(
            size in 1usize..=7, per_pr in 1u8..=3, steps in steps(9), away_mask in 0u8..128,
        ) {
            let mut pool = pool_of(&LOGINS[..size]);
            pool.reviewers_per_pr = per_pr;
            let mut people = People::default();
            for (i, login) in LOGINS.iter().enumerate().take(size) {
                if away_mask & (1 << i) != 0 {
                    people.away.insert(login_key(login), Away { until: None });
                }
            }
            for step in steps {
                let author = author_login(step.author);
                let mut chosen: Vec<String> = Vec::new();
                for _ in 0..per_pr {
                    let before = pool.clone();
                    let picked = pool.pick_reviewers(&author, &chosen, 1, &people, NOW);
                    let eligible: Vec<&Member> = before.members.iter()
                        .filter(|m| !same_login(&m.login, &author)
                            && !people.is_away(&m.login, NOW)
                            && !chosen.contains(&m.login))
                        .collect();
                    match picked.as_slice() {
                        [] => prop_assert!(eligible.is_empty()),
                        [login] => {
                            let least = eligible.iter().map(|m| m.assigned).min().unwrap();
                            prop_assert_eq!(before.member(login).unwrap().assigned, least);
                            prop_assert!(!same_login(login, &author));
                        }
                        _ => prop_assert!(false, "asked for one, got {:?}", picked),
                    }
                    chosen.extend(picked);
                }
            }
        }

        #[test]
        fn counts_never_differ_by_more_than_one_without_member_authors(
            size in 1usize..=7, per_pr in 1u8..=4, steps in steps(3),
        ) {
            let mut pool = pool_of(&LOGINS[..size]);
            pool.reviewers_per_pr = per_pr;
            let people = People::default();
            for step in steps {
                let author = format!("outsider-{}", step.author);
                if step.restart {
                    pool = restart(&pool);
                }
                pick(&mut pool, &author, &people);
                let counts = counts(&pool);
                let spread = counts.iter().max().unwrap() - counts.iter().min().unwrap();
                prop_assert!(spread <= 1, "counts {:?}", counts);
            }
        }

        #[test]
        fn restart_mid_sequence_picks_exactly_as_without(
            size in 1usize..=7, per_pr in 1u8..=3, steps in steps(10), load_balance in any::<bool>(),
        ) {
            let mut steady = pool_of(&LOGINS[..size]);
            steady.reviewers_per_pr = per_pr;
            if load_balance {
                steady.mode = Mode::LoadBalance;
            }
            let mut restarted = steady.clone();
            let people = People::default();
            for (i, step) in steps.iter().enumerate() {
                let author = author_login(step.author);
                if step.restart {
                    restarted = restart(&restarted);
                }
                let now = NOW + i as i64 * 60;
                let wanted = usize::from(per_pr);
                let a = steady.pick_reviewers(&author, &[], wanted, &people, now);
                let b = restarted.pick_reviewers(&author, &[], wanted, &people, now);
                prop_assert_eq!(a, b);
            }
            prop_assert_eq!(steady, restarted);
        }

        #[test]
        fn author_is_never_assigned_and_n_distinct_are_chosen_when_possible(
            size in 1usize..=7, per_pr in 1u8..=10, steps in steps(9), load_balance in any::<bool>(),
        ) {
            let mut pool = pool_of(&LOGINS[..size]);
            pool.reviewers_per_pr = per_pr;
            if load_balance {
                pool.mode = Mode::LoadBalance;
            }
            let people = People::default();
            for step in steps {
                let author = author_login(step.author);
                let picked = pick(&mut pool, &author, &people);
                prop_assert!(!picked.iter().any(|p| same_login(p, &author)));
                let mut distinct = picked.clone();
                distinct.sort();
                distinct.dedup();
                prop_assert_eq!(distinct.len(), picked.len());
                let eligible = pool.members.iter().filter(|m| !same_login(&m.login, &author)).count();
                prop_assert_eq!(picked.len(), usize::from(per_pr).min(eligible));
            }
        }
    }
}
