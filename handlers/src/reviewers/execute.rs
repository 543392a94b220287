//! What running each reviewers subcommand decides: [`execute`] takes a
//! parsed [`Command`] and a [`CommandInput`] (the records the caller
//! loaded) and returns the outcome: the ephemeral reply, the records to
//! write, and the channel announcements. Also the `list` and `stats` texts.

use super::assignment::{message_key, Assignment, ReviewStatus};
use super::change::{Change, Outcome};
use super::commands::Command;
use super::decide::assign_pull_request;
use super::lifecycle::decide::follow_pick;
use super::lifecycle::execute::{self as lifecycle, ReviewsInput};
use super::lifecycle::{ChannelSettings, EventInput};
use super::picking;
use super::pool::{login_key, pool_for_repo, Away, Mode, People, Pool};
use crate::caller::Caller;
use crate::github::PullRequestEvent;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::text::{format_date, format_duration};
use crate::UnixTime;

/// What a command needs from the store. Load everything the command's
/// kind needs; the rest may be left empty.
#[derive(Debug, Clone, Copy)]
pub struct CommandInput<'a> {
    /// Who typed the command, and in which channel.
    pub caller: &'a Caller,
    pub now: UnixTime,
    /// Every pool (for `watch` conflicts, `next`, `assign`), this channel's included.
    pub pools: &'a [Pool],
    pub people: &'a People,
    /// `assign`: the pull request as GitHub or a stored event describes it.
    pub pull_request: Option<&'a PullRequestEvent>,
    /// `assign`: the pull request's existing assignment record, if any.
    pub existing_assignment: Option<&'a Assignment>,
    /// `stats`: this channel's assignment records with a reviewer assigned
    /// since [`stats_since`] (others are ignored).
    pub history: &'a [Assignment],
    /// `reviews`, `dm`, `hours`, `reviewers remind`, `reviewers digest`:
    /// the review lifecycle's records.
    pub reviews: ReviewsInput<'a>,
}

impl CommandInput<'_> {
    /// The Slack user who typed the command.
    fn user(&self) -> &str {
        &self.caller.user
    }

    /// The channel it was typed in.
    fn channel(&self) -> &str {
        &self.caller.channel
    }

    fn channel_pool(&self) -> Option<&Pool> {
        self.pools.iter().find(|p| p.channel == self.channel())
    }
}

const NO_POOL: &str =
    "This channel has no review rotation yet. Start one with `/baton reviewers watch owner/repo`.";

/// Run a parsed command against the loaded records.
pub fn execute(command: &Command, input: &CommandInput) -> Outcome {
    let caller = Mrkdwn::user(input.user());
    match command {
        Command::Watch { pattern } => watch(pattern, input, &caller),
        Command::Unwatch { pattern } => change_pool(input, |pool| {
            let before = pool.repos.len();
            pool.repos.retain(|p| !p.eq_ignore_ascii_case(pattern));
            if pool.repos.len() == before {
                return Err(mrkdwn!("This channel does not watch `{}`.", pattern));
            }
            Ok(mrkdwn!(
                "{} stopped reviewer rotation for `{}`.",
                caller,
                pattern
            ))
        }),
        Command::Add { login, slack_user } => {
            let mut outcome = change_pool(input, |pool| {
                if !pool.add_member(login, input.people, input.now) {
                    return Err(mrkdwn!("*{}* is already in this rotation.", login));
                }
                Ok(mrkdwn!(
                    "{} added *{}* to the review rotation.",
                    caller,
                    login
                ))
            });
            let pool_changed = outcome.pool().is_some();
            if let Some(user) = slack_user.as_ref().filter(|_| pool_changed) {
                outcome.change(Change::PutPeople(input.people.mapped(login, user)));
            }
            outcome
        }
        Command::Remove { login } => change_pool(input, |pool| match pool.remove_member(login) {
            Some(removed) => Ok(mrkdwn!(
                "{} removed *{}* from the review rotation.",
                caller,
                removed.login
            )),
            None => Err(mrkdwn!("*{}* is not in this rotation.", login)),
        }),
        Command::List => match input.channel_pool() {
            Some(pool) => Outcome::reply(list_text(pool, input.people, input.now)),
            None => Outcome::reply(NO_POOL),
        },
        Command::Count { reviewers_per_pr } => change_pool(input, |pool| {
            pool.reviewers_per_pr = *reviewers_per_pr;
            let noun = if *reviewers_per_pr == 1 {
                "reviewer"
            } else {
                "reviewers"
            };
            Ok(mrkdwn!(
                "{} set {} {} per pull request.",
                caller,
                *reviewers_per_pr,
                noun
            ))
        }),
        Command::Mode { mode } => change_pool(input, |pool| {
            pool.mode = *mode;
            Ok(mrkdwn!(
                "{} switched the rotation to {}.",
                caller,
                mode.name()
            ))
        }),
        Command::Drafts { include } => change_pool(input, |pool| {
            pool.include_drafts = *include;
            Ok(if *include {
                mrkdwn!(
                    "{} turned on reviewer assignment for draft pull requests.",
                    caller
                )
            } else {
                mrkdwn!(
                    "{} made draft pull requests wait for reviewers until they are ready.",
                    caller
                )
            })
        }),
        Command::Picking(setting) => {
            change_pool(input, |pool| picking::apply(*setting, pool, &caller))
        }
        Command::Map { login, slack_user } => Outcome::announce(
            input.channel(),
            mrkdwn!("*{}* is {} from now on.", login, Mrkdwn::user(slack_user)),
            mrkdwn!(
                "{} mapped GitHub *{}* to {}.",
                caller,
                login,
                Mrkdwn::user(slack_user)
            ),
        )
        .with(Change::PutPeople(input.people.mapped(login, slack_user))),
        Command::Away { login, until } => away(login.as_deref(), *until, input, &caller),
        Command::Back { login } => back(login.as_deref(), input, &caller),
        Command::Next { repo } => next(repo, input),
        Command::Assign { repo, number } => assign(repo, *number, input),
        Command::Stats { days } => Outcome::reply(stats_text(*days, input)),
        Command::Lifecycle(command) => lifecycle::execute(
            command,
            &lifecycle::CommandContext {
                caller: input.caller,
                now: input.now,
                pools: input.pools,
                people: input.people,
                reviews: input.reviews,
            },
        ),
    }
}

