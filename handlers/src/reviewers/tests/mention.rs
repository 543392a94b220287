//! Tests of `reviewers/mention.rs`.

use crate::reviewers::codeowners::Team;
use crate::reviewers::mention::*;

fn user(login: &str) -> Option<ReviewTarget> {
    Some(ReviewTarget::User(login.into()))
}

#[test]
fn a_line_names_a_login_or_a_team() {
    assert_eq!(review_request("r? @octocat"), user("octocat"));
    assert_eq!(
        review_request("Fixes #12.\n\nr? @MonaLisa\n"),
        user("MonaLisa")
    );
    assert_eq!(review_request("  R? @hubot please"), user("hubot"));
    assert_eq!(review_request("r? @hubot."), user("hubot"));
    assert_eq!(
        review_request("r? @Octo-Org/Web"),
        Some(ReviewTarget::Team(Team {
            org: "octo-org".into(),
            slug: "web".into()
        }))
    );
    // The first line that asks wins.
    assert_eq!(review_request("r? @first\nr? @second"), user("first"));
}

#[test]
fn anything_else_asks_nothing() {
    for text in [
        "",
        "r?",
        "r? octocat",
        "r?@octocat",
        "please r? @octocat",
        "rr? @octocat",
        "r? @",
        "r? @-bad-",
        "r? @org/",
        "r? @@octocat",
    ] {
        assert_eq!(review_request(text), None, "{text:?}");
    }
}

#[test]
fn code_quotes_and_comments_ask_nothing() {
    for text in [
        "```\nr? @octocat\n```",
        "~~~md\nr? @octocat\n~~~",
        "`r? @octocat`",
        "> r? @octocat",
        "    r? @octocat",
        "\tr? @octocat",
        "<!-- r? @octocat -->",
        "<!--\nPick a reviewer:\nr? @octocat\n-->",
    ] {
        assert_eq!(review_request(text), None, "{text:?}");
    }
    // After the block ends, a line counts again.
    assert_eq!(
        review_request("```\nr? @inside\n```\nr? @outside"),
        user("outside")
    );
    assert_eq!(
        review_request("<!-- template -->\nr? @after"),
        user("after")
    );
    assert_eq!(
        review_request("<!-- x --> r? @same-line"),
        user("same-line")
    );
}

#[test]
fn bots_by_type_or_by_login() {
    assert!(is_bot("dependabot[bot]", None));
    assert!(is_bot("Renovate[Bot]", Some("User")));
    assert!(is_bot("ci-helper", Some("Bot")));
    assert!(!is_bot("octocat", Some("User")));
    assert!(!is_bot("robot", None));
}
