//! Asking for reviewers beyond the rotation's plain turn: a comment saying
//! `r? @login` or `r? @org/team`, and what every such request shares with
//! a description's `r?` and code owners first (decided in `super::events`
//! when a pull request opens): the [`Pick`] and its "nobody is free" words,
//! adding reviewers to a pull request, and a pick that waits for GitHub's
//! facts (a team's members, the code owners) as a [`PendingPick`].
//!
//! Who may ask in a comment: the pull request's author or a member of the
//! rotation. Anyone else gets nothing done, and one reply in the pull
//! request's thread in the rotation's channel saying why (see the README:
//! Slack, where the team sees it and whose posts are exactly-once, rather
//! than a GitHub comment).

use super::assignment::{AssignedReviewer, Assignment, ReviewStatus};
use super::change::{decided, Change, Outcome};
use super::codeowners::Team;
use super::mention::{review_request, ReviewTarget};
use super::pending::{AskedInComment, PendingPick};
use super::pool::{same_login, People, PickRules, Pool};
use super::waiting::WaitingPullRequest;
use crate::github::{IssueCommentEvent, PullRequestEvent};
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::UnixTime;

/// One pick of reviewers: the rules, how many, and the `r?` team it is
/// limited to, if any (named when nobody in it is free).
#[derive(Debug, Clone, Default)]
pub struct Pick<'a> {
    pub rules: PickRules,
    pub wanted: usize,
    pub team: Option<&'a Team>,
}

impl Pick<'_> {
    /// The rotation's own pick for a pull request.
    pub fn rotation(pool: &Pool) -> Pick<'static> {
        Pick {
            rules: pool.pick_rules(),
            wanted: usize::from(pool.reviewers_per_pr),
            team: None,
        }
    }

    /// The channel's words when nobody could be picked for `pr`.
    pub fn nobody_free(&self, pool: &Pool, pr: &PullRequestEvent) -> Mrkdwn {
        let reference = format!("{}#{}", pr.repo.to_ascii_lowercase(), pr.number);
        let link = Mrkdwn::link(&pr.html_url, reference.as_str());
        let why = match (self.team, pool.review_cap) {
            (Some(team), _) => mrkdwn!(
                "no member of the rotation in `@{}` is free",
                team.to_string()
            ),
            (None, Some(cap)) => mrkdwn!(
                "every member is away, has {} open review{} (the cap), is the author, or is already reviewing it",
                cap,
                if cap == 1 { "" } else { "s" }
            ),
            (None, None) => {
                mrkdwn!("every member is away, the author, or already reviewing it")
            }
        };
        mrkdwn!(
            ":warning: No one in the review rotation is free to review {} by {}: {}. \
             Use `/baton assign {}` when someone is.",
            link,
            pr.author,
            why,
            reference
        )
    }
}

/// Store the pick to make once the lookup is done.
pub(crate) fn wait_for_lookup(
    pool: &Pool,
    pr: &PullRequestEvent,
    team: Option<Team>,
    comment: Option<AskedInComment>,
    now: UnixTime,
) -> Outcome {
    Outcome::none().with(Change::PutPendingPick(PendingPick {
        pr: WaitingPullRequest::from(pr),
        channel: pool.channel.clone(),
        owners: pool.owners_first,
        team,
        comment,
        queued_at: now,
    }))
}

/// The key under which a refusal to `commenter` on this pull request is
/// remembered (they are told once).
pub fn refusal_key(repo: &str, number: u64, commenter: &str) -> String {
    format!(
        "{}/{}",
        super::assignment::message_key(repo, number),
        commenter.to_ascii_lowercase()
    )
}

/// A new comment on a watched pull request asks `r?`. `existing` is its
/// assignment, `waiting` its stored copy while it has none; `refused_before`
/// says whether this commenter was already told they may not ask here.
pub fn on_comment(
    pool: &Pool,
    existing: Option<&Assignment>,
    waiting: Option<&WaitingPullRequest>,
    comment: &IssueCommentEvent,
    refused_before: bool,
    people: &People,
    now: UnixTime,
) -> Outcome {
    let Some(target) = review_request(&comment.body) else {
        return Outcome::none();
    };
    if comment.state != "open" || existing.is_some_and(|a| a.closed.is_some()) {
        return Outcome::none();
    }
    let pr = waiting.map_or_else(|| pull_request_of(comment), WaitingPullRequest::event);
    let allowed = same_login(&comment.commenter, &comment.author)
        || pool.member(&comment.commenter).is_some();
    if !allowed {
        if refused_before {
            return Outcome::none();
        }
        return refuse(pool, existing, &pr, comment, &target, now);
    }
    match target {
        ReviewTarget::User(login) => {
            let already_on_it = existing.is_some_and(|a| {
                a.reviewers
                    .iter()
                    .any(|r| r.status == ReviewStatus::Pending && same_login(&r.login, &login))
            });
            if same_login(&login, &pr.author) || already_on_it {
                return Outcome::none();
            }
            let mut after = pool.clone();
            after.count_request(&login, now);
            let by = Some(comment.commenter.as_str());
            let outcome = add_reviewers(pool, after, existing, &pr, &[login], by, people, now);
            match existing {
                Some(_) => outcome,
                None => outcome.with(Change::RemoveWaiting {
                    repo: pr.repo.clone(),
                    number: pr.number,
                }),
            }
        }
        ReviewTarget::Team(team) => {
            let asked = AskedInComment {
                comment_id: comment.comment_id,
                by: comment.commenter.clone(),
            };
            wait_for_lookup(pool, &pr, Some(team), Some(asked), now)
        }
    }
}