/// Apply `change` to this channel's pool; `Ok` is the announcement, `Err`
/// the reason nothing changed.
fn change_pool(
    input: &CommandInput,
    change: impl FnOnce(&mut Pool) -> Result<Mrkdwn, Mrkdwn>,
) -> Outcome {
    let Some(pool) = input.channel_pool() else {
        return Outcome::reply(NO_POOL);
    };
    let mut pool = pool.clone();
    match change(&mut pool) {
        Ok(announcement) => Outcome::announce(
            input.channel(),
            mrkdwn!("Done. {}", announcement),
            announcement,
        )
        .with(Change::PutPool(pool)),
        Err(reason) => Outcome::reply(reason),
    }
}

fn watch(pattern: &str, input: &CommandInput, caller: &Mrkdwn) -> Outcome {
    if let Some(owner) = input
        .pools
        .iter()
        .find(|p| p.channel != input.channel() && p.watches_pattern(pattern))
    {
        return Outcome::reply(mrkdwn!(
            "`{}` is already watched by {}; unwatch it there first.",
            pattern,
            Mrkdwn::channel(&owner.channel)
        ));
    }
    let mut pool = input
        .channel_pool()
        .cloned()
        .unwrap_or_else(|| Pool::new(input.channel()));
    if pool.watches_pattern(pattern) {
        return Outcome::reply(mrkdwn!("This channel already watches `{}`.", pattern));
    }
    pool.repos.push(pattern.to_string());
    let mut reply = mrkdwn!(
        "Done. This channel now assigns reviewers for `{}`.",
        pattern
    );
    if pool.members.is_empty() {
        reply.push(" Add reviewers with `/baton reviewers add GITHUB-LOGIN [@slack-user]`.");
    }
    Outcome::announce(
        input.channel(),
        reply,
        mrkdwn!(
            "{} set this channel to assign reviewers for `{}`.",
            caller,
            pattern
        ),
    )
    .with(Change::PutPool(pool))
}

/// The login the command is about: the one given, or the caller's own.
/// `verb` names the command in the hint (`away` or `back`).
fn subject_login(login: Option<&str>, input: &CommandInput, verb: &str) -> Result<String, Mrkdwn> {
    match login {
        Some(login) => Ok(login.to_string()),
        None => input
            .people
            .login_of_slack_user(input.user())
            .map(str::to_string)
            .ok_or_else(|| {
                mrkdwn!(
                    "I don't know your GitHub login. Name it (`/baton {} GITHUB-LOGIN`), \
                     or ask an admin to run `/baton map GITHUB-LOGIN @you`.",
                    verb
                )
            }),
    }
}

