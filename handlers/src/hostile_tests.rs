//! Property tests: hostile strings through every renderer of every feature.
//!
//! Control markup (`<!channel>`, `<@U…>`, `<url|label>`), Slack entities,
//! code fences, emoji, right-to-left marks and 100 KB strings go into error
//! reports, deploy hooks, pull requests, reviews, commands and channel
//! setups; every message and reply that comes out must pass the shared
//! validator of the black-box tests (`tests/common/slack_rules.rs`,
//! included by path): no `<!`, no unescaped `<`, `>` or `&` from outside,
//! every Slack limit kept.

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::deploys::{self, DeploySnapshot, DeployUpdate, Lock};
use crate::errors::{self, CompiledSubscriptions, Policy, Snapshot};
use crate::github::{PullRequestEvent, PullRequestReviewEvent};
use crate::onboarding::{mention_reply, ChannelSetup};
use crate::reviewers::{self, CommandInput, People, Pool};
use crate::Caller;
use crate::{command, Mrkdwn, Outbound, UnixTime};

#[path = "../../tests/common/slack_rules.rs"]
mod slack_rules;

const NOW: UnixTime = 1_795_392_000;

/// Pieces an attacker or a careless user would send.
const NASTY: &[&str] = &[
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S123>",
    "<@U123>",
    "<#C123|general>",
    "<https://evil.example|click>",
    "<mailto:a@b.c>",
    "&amp;",
    "&lt;!channel&gt;",
    "&",
    "<",
    ">",
    "```",
    "``",
    "`",
    "*",
    "_~",
    "\n",
    "\u{202E}",
    "\u{200F}",
    "😀",
    "\u{FFFD}",
    "Service.<init>",
    "PaymentError<T>",
    "==> ",
    "|",
];

/// A hostile string: nasty pieces and ordinary text, sometimes huge.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(NASTY).prop_map(str::to_string),
        1 => "[a-zA-Z0-9 .:/-]{0,12}",
        1 => any::<String>().prop_map(|s| s.chars().take(8).collect()),
    ];
    let short = proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat());
    prop_oneof![
        8 => short,
        1 => (proptest::sample::select(NASTY), 1_000usize..30_000)
            .prop_map(|(p, n)| p.repeat(n).chars().take(100_000).collect()),
    ]
}

/// A word without spaces (names that commands take as one argument).
fn hostile_word() -> impl Strategy<Value = String> {
    hostile().prop_map(|s| {
        let w: String = s.split_whitespace().collect::<Vec<_>>().join("_");
        if w.is_empty() {
            "x".into()
        } else {
            w.chars().take(300).collect()
        }
    })
}

fn check_outbound(out: &Outbound) -> Result<(), TestCaseError> {
    let body = match out {
        Outbound::SlackPost { text, blocks, .. }
        | Outbound::SlackUpdate { text, blocks, .. }
        | Outbound::SlackDirect { text, blocks, .. } => {
            json!({"text": text, "blocks": blocks.as_deref().cloned().unwrap_or(Value::Null)})
        }
        Outbound::SlackHome { blocks, .. } => {
            return slack_rules::check_view(&json!({"type": "home", "blocks": blocks.as_json()}))
                .map_err(TestCaseError::fail)
        }
        Outbound::GithubRequestReviewers { .. }
        | Outbound::GithubRemoveReviewers { .. }
        | Outbound::GithubDeploymentReview { .. } => return Ok(()),
    };
    slack_rules::check_message(&body).map_err(TestCaseError::fail)
}

fn check_reply(reply: &Mrkdwn) -> Result<(), TestCaseError> {
    if reply.is_empty() {
        return Ok(());
    }
    slack_rules::check_text(reply).map_err(TestCaseError::fail)
}

