//! The lifecycle's decisions on events, run against a small in-memory
//! store that applies each outcome's changes, as `Tx::store_outcome` does.

use super::*;
use crate::mrkdwn::Mrkdwn;
use crate::reviewers::phase::Phase;

const NOW: UnixTime = 1_795_392_000; // Monday 2026-11-23 00:00 UTC
const CHANNEL: &str = "C0REVIEWS";

/// The records one pull request's decisions read and write.
struct World {
    pool: Pool,
    assignment: Option<Assignment>,
    tracked: Option<TrackedPullRequest>,
    people: People,
    persons: Vec<PersonSettings>,
    channel: ChannelSettings,
}

impl World {
    fn new() -> World {
        let mut pool = Pool::new(CHANNEL);
        pool.repos.push("octo-org/api".into());
        let mut people = People::default();
        for (login, user) in [
            ("hubot", "U0HUBOT01"),
            ("monalisa", "U0MONA001"),
            ("defunkt", "U0DEFUNK1"),
        ] {
            pool.add_member(login, &people, NOW);
            people = people.mapped(login, user);
        }
        people = people.mapped("torvalds", "U0TORVALD");
        World {
            pool,
            assignment: None,
            tracked: None,
            people,
            persons: Vec::new(),
            channel: ChannelSettings::new(CHANNEL),
        }
    }

    fn input(&self) -> EventInput<'_> {
        EventInput {
            pool: Some(&self.pool),
            assignment: self.assignment.as_ref(),
            tracked: self.tracked.as_ref(),
            people: &self.people,
            persons: &self.persons,
            channel: &self.channel,
        }
    }

    /// Store the outcome's changes; return its messages.
    fn apply(&mut self, outcome: Outcome) -> Vec<Outbound> {
        for change in outcome.changes {
            match change {
                Change::PutPool(pool) => self.pool = pool,
                Change::PutAssignment(a) => self.assignment = Some(a),
                Change::PutTracked(t) => self.tracked = Some(t),
                _ => {}
            }
        }
        outcome.outbound
    }

    fn pull_request(
        &mut self,
        action: &str,
        requested: Option<&str>,
        at: UnixTime,
    ) -> Vec<Outbound> {
        let mut pr = pull_request(action);
        pr.requested_reviewer = requested.map(str::to_string);
        let outcome = on_pull_request(&self.input(), &pr, at);
        self.apply(outcome)
    }

    fn review(&mut self, reviewer: &str, state: &str, at: UnixTime) -> Vec<Outbound> {
        let outcome = on_review(&self.input(), &review(reviewer, state), at);
        self.apply(outcome)
    }

    fn tracked(&self) -> &TrackedPullRequest {
        self.tracked.as_ref().expect("followed")
    }
}

fn pull_request(action: &str) -> PullRequestEvent {
    PullRequestEvent {
        action: action.into(),
        repo: "Octo-Org/api".into(),
        number: 7,
        title: "Retry webhook delivery on 5xx".into(),
        html_url: "https://github.com/Octo-Org/api/pull/7".into(),
        author: "torvalds".into(),
        draft: false,
        merged: action == "closed",
        additions: 120,
        deletions: 31,
        changed_files: 4,
        requested_reviewers: vec![],
        assignees: vec![],
        installation: None,
        requested_reviewer: None,
    }
}

fn review(reviewer: &str, state: &str) -> PullRequestReviewEvent {
    PullRequestReviewEvent {
        action: "submitted".into(),
        review_id: None,
        repo: "Octo-Org/api".into(),
        number: 7,
        reviewer: reviewer.into(),
        state: state.into(),
        html_url: None,
        submitted_at: None,
    }
}

/// The direct messages among `out`: (user, text).
fn direct(out: &[Outbound]) -> Vec<(String, String)> {
    out.iter()
        .filter_map(|o| match o {
            Outbound::SlackDirect { user, text, .. } => Some((user.clone(), text.to_string())),
            _ => None,
        })
        .collect()
}

/// The state line of the last render of the assignment message in `out`.
fn shown_phase(out: &[Outbound]) -> Option<String> {
    out.iter().rev().find_map(|o| match o {
        Outbound::SlackPost {
            key: Some(_),
            blocks: Some(b),
            ..
        }
        | Outbound::SlackUpdate {
            blocks: Some(b), ..
        } => Some(b.to_string()),
        _ => None,
    })
}