/// The pull request a comment is on, as far as the comment tells.
fn pull_request_of(comment: &IssueCommentEvent) -> PullRequestEvent {
    PullRequestEvent {
        action: "commented".into(),
        repo: comment.repo.clone(),
        number: comment.number,
        title: comment.title.clone(),
        html_url: comment.html_url.clone(),
        author: comment.author.clone(),
        author_is_bot: false,
        body: String::new(),
        draft: comment.draft,
        merged: false,
        additions: 0,
        deletions: 0,
        changed_files: 0,
        requested_reviewers: Vec::new(),
        assignees: Vec::new(),
        installation: comment.installation,
        requested_reviewer: None,
    }
}

/// Tell the channel, once, that `comment`'s writer may not ask here.
fn refuse(
    pool: &Pool,
    existing: Option<&Assignment>,
    pr: &PullRequestEvent,
    comment: &IssueCommentEvent,
    target: &ReviewTarget,
    now: UnixTime,
) -> Outcome {
    let reference = format!("{}#{}", pr.repo.to_ascii_lowercase(), pr.number);
    let text = mrkdwn!(
        ":no_entry: *{}* asked for {} to review {} (`r?`), but only its author or a member \
         of this rotation can; nothing was requested.",
        comment.commenter,
        Mrkdwn::code(&target.to_string()),
        Mrkdwn::link(&pr.html_url, reference.as_str())
    );
    Outcome {
        outbound: vec![Outbound::SlackPost {
            channel: pool.channel.clone(),
            text,
            blocks: None,
            key: None,
            thread_of: existing.map(Assignment::key),
        }],
        ..Outcome::none()
    }
    .with(Change::PutRefusedRequest {
        key: refusal_key(&pr.repo, pr.number, &comment.commenter),
        at: now,
    })
}

/// Ask `logins` to review `pr`: a new assignment (and its message) when it
/// has none, else added to it (the message updated, a note in its thread
/// saying who asked). `after` is the pool with the picks counted.
#[allow(clippy::too_many_arguments)]
pub(crate) fn add_reviewers(
    before: &Pool,
    after: Pool,
    existing: Option<&Assignment>,
    pr: &PullRequestEvent,
    logins: &[String],
    asked_by: Option<&str>,
    people: &People,
    now: UnixTime,
) -> Outcome {
    let request = Outbound::GithubRequestReviewers {
        repo: pr.repo.clone(),
        number: pr.number,
        reviewers: logins.to_vec(),
        installation: existing.and_then(|a| a.installation).or(pr.installation),
    };
    let Some(existing) = existing else {
        let assignment = Assignment::new(pr, &before.channel, logins, now);
        let (text, blocks) = assignment.render(people, None);
        let post = Outbound::SlackPost {
            channel: before.channel.clone(),
            text,
            blocks: Some(blocks),
            key: Some(assignment.key()),
            thread_of: None,
        };
        return decided(before, after, Some(assignment), vec![request, post], None);
    };
    let mut updated = existing.clone();
    updated
        .reviewers
        .extend(logins.iter().map(|login| AssignedReviewer {
            login: login.clone(),
            assigned_at: now,
            status: ReviewStatus::Pending,
        }));
    let (text, blocks) = updated.render(people, None);
    let names = Mrkdwn::join(logins.iter().map(|l| people.mention(l)), ", ");
    let note = match asked_by {
        Some(by) => mrkdwn!(
            ":raised_hand: {} asked {} to review too (`r?`).",
            people.mention(by),
            names
        ),
        None => mrkdwn!(":raised_hand: {} will review too.", names),
    };
    let outbound = vec![
        request,
        Outbound::SlackUpdate {
            key: updated.key(),
            channel: updated.channel.clone(),
            text,
            blocks: Some(blocks),
        },
        Outbound::SlackPost {
            channel: updated.channel.clone(),
            text: note,
            blocks: None,
            key: None,
            thread_of: Some(updated.key()),
        },
    ];
    decided(before, after, Some(updated), outbound, None)
}

/// Nobody of the rotation in `team` is free for a comment's `r?`: say so
/// in the pull request's thread (or the channel).
pub(crate) fn nobody_from_team(
    pool: &Pool,
    existing: Option<&Assignment>,
    pr: &PullRequestEvent,
    team: &Team,
) -> Outcome {
    let pick = Pick {
        team: Some(team),
        ..Pick::default()
    };
    Outcome {
        outbound: vec![Outbound::SlackPost {
            channel: pool.channel.clone(),
            text: pick.nobody_free(pool, pr),
            blocks: None,
            key: None,
            thread_of: existing.map(Assignment::key),
        }],
        ..Outcome::none()
    }
}
