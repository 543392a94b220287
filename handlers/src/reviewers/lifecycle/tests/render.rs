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
            title: "<!channel> & `x` <https://evil.example|click>".into(),
            ..open_pull_request(7)
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
            author: author.into(),
            ..open_pull_request(number)
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