fn away(
    login: Option<&str>,
    until: Option<UnixTime>,
    input: &CommandInput,
    caller: &Mrkdwn,
) -> Outcome {
    let login = match subject_login(login, input, "away") {
        Ok(login) => login,
        Err(reason) => return Outcome::reply(reason),
    };
    if until.is_some_and(|until| until <= input.now) {
        return Outcome::reply(mrkdwn!(
            "{} is not in the future; give a later date.",
            format_date(until.unwrap_or_default())
        ));
    }
    let how_long = match until {
        Some(until) => format!("until {}", format_date(until)),
        None => "until `/baton back`".to_string(),
    };
    Outcome::announce(
        input.channel(),
        mrkdwn!(
            "Done. *{}* is off every review rotation {}.",
            login,
            how_long
        ),
        mrkdwn!("{} marked *{}* away {}.", caller, login, how_long),
    )
    .with(Change::PutPeople(
        input.people.marked_away(&login, Away { until }),
    ))
}

fn back(login: Option<&str>, input: &CommandInput, caller: &Mrkdwn) -> Outcome {
    let login = match subject_login(login, input, "back") {
        Ok(login) => login,
        Err(reason) => return Outcome::reply(reason),
    };
    if !input.people.is_away(&login, input.now) {
        return Outcome::reply(mrkdwn!("*{}* is not away.", login));
    }
    Outcome::announce(
        input.channel(),
        mrkdwn!(
            "Welcome back! *{}* is on the review rotations again.",
            login
        ),
        mrkdwn!("{} put *{}* back on the review rotation.", caller, login),
    )
    .with(Change::PutPeople(input.people.marked_back(&login)))
}

fn next(repo: &str, input: &CommandInput) -> Outcome {
    let Some(pool) = pool_for_repo(input.pools.iter(), repo) else {
        return Outcome::reply(mrkdwn!("No channel watches `{}`.", repo));
    };
    let picks = pool.preview("", input.people, input.now);
    Outcome::reply(if picks.is_empty() {
        mrkdwn!(
            "No one in {}'s rotation is free right now.",
            Mrkdwn::channel(&pool.channel)
        )
    } else {
        mrkdwn!(
            "The next pull request in `{}` would go to {} ({}'s rotation).",
            repo,
            mention_list(&picks, input.people),
            Mrkdwn::channel(&pool.channel)
        )
    })
}

fn assign(repo: &str, number: u64, input: &CommandInput) -> Outcome {
    let reference = format!("{repo}#{number}");
    let Some(pool) = pool_for_repo(input.pools.iter(), repo) else {
        return Outcome::reply(mrkdwn!(
            "No channel watches `{}`; run `/baton reviewers watch {}` first.",
            repo,
            repo
        ));
    };
    if let Some(existing) = input.existing_assignment {
        let on_it: Vec<String> = existing
            .reviewers
            .iter()
            .filter(|r| r.is_on_it())
            .map(|r| r.login.clone())
            .collect();
        return Outcome::reply(mrkdwn!(
            "`{}` already has reviewers: {}. Use the message's *Reassign* button to change them.",
            reference,
            mention_list(&on_it, input.people)
        ));
    }
    let Some(pr) = input.pull_request else {
        return Outcome::reply(mrkdwn!("I couldn't find pull request `{}`.", reference));
    };
    let decided = assign_pull_request(pool, pr, input.people, input.now);
    let reply = match decided.assignment() {
        Some(assignment) => mrkdwn!(
            "Done. `{}` goes to {}.",
            reference,
            mention_list(&assignment.pending_logins(), input.people)
        ),
        None => mrkdwn!(
            "No one in {}'s rotation is free to review `{}`.",
            Mrkdwn::channel(&pool.channel),
            reference
        ),
    };
    let assigned = decided.assignment().map(|a| Change::RemoveWaiting {
        repo: a.repo.clone(),
        number: a.number,
    });
    let mut outcome = Outcome {
        reply: Some(reply),
        ..decided
    };
    outcome.changes.extend(assigned);
    // The review record follows the pick (so the next pick counts it).
    let key = message_key(repo, number);
    let channel = ChannelSettings::of(&pool.channel, input.reviews.channels);
    let event = EventInput {
        pool: Some(pool),
        assignment: None,
        tracked: input.reviews.open.iter().find(|t| t.key() == key),
        people: input.people,
        persons: input.reviews.persons,
        channel: &channel,
    };
    follow_pick(&event, outcome, input.now)
}

fn mention_list(logins: &[String], people: &People) -> Mrkdwn {
    Mrkdwn::join(logins.iter().map(|login| people.mention(login)), ", ")
}

