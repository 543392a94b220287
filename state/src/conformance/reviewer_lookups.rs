//! Conformance scenario of the tables of picks waiting for a lookup:
//! pending picks survive a reopen and go once done, CODEOWNERS copies are
//! kept and forgotten, a refusal is remembered; a transaction counts the
//! picks it stored.

use baton_handlers::github::PullRequestEvent;
use baton_handlers::reviewers::codeowners::Team;
use baton_handlers::reviewers::lookup::{AskedInComment, CodeownersCopy, PendingPick};
use baton_handlers::reviewers::{Change, Outcome, WaitingPullRequest};

use super::{Opener, NOW};

fn pick(number: u64, comment: Option<u64>) -> PendingPick {
    let pr = PullRequestEvent {
        action: "opened".into(),
        repo: "Octo-Org/api".into(),
        number,
        title: format!("Pull request {number}"),
        html_url: format!("https://github.com/Octo-Org/api/pull/{number}"),
        author: "monalisa".into(),
        author_is_bot: false,
        body: String::new(),
        draft: false,
        merged: false,
        additions: 1,
        deletions: 1,
        changed_files: 1,
        requested_reviewers: vec![],
        assignees: vec![],
        installation: Some(7),
        requested_reviewer: None,
    };
    PendingPick {
        pr: WaitingPullRequest::from(&pr),
        channel: "C1".into(),
        owners: comment.is_none(),
        team: comment.and_then(|_| Team::parse("octo-org/web")),
        comment: comment.map(|comment_id| AskedInComment {
            comment_id,
            by: "hubot".into(),
        }),
        queued_at: NOW,
    }
}

pub fn pending_picks_codeowners_copies_and_refusals_are_kept(open: Opener<'_>) {
    let store = open("lookups");
    let picks = [pick(12, None), pick(12, Some(5)), pick(3, None)];
    let changes: Vec<Change> = picks.iter().cloned().map(Change::PutPendingPick).collect();
    // The transaction counts the picks it stored (what wakes the lookup task).
    let stored = store
        .write(|tx| {
            tx.store_outcome(
                Outcome {
                    changes: changes.clone(),
                    ..Outcome::none()
                },
                NOW,
            )?;
            Ok(tx.pending_picks_put())
        })
        .unwrap();
    assert_eq!(stored, 3);
    let copy = CodeownersCopy {
        repo: "octo-org/api".into(),
        path: Some(".github/CODEOWNERS".into()),
        text: Some("* @octocat\n".into()),
        fetched_at: NOW,
    };
    let stored = store
        .write(|tx| {
            tx.put_codeowners_copy(&copy)?;
            Ok(tx.pending_picks_put())
        })
        .unwrap();
    assert_eq!(stored, 0, "a write that stores no pick counts none");
    drop(store);

    let store = open("lookups");
    let keys: Vec<String> = store
        .read(|tx| tx.pending_picks(10))
        .unwrap()
        .iter()
        .map(PendingPick::key)
        .collect();
    assert_eq!(
        keys,
        [
            "pr:octo-org/api#12/comment-5",
            "pr:octo-org/api#12/opened",
            "pr:octo-org/api#3/opened"
        ]
    );
    assert_eq!(store.read(|tx| tx.pending_picks(1)).unwrap().len(), 1);
    assert_eq!(
        store.read(|tx| tx.pending_pick(&picks[1].key())).unwrap(),
        Some(picks[1].clone())
    );
    assert_eq!(
        store.read(|tx| tx.codeowners_copy("Octo-Org/API")).unwrap(),
        Some(copy)
    );

    // Done: the pick goes, once; a refusal is remembered.
    let done = Outcome::none()
        .with(Change::RemovePendingPick {
            key: picks[0].key(),
        })
        .with(Change::PutRefusedRequest {
            key: "pr:octo-org/api#12/torvalds".into(),
            at: NOW,
        });
    store
        .write(|tx| tx.store_outcome(done.clone(), NOW).map(drop))
        .unwrap();
    store
        .write(|tx| tx.store_outcome(done.clone(), NOW).map(drop))
        .unwrap();
    assert_eq!(
        store.read(|tx| tx.pending_pick(&picks[0].key())).unwrap(),
        None
    );
    assert_eq!(store.read(|tx| tx.pending_picks(10)).unwrap().len(), 2);
    assert!(store
        .read(|tx| tx.refused_before("pr:octo-org/api#12/torvalds"))
        .unwrap());
    assert!(!store
        .read(|tx| tx.refused_before("pr:octo-org/api#12/hubot"))
        .unwrap());

    // A push forgets the copy.
    assert!(store
        .write(|tx| tx.remove_codeowners_copy("octo-org/api"))
        .unwrap());
    assert!(!store
        .write(|tx| tx.remove_codeowners_copy("octo-org/api"))
        .unwrap());
    assert_eq!(
        store.read(|tx| tx.codeowners_copy("octo-org/api")).unwrap(),
        None
    );
}
