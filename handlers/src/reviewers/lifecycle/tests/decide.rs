//! Tests of `reviewers/lifecycle/decide.rs`: the decisions on events (run
//! against a small in-memory store that applies each outcome's changes,
//! as `Tx::store_outcome` does), who is written to, the reminder and
//! digest timers, the App Home, and the profiles to read.

use super::*;
use crate::github::{PullRequestEvent, PullRequestReviewEvent};
use crate::outbound::Outbound;
use crate::reviewers::assignment::Assignment;
use crate::reviewers::change::{Change, Outcome};
use crate::reviewers::lifecycle::decide::*;
use crate::reviewers::lifecycle::record::{Review, TrackedPullRequest, Verdict};
use crate::reviewers::lifecycle::settings::{
    ChannelSettings, DigestSchedule, PersonSettings, Profile, PROFILE_MAX_AGE,
};
use crate::reviewers::lifecycle::track::Happened;
use crate::reviewers::pool::{People, Pool};

/// GitHub's events and the buttons, step by step.
mod events {
    use super::*;
    use crate::buttons::ReviewerButton;
    use crate::caller::Caller;
    use crate::mrkdwn::Mrkdwn;
    use crate::reviewers::phase::Phase;

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
            author_is_bot: false,
            body: String::new(),
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
}

/// Who is written to.
mod direct_messages {
    use super::*;

    fn tracked() -> TrackedPullRequest {
        let mut pr = TrackedPullRequest {
            title: "<!channel> & `x` <https://evil.example|click>".into(),
            ..open_pull_request(7)
        };
        pr.ask("hubot", NOW);
        pr
    }

    #[test]
    fn unmapped_people_people_who_said_no_and_comments_get_nothing() {
        let pr = tracked();
        let people = People::default().mapped("torvalds", "U2");
        let asked = [Happened::Asked {
            login: "hubot".into(),
        }];
        assert!(
            for_happenings(&asked, &pr, None, &people, &[]).is_empty(),
            "hubot is not mapped"
        );
        let mut off = PersonSettings::new("U2");
        off.direct_messages = false;
        let approved = [Happened::Reviewed {
            login: "hubot".into(),
            verdict: Verdict::Approved,
        }];
        assert_eq!(for_happenings(&approved, &pr, None, &people, &[]).len(), 1);
        assert!(for_happenings(&approved, &pr, None, &people, &[off]).is_empty());
        let commented = [Happened::Reviewed {
            login: "hubot".into(),
            verdict: Verdict::Commented,
        }];
        assert!(for_happenings(&commented, &pr, None, &people, &[]).is_empty());
        let mut draft = pr.clone();
        draft.draft = true;
        let people = people.mapped("hubot", "U1");
        assert!(
            for_happenings(&asked, &draft, None, &people, &[]).is_empty(),
            "a draft waits on no one"
        );
    }
}

/// The reminder timer, inside and outside working hours.
mod reminders {
    use super::*;
    use crate::reviewers::lifecycle::hours::WorkingHours;

    /// Monday 2026-11-30 09:00 in Sydney (Sunday 22:00 UTC).
    const MONDAY_9AM_SYDNEY: UnixTime = 1_795_989_600;
    const HOUR: i64 = 3_600;
    const DAY: i64 = 86_400;

    fn tracked(asked_at: UnixTime) -> TrackedPullRequest {
        let mut pr = TrackedPullRequest {
            title: "Retry <webhook> delivery".into(),
            opened_at: asked_at,
            ..open_pull_request(7)
        };
        pr.ask("hubot", asked_at);
        pr
    }

    struct Setup {
        people: People,
        persons: Vec<PersonSettings>,
        profiles: Vec<Profile>,
        channels: Vec<ChannelSettings>,
    }

    /// hubot (U1) in `zone` (no profile read yet: `None`), in channel C1
    /// reminding after a day.
    fn setup(zone: Option<&str>) -> Setup {
        setup_reminding(zone, DAY)
    }

    fn setup_reminding(zone: Option<&str>, after: i64) -> Setup {
        let mut channel = ChannelSettings::new("C1");
        channel.remind_after = Some(after);
        Setup {
            people: People::default().mapped("hubot", "U1"),
            persons: Vec::new(),
            profiles: zone
                .map(|zone| Profile {
                    user: "U1".into(),
                    tz: Some(zone.into()),
                    read_at: 0,
                })
                .into_iter()
                .collect(),
            channels: vec![channel],
        }
    }