fn error_report(
    service: &str,
    environment: &str,
    message: &str,
    kind: &str,
    stack: &str,
    url: &str,
) -> errors::ErrorReport {
    let body = json!({
        "service": service,
        "environment": environment,
        "level": "error",
        "message": message,
        "exception": {"type": kind, "value": message},
        "stacktrace": stack,
        "url": url,
    });
    let mut report = match errors::parse_report(&serde_json::to_vec(&body).unwrap()) {
        Ok(r) => r,
        // Names the parser refuses (empty, too long) are not what is tested here.
        Err(_) => errors::ErrorReport::new("svc", "prod", errors::Level::Error, message),
    };
    report.service = service.to_string();
    report.environment = environment.to_string();
    report
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn error_messages_are_safe(
        service in hostile(), environment in hostile(), message in hostile(),
        kind in hostile(), stack in hostile(), url in hostile(), pattern in hostile_word(),
    ) {
        let policy = Policy { window_secs: 60, channel_cap_per_minute: 1, mute_button_secs: 3600 };
        let mut subscriptions = Vec::new();
        for (i, text) in ["errors subscribe level=debug", "errors subscribe level=debug digest=1h"]
            .into_iter()
            .enumerate()
        {
            let Ok(command::Command::Errors(cmd)) = command::parse(text) else { panic!("{text}") };
            let channel = format!("C{i}");
            let by = Caller::new("U1", &channel);
            let snapshot = Snapshot { subscriptions: &subscriptions, groups: &[], rates: &[], mutes: &[], resolved: &[], seen: &[] };
            let out = errors::execute(&cmd, &by, &snapshot, NOW);
            for o in &out.outbound { check_outbound(o)?; }
            for record in out.puts() {
                if let errors::Record::Subscription(s) = record { subscriptions.push(s.clone()); }
            }
        }
        // A subscription with a hostile regex is echoed safely, or refused safely.
        match command::parse(&format!("errors subscribe match={pattern}")) {
            Ok(command::Command::Errors(cmd)) => {
                let by = Caller::new("U1", "C9");
                let snapshot = Snapshot { subscriptions: &subscriptions, groups: &[], rates: &[], mutes: &[], resolved: &[], seen: &[] };
                let out = errors::execute(&cmd, &by, &snapshot, NOW);
                check_reply(out.reply.as_ref().unwrap())?;
                for o in &out.outbound { check_outbound(o)?; }
                let list = errors::execute(&errors::Command::List, &by, &snapshot, NOW);
                check_reply(list.reply.as_ref().unwrap())?;
            }
            Ok(other) => panic!("{other:?}"),
            Err(usage) => check_reply(&usage.to_text())?,
        }

        let compiled = CompiledSubscriptions::new(&subscriptions);
        let first = error_report(&service, &environment, &message, &kind, &stack, &url);
        let second = error_report(&service, &environment, &format!("{message} again"), &kind, &stack, &url);
        let mut groups = Vec::new();
        let mut rates = Vec::new();
        for (i, report) in [&first, &first, &second].into_iter().enumerate() {
            let route = compiled.route(report);
            let snapshot = Snapshot { subscriptions: &subscriptions, groups: &groups, rates: &rates, mutes: &[], resolved: &[], seen: &[] };
            let out = errors::on_report(report, &route, &snapshot, &policy, NOW + i as i64);
            for o in &out.outbound { check_outbound(o)?; }
            for record in out.puts() {
                match record {
                    errors::Record::Group(g) => { groups.retain(|x: &errors::Group| x.key() != g.key()); groups.push((**g).clone()); }
                    errors::Record::Rate(r) => { rates.retain(|x: &errors::ChannelRate| x.key() != r.key()); rates.push(r.clone()); }
                    _ => {}
                }
            }
        }
        // Closing the windows: count updates, digests, held summaries.
        let snapshot = Snapshot { subscriptions: &subscriptions, groups: &groups, rates: &rates, mutes: &[], resolved: &[], seen: &[] };
        let out = errors::tick(&snapshot, &policy, NOW + 7_200);
        prop_assert!(!out.outbound.is_empty());
        for o in &out.outbound { check_outbound(o)?; }
    }

    #[test]
    fn deploy_messages_are_safe(
        service in hostile(), environment in hostile(), version in hostile(),
        url in hostile(), actor in hostile(), log in hostile(), reason in hostile(),
    ) {
        let hook = |status: &str| json!({
            "service": service, "environment": environment, "version": version,
            "status": status, "url": url, "actor": actor, "deploy_id": "7", "log_tail": log,
        });
        let lock = Lock {
            environment: environment.clone(), by: "U1".into(), reason: Some(reason.clone()),
            since: NOW, expires_at: NOW + 3600, channel: "C1".into(),
        };
        let channels = vec!["C1".to_string()];
        let mut record = None;
        for status in ["started", "failed"] {
            let Ok(parsed) = deploys::parse_hook(&serde_json::to_vec(&hook(status)).unwrap()) else {
                return Ok(());
            };
            let update = DeployUpdate::from_hook(&parsed);
            let out = deploys::on_update(record.as_ref(), &update, &channels, Some(&lock), NOW);
            for o in &out.outbound { check_outbound(o)?; }
            if let Some(r) = out.record().cloned() { record = Some(r); }
        }
        // Locks and their announcements quote the reason and environment.
        let ctx = Caller::new("U2", "C1");
        let snapshot = DeploySnapshot { watches: &[], locks: std::slice::from_ref(&lock), ..DeploySnapshot::default() };
        for text in ["locks".to_string(), format!("unlock {}", environment.split_whitespace().next().unwrap_or("x")),
                     format!("lock qa for 1h {reason}")] {
            match command::parse(&text) {
                Ok(command::Command::Deploys(cmd)) => {
                    let out = deploys::execute(&cmd, &ctx, &deploys::Policy::default(), snapshot, NOW);
                    check_reply(out.reply.as_ref().expect("a command always answers"))?;
                    for o in &out.outbound { check_outbound(o)?; }
                }
                Ok(_) => {}
                Err(usage) => check_reply(&usage.to_text())?,
            }
        }
    }

    #[test]
    fn reviewer_messages_are_safe(
        title in hostile(), author in hostile_word(), login in hostile_word(),
        url in hostile(), words in hostile(),
    ) {
        let mut people = People::default();
        people.slack_users.insert("hubot".into(), "U0HUBOT".into());
        let mut pool = Pool::new("C1");
        pool.repos.push("octo/api".into());
        pool.add_member("hubot", &people, NOW);
        pool.add_member(&login, &people, NOW);
        let pr = PullRequestEvent {
            action: "opened".into(), repo: "octo/api".into(), number: 7, title: title.clone(),
            html_url: url.clone(), author: author.clone(), author_is_bot: false, body: String::new(), draft: false, merged: false,
            additions: 1, deletions: 2, changed_files: 3, requested_reviewers: vec![], assignees: vec![], installation: None, requested_reviewer: None,
        };
        let out = reviewers::on_pull_request(&pool, None, &pr, &people, NOW);
        for o in &out.outbound { check_outbound(o)?; }
        if let Some(assignment) = &out.assignment().cloned() {
            let review = PullRequestReviewEvent {
                action: "submitted".into(), review_id: None, repo: "octo/api".into(), number: 7,
                reviewer: assignment.reviewers[0].login.clone(), state: "approved".into(),
                html_url: Some(url.clone()), submitted_at: None,
            };
            let reviewed = reviewers::on_pull_request_review(&pool, assignment, &review, &people, NOW + 60);
            for o in &reviewed.outbound { check_outbound(o)?; }
            let pressed = reviewers::on_button(&pool, assignment, reviewers::ReviewerButton::Reassign, &Caller::new("U9", "C1"), &people, NOW + 90);
            for o in &pressed.outbound { check_outbound(o)?; }
            if let Some(reply) = &pressed.reply { check_reply(reply)?; }
        }
        // Every reviewers command, fed the hostile words.
        let pools = [pool.clone()];
        for text in ["reviewers list".to_string(), format!("reviewers watch {words}"),
                     format!("reviewers add {login}"), format!("away {words}"),
                     format!("reviewers remove {login}"), "reviewers stats".to_string(), words.clone()] {
            let caller = Caller::new("U1", "C1");
            let input = CommandInput {
                caller: &caller, now: NOW, pools: &pools, people: &people,
                pull_request: None, existing_assignment: None, history: &[],
                reviews: Default::default(),
            };
            match command::parse(&text) {
                Ok(command::Command::Reviewers(cmd)) => {
                    let out = reviewers::execute(&cmd, &input);
                    check_reply(out.reply.as_ref().expect("a command always answers"))?;
                    for o in &out.outbound { check_outbound(o)?; }
                }
                Ok(_) => {}
                Err(usage) => check_reply(&usage.to_text())?,
            }
        }
    }

    #[test]
    fn onboarding_and_help_are_safe(repo in hostile(), watch in hostile(), subscription in hostile()) {
        let setup = ChannelSetup {
            reviewer_repos: vec![repo],
            reviewers: 2,
            deploy_watches: vec![watch],
            error_subscriptions: vec![subscription],
        };
        check_outbound(&mention_reply("C1", &setup))?;
        check_outbound(&mention_reply("C1", &ChannelSetup::default()))?;
    }
}