/// `reviewers list`: rotation order, next, away, mode, count, repositories.
fn list_text(pool: &Pool, people: &People, now: UnixTime) -> Mrkdwn {
    let next = pool.preview("", people, now);
    let noun = if pool.reviewers_per_pr == 1 {
        "reviewer"
    } else {
        "reviewers"
    };
    let mut out = mrkdwn!(
        "*Review rotation* — {}, {} {} per pull request, drafts {}\n",
        pool.mode.name(),
        pool.reviewers_per_pr,
        noun,
        if pool.include_drafts {
            "included"
        } else {
            "wait until ready"
        }
    );
    out.push(picking::settings_line(pool));
    if pool.members.is_empty() {
        out.push("No reviewers yet: `/baton reviewers add GITHUB-LOGIN [@slack-user]`.\n");
    }
    for (position, member) in pool.members.iter().enumerate() {
        let mut line = mrkdwn!(
            "{}. {} — {} assigned",
            position + 1,
            people.mention(&member.login),
            member.assigned
        );
        if people.slack_user(&member.login).is_some() {
            line.push(mrkdwn!(" (`{}`)", member.login));
        }
        let open = people.open_reviews_of(&member.login);
        if pool.mode == Mode::LoadBalance || pool.review_cap.is_some() {
            line.push(mrkdwn!(", {} open", open));
        }
        if pool.review_cap.is_some_and(|cap| open >= cap) {
            line.push(" (at the cap)");
        }
        if member.passes > 0 {
            line.push(mrkdwn!(", {} passed", member.passes));
        }
        if let Some(away) = people
            .away
            .get(&login_key(&member.login))
            .filter(|a| a.is_active(now))
        {
            match away.until {
                Some(until) => {
                    line.push(mrkdwn!(" · :palm_tree: away until {}", format_date(until)))
                }
                None => line.push(" · :palm_tree: away"),
            }
        }
        if next.iter().any(|n| n == &member.login) {
            line.push(" · *next*");
        }
        out.push(line);
        out.push("\n");
    }
    if pool.repos.is_empty() {
        out.push("Watching no repositories.");
    } else {
        let repos = pool.repos.iter().map(|r| mrkdwn!("`{}`", r));
        out.push(mrkdwn!("Watching {}.", Mrkdwn::join(repos, ", ")));
    }
    out
}

/// One person's numbers in `stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PersonStats {
    assignments: u32,
    passes: u32,
    /// Seconds from assignment to first review, one per reviewed assignment.
    review_delays: Vec<i64>,
}

/// The median of some durations (the mean of the middle two for an even count).
pub(super) fn median(values: &mut [i64]) -> Option<i64> {
    values.sort_unstable();
    let mid = values.len() / 2;
    match values.len() {
        0 => None,
        n if n % 2 == 1 => Some(values[mid]),
        _ => Some((values[mid - 1] + values[mid]) / 2),
    }
}

/// The start of the window of `stats [days]`: reviewers assigned at or
/// after it count.
pub fn stats_since(days: u32, now: UnixTime) -> UnixTime {
    now - i64::from(days) * 86_400
}

/// `stats [days]`: this channel's assignments made in the last `days`.
fn stats_text(days: u32, input: &CommandInput) -> Mrkdwn {
    let since = stats_since(days, input.now);
    let mut people: std::collections::BTreeMap<String, (String, PersonStats)> =
        std::collections::BTreeMap::new();
    for assignment in input
        .history
        .iter()
        .filter(|a| a.channel == input.channel())
    {
        for reviewer in assignment
            .reviewers
            .iter()
            .filter(|r| r.assigned_at >= since)
        {
            let (_, stats) = people
                .entry(login_key(&reviewer.login))
                .or_insert_with(|| (reviewer.login.clone(), PersonStats::default()));
            stats.assignments += 1;
            match reviewer.status {
                ReviewStatus::Passed { .. } => stats.passes += 1,
                ReviewStatus::Reviewed { first_at, .. } => {
                    stats.review_delays.push(first_at - reviewer.assigned_at)
                }
                ReviewStatus::Pending | ReviewStatus::Reassigned { .. } => {}
            }
        }
    }
    if people.is_empty() {
        return mrkdwn!(
            "No review assignments in this channel in the last {} days.",
            days
        );
    }
    let mut rows: Vec<(String, PersonStats)> = people.into_values().collect();
    rows.sort_by(|a, b| b.1.assignments.cmp(&a.1.assignments).then(a.0.cmp(&b.0)));
    let mut out = mrkdwn!("*Reviews in the last {} days*\n", days);
    for (login, mut stats) in rows {
        let median = median(&mut stats.review_delays).map_or_else(
            || "no reviews yet".to_string(),
            |m| format!("median {} to first review", format_duration(m)),
        );
        out.push(mrkdwn!(
            "• {} — {} assigned, {} passed, {}\n",
            login,
            stats.assignments,
            stats.passes,
            median
        ));
    }
    out
}
