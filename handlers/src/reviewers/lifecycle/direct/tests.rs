//! Who is written to, and what outside text becomes in a direct message.

use super::*;

const NOW: UnixTime = 1_795_392_000;

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
