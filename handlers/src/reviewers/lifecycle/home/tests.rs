//! The App Home's view.

use super::*;

const NOW: UnixTime = 1_795_392_000;

fn tracked(number: u64, author: &str) -> TrackedPullRequest {
    TrackedPullRequest {
        repo: "octo-org/api".into(),
        number,
        channel: "C1".into(),
        title: format!("Change <{number}>"),
        url: format!("https://github.com/octo-org/api/pull/{number}"),
        author: author.into(),
        additions: 1,
        deletions: 1,
        changed_files: 1,
        opened_at: NOW,
        draft: false,
        closed: None,
        resumed_at: None,
        reviewers: Vec::new(),
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