#[test]
fn assignment_changes_requested_asked_again_approved_merged() {
    let mut world = World::new();
    let out = world.pull_request("opened", None, NOW);
    // Baton picked hubot: asked from now, told in a direct message with
    // the message's buttons, size and channel.
    assert_eq!(world.tracked().review_waits(), [("hubot".to_string(), NOW)]);
    let dms: Vec<&Outbound> = out
        .iter()
        .filter(|o| matches!(o, Outbound::SlackDirect { .. }))
        .collect();
    assert_eq!(dms.len(), 1, "{out:?}");
    let Outbound::SlackDirect { user, text, blocks } = dms[0] else {
        unreachable!()
    };
    assert_eq!(user, "U0HUBOT01");
    assert!(
        text.contains("<@U0TORVALD>") && text.contains("octo-org/api#7"),
        "{text}"
    );
    let blocks = blocks.as_ref().unwrap().to_string();
    assert!(
        blocks.contains("+120 / −31 in 4 files") && blocks.contains("<#C0REVIEWS>"),
        "{blocks}"
    );
    assert!(
        blocks.contains("reviewers_pass") && blocks.contains("reviewers_reassign"),
        "{blocks}"
    );
    assert!(shown_phase(&out).unwrap().contains("Waiting on review"));
    // A reminder is due a day after the request.
    assert_eq!(world.tracked().reviewers[0].remind_at, Some(NOW + 86_400));

    // hubot asks for changes: torvalds hears, the message shows it.
    let out = world.review("hubot", "changes_requested", NOW + 100);
    assert_eq!(world.tracked().phase(), Phase::ChangesRequested);
    let dms = direct(&out);
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].0, "U0TORVALD");
    assert!(dms[0].1.contains("requested changes"), "{}", dms[0].1);
    assert!(
        shown_phase(&out).unwrap().contains("Changes requested"),
        "{out:?}"
    );
    assert_eq!(
        world.assignment.as_ref().unwrap().phase(),
        Phase::ChangesRequested
    );
    assert_eq!(
        world.tracked().reviewers[0].remind_at,
        None,
        "no reminder after a review"
    );

    // GitHub says torvalds asked hubot again.
    let out = world.pull_request("review_requested", Some("hubot"), NOW + 200);
    assert_eq!(
        world.tracked().review_waits(),
        [("hubot".to_string(), NOW + 200)]
    );
    let dms = direct(&out);
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].0, "U0HUBOT01");
    assert!(dms[0].1.contains("again"), "{}", dms[0].1);
    assert!(shown_phase(&out).unwrap().contains("Waiting on review"));
    assert_eq!(
        world.tracked().reviewers[0].remind_at,
        Some(NOW + 200 + 86_400)
    );

    // Approved: torvalds hears it is ready to merge.
    let out = world.review("hubot", "approved", NOW + 300);
    let dms = direct(&out);
    assert_eq!(dms.len(), 1);
    assert!(
        dms[0].0 == "U0TORVALD" && dms[0].1.contains("ready to merge"),
        "{dms:?}"
    );
    assert!(shown_phase(&out).unwrap().contains("Approved"));

    // Merged: the message says so (once), nobody is written to.
    let out = world.pull_request("closed", None, NOW + 400);
    assert!(direct(&out).is_empty());
    let updates: Vec<_> = out
        .iter()
        .filter(|o| matches!(o, Outbound::SlackUpdate { .. }))
        .collect();
    assert_eq!(updates.len(), 1, "{out:?}");
    assert!(shown_phase(&out).unwrap().contains("Merged"));
    assert_eq!(world.tracked().phase(), Phase::Merged);
    assert!(world
        .tracked()
        .reviewers
        .iter()
        .all(|r| r.remind_at.is_none()));
}

#[test]
fn people_who_turned_direct_messages_off_are_not_written_to() {
    let mut world = World::new();
    let mut off = PersonSettings::new("U0HUBOT01");
    off.direct_messages = false;
    world.persons.push(off);
    let out = world.pull_request("opened", None, NOW);
    assert!(direct(&out).is_empty(), "{out:?}");
    // The author still hears of reviews.
    let out = world.review("hubot", "approved", NOW + 10);
    assert_eq!(direct(&out).len(), 1);
}

#[test]
fn requests_made_on_github_are_followed_and_told() {
    let mut world = World::new();
    world.pull_request("opened", None, NOW);
    // Someone asks monalisa on GitHub as well.
    let out = world.pull_request("review_requested", Some("monalisa"), NOW + 50);
    let dms = direct(&out);
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].0, "U0MONA001");
    assert!(!out.iter().any(|o| matches!(o, Outbound::SlackDirect { blocks: Some(b), .. } if b.to_string().contains("reviewers_pass"))),
        "no buttons: Baton did not assign her");
    assert!(world.tracked().waits_on_review_of("monalisa"));
    // GitHub echoing Baton's own request for hubot changes nothing.
    let out = world.pull_request("review_requested", Some("hubot"), NOW + 60);
    assert!(out.is_empty(), "{out:?}");
    // And taking monalisa off again.
    world.pull_request("review_request_removed", Some("monalisa"), NOW + 70);
    assert!(!world.tracked().waits_on_review_of("monalisa"));
}

#[test]
fn cant_review_withdraws_the_request_and_asks_the_next() {
    let mut world = World::new();
    world.pull_request("opened", None, NOW);
    let outcome = on_button(
        &world.input(),
        ReviewerButton::CantReview,
        &Caller::new("U0HUBOT01", "D0HUBOT01"),
        NOW + 30,
    );
    let out = world.apply(outcome);
    assert!(!world.tracked().waits_on_review_of("hubot"));
    assert_eq!(
        world.tracked().review_waits(),
        [("monalisa".to_string(), NOW + 30)]
    );
    let dms = direct(&out);
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].0, "U0MONA001");
}

#[test]
fn a_pull_request_assigned_before_reviews_were_followed_is_picked_up() {
    let mut world = World::new();
    world.pull_request("opened", None, NOW);
    world.tracked = None; // as an older Baton left it
    let out = world.review("hubot", "approved", NOW + 10);
    assert_eq!(world.tracked().phase(), Phase::Approved);
    assert_eq!(direct(&out).len(), 1);
}

#[test]
fn pull_requests_outside_the_rotation_are_not_followed() {
    let mut world = World::new();
    let input = EventInput {
        pool: None,
        ..world.input()
    };
    let outcome = on_pull_request(&input, &pull_request("opened"), NOW);
    assert!(outcome.changes.is_empty() && outcome.outbound.is_empty());
    let outcome = on_review(&world.input(), &review("hubot", "approved"), NOW);
    assert!(outcome.changes.is_empty());
    world.pull_request("closed", None, NOW);
    assert!(
        world.tracked.is_none(),
        "closed before it was ever followed"
    );
    let _ = Mrkdwn::new();
}