    /// Run the timer at `now` over `pr`: the record it writes (if any) and how
    /// many reminders it sends.
    fn tick(setup: &Setup, pr: &TrackedPullRequest, now: UnixTime) -> (TrackedPullRequest, usize) {
        let due = [pr.clone()];
        let outcome = remind(
            &ReminderInput {
                due: &due,
                assignments: &[],
                people: &setup.people,
                persons: &setup.persons,
                profiles: &setup.profiles,
                channels: &setup.channels,
            },
            now,
        );
        let sent = outcome
            .outbound
            .iter()
            .filter(|o| matches!(o, Outbound::SlackDirect { user, .. } if user == "U1"))
            .count();
        let written = outcome
            .tracked()
            .first()
            .map(|t| (*t).clone())
            .unwrap_or_else(|| pr.clone());
        (written, sent)
    }

    fn remind_at(pr: &TrackedPullRequest) -> Option<UnixTime> {
        pr.reviewers[0].remind_at
    }

    #[test]
    fn inside_hours_it_goes_outside_it_waits_for_the_morning() {
        let setup = setup(Some("Australia/Sydney"));
        let mut pr = tracked(MONDAY_9AM_SYDNEY - DAY - 10 * HOUR); // Sunday 23:00
        pr.schedule_reminders(Some(DAY));
        // Monday 23:00 in Sydney: due, but at night.
        let night = MONDAY_9AM_SYDNEY + 14 * HOUR;
        let (put_off, sent) = tick(&setup, &pr, night);
        assert_eq!(sent, 0);
        assert_eq!(
            remind_at(&put_off),
            Some(MONDAY_9AM_SYDNEY + DAY),
            "Tuesday 09:00"
        );
        // Tuesday 09:00: it goes; the next no sooner than a day later.
        let (sent_once, sent) = tick(&setup, &put_off, MONDAY_9AM_SYDNEY + DAY);
        assert_eq!(sent, 1);
        assert_eq!(
            sent_once.reviewers[0].reminded_at,
            Some(MONDAY_9AM_SYDNEY + DAY)
        );
        assert_eq!(remind_at(&sent_once), Some(MONDAY_9AM_SYDNEY + 2 * DAY));
    }

    #[test]
    fn never_twice_on_one_working_day() {
        let setup = setup_reminding(Some("Australia/Sydney"), HOUR / 2);
        let mut pr = tracked(MONDAY_9AM_SYDNEY - HOUR);
        pr.schedule_reminders(Some(HOUR / 2));
        let (first, sent) = tick(&setup, &pr, MONDAY_9AM_SYDNEY);
        assert_eq!(sent, 1);
        // Half an hour later it is due again, but it is the same day.
        let later = MONDAY_9AM_SYDNEY + HOUR;
        let (put_off, sent) = tick(&setup, &first, later);
        assert_eq!(sent, 0);
        assert_eq!(remind_at(&put_off), Some(MONDAY_9AM_SYDNEY + DAY));
    }

    #[test]
    fn the_weekend_is_skipped_in_the_reviewers_zone() {
        // Friday 18:30 in Los Angeles is Saturday in Sydney: for a reviewer in
        // Los Angeles it is after hours, and Monday 09:00 there is next.
        let setup = setup(Some("America/Los_Angeles"));
        let friday_evening_la: UnixTime = 1_795_833_000; // 2026-11-27 18:30 PST
        let mut pr = tracked(friday_evening_la - DAY);
        pr.schedule_reminders(Some(DAY));
        let (put_off, sent) = tick(&setup, &pr, friday_evening_la);
        assert_eq!(sent, 0);
        let next = remind_at(&put_off).unwrap();
        let zone = crate::reviewers::lifecycle::hours::parse_zone("America/Los_Angeles").unwrap();
        assert!(WorkingHours::default().contains(next, &zone));
        assert!(
            next - friday_evening_la > DAY,
            "not before Monday: {}",
            next - friday_evening_la
        );
    }

    #[test]
    fn who_cannot_be_reminded_is_looked_at_again_later() {
        let setup = |zone: Option<&str>| setup_reminding(zone, HOUR);
        let mut pr = tracked(0);
        pr.schedule_reminders(Some(HOUR));
        let now = MONDAY_9AM_SYDNEY;
        // Unknown profile: a few minutes for users.info.
        let (waiting, sent) = tick(&setup(None), &pr, now);
        assert_eq!(
            (sent, remind_at(&waiting)),
            (0, Some(now + PROFILE_WAIT_SECS))
        );
        // Not mapped to Slack: the delay again.
        let mut unmapped = setup(Some("UTC"));
        unmapped.people = People::default();
        let (later, sent) = tick(&unmapped, &pr, now);
        assert_eq!((sent, remind_at(&later)), (0, Some(now + HOUR)));
        // Direct messages off: the delay again.
        let mut quiet = setup(Some("UTC"));
        let mut off = PersonSettings::new("U1");
        off.direct_messages = false;
        quiet.persons.push(off);
        let (later, sent) = tick(&quiet, &pr, now);
        assert_eq!((sent, remind_at(&later)), (0, Some(now + HOUR)));
        // The channel stopped reminding: no time at all.
        let mut stopped = setup(Some("UTC"));
        stopped.channels[0].remind_after = None;
        let (done, sent) = tick(&stopped, &pr, now);
        assert_eq!((sent, remind_at(&done)), (0, None));
        // Answered meanwhile: no time at all.
        let mut answered = pr.clone();
        answered.reviewers[0].requested_at = None;
        let (done, sent) = tick(&setup(Some("UTC")), &answered, now);
        assert_eq!((sent, remind_at(&done)), (0, None));
    }
}

