//! Tests of `reviewers/lifecycle/render.rs`: what outside text becomes in
//! a direct message, and long lists cut to fit.

use super::*;
use crate::outbound::Outbound;
use crate::reviewers::lifecycle::decide::for_happenings;
use crate::reviewers::lifecycle::record::{Queue, TrackedPullRequest};
use crate::reviewers::lifecycle::render::*;
use crate::reviewers::lifecycle::track::Happened;
use crate::reviewers::pool::People;

/// A direct message's text.
mod direct_messages {
    use super::*;

    fn tracked() -> TrackedPullRequest {
        let mut pr = TrackedPullRequest {
            repo: "octo-org/api".into(),
            number: 7,
            channel: "C1".into(),
            title: "<!channel> & `x` <https://evil.example|click>".into(),
            url: "https://github.com/octo-org/api/pull/7".into(),
            author: "torvalds".into(),
            additions: 1,
            deletions: 1,
            changed_files: 1,
            opened_at: NOW,
            draft: false,
            closed: None,
            resumed_at: None,
            reviewers: Vec::new(),
        };
        pr.ask("hubot", NOW);
        pr
    }

    #[test]
    fn outside_text_cannot_ping_or_link_in_a_direct_message() {
        let people = People::default()
            .mapped("hubot", "U1")
            .mapped("torvalds", "U2");
        let asked = [Happened::Asked {
            login: "hubot".into(),
        }];
        let out = for_happenings(&asked, &tracked(), None, &people, &[]);
        let [Outbound::SlackDirect { user, text, blocks }] = &out[..] else {
            panic!("{out:?}")
        };
        assert_eq!(user, "U1");
        let all = format!("{text}{}", blocks.as_ref().unwrap());
        assert!(
            !all.contains("<!channel>") && !all.contains("<https://evil"),
            "{all}"
        );
        assert!(all.contains("&lt;!channel&gt;"), "{all}");
    }
}

/// One person's queue, as text.
mod queue {
    use super::*;

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

    #[test]
    fn long_lists_are_cut_and_counted() {
        let open: Vec<TrackedPullRequest> = (1..=40)
            .map(|n| {
                let mut pr = tracked(n, "torvalds");
                pr.ask("hubot", NOW - n as i64);
                pr
            })
            .collect();
        let queue = Queue::of("hubot", &open);
        let lines = to_review_lines(&queue, &People::default(), NOW);
        assert_eq!(lines.len(), MAX_LINES + 1);
        assert!(lines.last().unwrap().contains("15 more"));
    }
}