#[test]
fn help_and_introduction_are_safe() {
    check_outbound(&crate::onboarding::introduction("C1")).unwrap();
    check_reply(&command::help_text(None)).unwrap();
    for topic in command::Topic::ALL {
        check_reply(&command::help_text(Some(topic))).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The review lifecycle's direct messages, reminders, digest, App Home
    /// and commands, over a pull request whose title, URL, author and
    /// reviewer are hostile.
    #[test]
    fn review_lifecycle_messages_are_safe(
        title in hostile(), author in hostile_word(), login in hostile_word(),
        url in hostile(), words in hostile(),
    ) {
        use crate::reviewers::lifecycle::{self, ChannelSettings, DigestSchedule, TrackedPullRequest};
        let people = People::default().mapped(&login, "U0REVIEW").mapped(&author, "U0AUTHOR");
        let mut pool = Pool::new("C1");
        pool.repos.push("octo/api".into());
        pool.add_member(&login, &people, NOW);
        let pr = PullRequestEvent {
            action: "opened".into(), repo: "octo/api".into(), number: 7, title: title.clone(),
            html_url: url.clone(), author: author.clone(), author_is_bot: false, body: String::new(), draft: false, merged: false,
            additions: 1, deletions: 2, changed_files: 3, requested_reviewers: vec![login.clone()],
            assignees: vec![], installation: None, requested_reviewer: None,
        };
        let mut channel = ChannelSettings::new("C1");
        channel.remind_after = Some(60);
        channel.digest = Some(DigestSchedule { minute: 0, zone: "UTC".into() });
        let input = lifecycle::EventInput {
            pool: Some(&pool), assignment: None, tracked: None, people: &people,
            persons: &[], channel: &channel,
        };
        let opened = lifecycle::decide::on_pull_request(&input, &pr, NOW);
        for o in &opened.outbound { check_outbound(o)?; }
        let tracked: Vec<TrackedPullRequest> = opened.tracked().into_iter().cloned().collect();
        let Some(record) = tracked.first() else { return Ok(()) };
        for state in ["changes_requested", "approved"] {
            let review = PullRequestReviewEvent {
                action: "submitted".into(), review_id: None, repo: "octo/api".into(), number: 7,
                reviewer: login.clone(), state: state.into(), html_url: Some(url.clone()), submitted_at: None,
            };
            let input = lifecycle::EventInput { tracked: Some(record), ..input };
            for o in &lifecycle::decide::on_review(&input, &review, NOW + 60).outbound { check_outbound(o)?; }
        }
        let profiles = [lifecycle::Profile { user: "U0REVIEW".into(), tz: Some("UTC".into()), read_at: NOW }];
        let reminded = lifecycle::decide::remind(&lifecycle::ReminderInput {
            due: &tracked, assignments: &[], people: &people, persons: &[], profiles: &profiles,
            channels: std::slice::from_ref(&channel),
        }, NOW + 86_400 * 3 + 10 * 3_600);
        for o in &reminded.outbound { check_outbound(o)?; }
        let digest = lifecycle::decide::digest(&lifecycle::DigestInput {
            due: std::slice::from_ref(&channel), open: &tracked, people: &people,
        }, NOW + 86_400);
        for o in &digest.outbound { check_outbound(o)?; }
        for user in ["U0REVIEW", "U0AUTHOR", "U0NOBODY"] {
            let home = lifecycle::decide::on_home_opened(user, "home", &lifecycle::HomeInput {
                people: &people, open: &tracked, persons: &[], profiles: &profiles,
            }, NOW + 600);
            for o in &home.outbound { check_outbound(o)?; }
        }
        let pools = [pool.clone()];
        let reviews = lifecycle::ReviewsInput { open: &tracked, persons: &[], profiles: &profiles, channels: &[] };
        for (caller, text) in [("U0REVIEW", "reviews".to_string()), ("U0AUTHOR", "reviews".to_string()),
                               ("U1", format!("reviews {words}")), ("U1", format!("hours {words}")),
                               ("U1", format!("dm {words}")), ("U1", format!("reviewers remind {words}")),
                               ("U1", format!("reviewers digest {words}")), ("U1", "reviewers digest 09:00 UTC".into())] {
            let caller = Caller::new(caller, "C1");
            let input = CommandInput {
                caller: &caller, now: NOW, pools: &pools, people: &people,
                pull_request: None, existing_assignment: None, history: &[], reviews,
            };
            match command::parse(&text) {
                Ok(command::Command::Reviewers(cmd)) => {
                    let out = reviewers::execute(&cmd, &input);
                    check_reply(out.reply.as_ref().expect("a command always answers"))?;
                    for o in &out.outbound { check_outbound(o)?; }
                }
                Ok(_) => {}
                Err(usage) => check_reply(&usage.to_text())?,
            }
        }
    }
}