/// The digest: what it lists, in which order, and its next time.
mod digest {
    use super::*;

    /// Monday 2026-11-30 09:30 in Paris (08:30 UTC).
    const MONDAY_0930_PARIS: UnixTime = 1_796_027_400;
    const DAY: i64 = 86_400;

    fn tracked(number: u64, channel: &str) -> TrackedPullRequest {
        TrackedPullRequest {
            channel: channel.into(),
            title: format!("Change {number}"),
            opened_at: MONDAY_0930_PARIS - 10 * DAY,
            ..open_pull_request(number)
        }
    }

    fn paris() -> ChannelSettings {
        let mut settings = ChannelSettings::new("C1");
        settings.digest = Some(DigestSchedule {
            minute: 570,
            zone: "Europe/Paris".into(),
        });
        settings.digest_at = Some(MONDAY_0930_PARIS);
        settings
    }

    #[test]
    fn the_digest_lists_open_pull_requests_by_whom_they_wait_on_oldest_first() {
        let mut review = tracked(1, "C1");
        review.ask("hubot", MONDAY_0930_PARIS - 3_600);
        let mut author = tracked(2, "C1");
        author.reviewer_entry("hubot").review = Some(Review {
            verdict: Verdict::ChangesRequested,
            at: MONDAY_0930_PARIS - 2 * DAY,
        });
        let nobody = tracked(3, "C1");
        let mut draft = tracked(4, "C1");
        draft.ask("hubot", MONDAY_0930_PARIS - 5 * DAY);
        draft.draft = true;
        let mut elsewhere = tracked(5, "C2");
        elsewhere.ask("hubot", MONDAY_0930_PARIS);
        let open = [review, author, nobody, draft, elsewhere];
        let people = People::default().mapped("hubot", "U1");
        let due = [paris()];
        let outcome = digest(
            &DigestInput {
                due: &due,
                open: &open,
                people: &people,
            },
            MONDAY_0930_PARIS,
        );
        let [Outbound::SlackPost {
            channel, blocks, ..
        }] = &outcome.outbound[..]
        else {
            panic!("{outcome:?}")
        };
        assert_eq!(channel, "C1");
        let text = blocks.as_ref().unwrap().to_string();
        assert!(text.contains("3 open pull requests"), "{text}");
        let at = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("{needle} in {text}"))
        };
        assert!(
            at("api#2") < at("api#1") && at("api#1") < at("api#3"),
            "oldest first: {text}"
        );
        assert!(
            text.contains("on its author *torvalds* (changes requested, 2d)"),
            "{text}"
        );
        assert!(text.contains("on <@U1> to review (1h)"), "{text}");
        assert!(text.contains("no reviewer asked (10d)"), "{text}");
        assert!(!text.contains("api#4") && !text.contains("api#5"), "{text}");
        // The next one: Tuesday 09:30 in Paris.
        let Change::PutChannelSettings(next) = &outcome.changes[0] else {
            panic!()
        };
        assert_eq!(next.digest_at, Some(MONDAY_0930_PARIS + DAY));
    }

    #[test]
    fn nothing_open_posts_nothing_and_a_late_digest_comes_once() {
        let due = [paris()];
        let people = People::default();
        // Down over the weekend: the Friday digest is done on Saturday, once.
        let saturday = MONDAY_0930_PARIS - 2 * DAY;
        let outcome = digest(
            &DigestInput {
                due: &due,
                open: &[],
                people: &people,
            },
            saturday,
        );
        assert!(outcome.outbound.is_empty());
        let Change::PutChannelSettings(next) = &outcome.changes[0] else {
            panic!()
        };
        assert_eq!(next.digest_at, Some(MONDAY_0930_PARIS), "next on Monday");
        // Turned off while due: no time at all.
        let mut off = paris();
        off.digest = None;
        let outcome = digest(
            &DigestInput {
                due: &[off],
                open: &[tracked(1, "C1")],
                people: &people,
            },
            MONDAY_0930_PARIS,
        );
        assert!(outcome.outbound.is_empty());
        assert!(
            matches!(&outcome.changes[0], Change::PutChannelSettings(s) if s.digest_at.is_none())
        );
    }

    #[test]
    fn a_long_digest_stays_inside_slacks_limits() {
        let open: Vec<TrackedPullRequest> = (1..=1_000)
            .map(|n| {
                let mut pr = tracked(n, "C1");
                pr.title = "x".repeat(300);
                pr.ask("hubot", MONDAY_0930_PARIS - n as i64);
                pr
            })
            .collect();
        let due = [paris()];
        let people = People::default();
        let outcome = digest(
            &DigestInput {
                due: &due,
                open: &open,
                people: &people,
            },
            MONDAY_0930_PARIS,
        );
        let Outbound::SlackPost { blocks, .. } = &outcome.outbound[0] else {
            panic!()
        };
        let blocks = blocks
            .as_ref()
            .unwrap()
            .as_json()
            .as_array()
            .unwrap()
            .clone();
        assert!(blocks.len() <= 50);
        for block in &blocks {
            let text = block["text"]["text"].as_str().unwrap_or_default();
            assert!(text.chars().count() <= 3_000);
        }
        assert!(blocks.last().unwrap().to_string().contains("more"));
    }
}

/// The App Home's view.
mod home {
    use super::*;

    fn tracked(number: u64, author: &str) -> TrackedPullRequest {
        TrackedPullRequest {
            author: author.into(),
            ..open_pull_request(number)
        }
    }

    fn view(outcome: &Outcome) -> String {
        let [Outbound::SlackHome { user, blocks }] = &outcome.outbound[..] else {
            panic!("{outcome:?}")
        };
        assert_eq!(user, "U1");
        blocks.to_string()
    }

    #[test]
    fn the_home_shows_the_queue_and_the_settings() {
        let mut asked = tracked(1, "torvalds");
        asked.ask("hubot", NOW - 3_600);
        let mut mine = tracked(2, "hubot");
        mine.ask("octocat", NOW - 60);
        let open = [asked, mine];
        let people = People::default().mapped("hubot", "U1");
        let profiles = [Profile {
            user: "U1".into(),
            tz: Some("Australia/Sydney".into()),
            read_at: NOW,
        }];
        let input = HomeInput {
            people: &people,
            open: &open,
            persons: &[],
            profiles: &profiles,
        };
        let text = view(&on_home_opened("U1", "home", &input, NOW));
        assert!(
            text.contains("Waiting on you to review") && text.contains("api#1"),
            "{text}"
        );
        assert!(text.contains("waiting 1h"), "{text}");
        assert!(
            text.contains("Your pull requests waiting on others") && text.contains("api#2"),
            "{text}"
        );
        assert!(
            text.contains("09:00–18:00, Mon–Fri, in Australia/Sydney"),
            "{text}"
        );
        assert!(text.contains("Direct messages:* on"), "{text}");
        assert!(text.contains("Change &lt;1&gt;"), "{text}");
        // The Messages tab is not the Home.
        assert!(on_home_opened("U1", "messages", &input, NOW)
            .outbound
            .is_empty());
    }

    #[test]
    fn someone_baton_cannot_map_is_told_how() {
        let people = People::default();
        let input = HomeInput {
            people: &people,
            open: &[],
            persons: &[],
            profiles: &[],
        };
        let text = view(&on_home_opened("U1", "home", &input, NOW));
        assert!(text.contains("/baton map GITHUB-LOGIN <@U1>"), "{text}");
        assert!(text.contains("UTC until then"), "{text}");
    }
}

/// The Slack profiles to read, and one read.
mod profiles {
    use super::*;

    #[test]
    fn profiles_are_read_for_people_baton_knows_never_read_first() {
        let people = People::default()
            .mapped("hubot", "U2")
            .mapped("octocat", "U1")
            .mapped("monalisa", "U3");
        let persons = [PersonSettings::new("U4"), PersonSettings::new("U1")];
        let profiles = [
            Profile {
                user: "U1".into(),
                tz: None,
                read_at: 100,
            },
            Profile {
                user: "U2".into(),
                tz: None,
                read_at: 50,
            },
        ];
        let now = 100 + PROFILE_MAX_AGE - 1;
        assert_eq!(
            profiles_to_read(&people, &persons, &profiles, now, 10),
            ["U3", "U4", "U2"]
        );
        assert_eq!(
            profiles_to_read(&people, &persons, &profiles, now, 1),
            ["U3"]
        );
        let outcome = profile_read("U3", Some(String::new()), now);
        assert!(matches!(
            &outcome.changes[..],
            [Change::PutProfile(Profile { tz: None, .. })]
        ));
    }
}
