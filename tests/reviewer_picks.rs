//! Picking reviewers the way teams do, black-box: bots' pull requests left
//! alone, code owners first (CODEOWNERS and the changed files fetched from
//! a fake GitHub that answers as GitHub does, teams expanded, only rotation
//! members picked), `r? @login` in a description and in comments, and the
//! lookup's limits: a file that cannot be read, a GitHub too slow, a
//! restart in the middle; and the cap on open reviews, counted from the
//! review records (a merge, a review given or a draft frees a reviewer).

use std::time::Duration;

use crate::common;

use common::fake_github_repo as repo_fake;
use common::review_pool::{pull_request, ADMIN, CHANNEL, REPO};
use common::{corpus, fake_slack, Baton};
use serde_json::{json, Value};
use wiremock::MockServer;

const CODEOWNERS: &str = "\
# Owners of Hello-World
*.md @torvalds
/src/billing/ @defunkt
/web/ @octo-org/web
/web/vendor/
";

/// Baton with fake Slack and GitHub, a rotation of hubot, monalisa and
/// defunkt watching [`REPO`], and `extra` settings.
async fn start(extra: &[(&str, &str)]) -> (Baton, MockServer, MockServer) {
    let slack = fake_slack::ok().await;
    let github = common::fake_github::ok().await;
    let slack_api = format!("{}/api", slack.uri());
    let github_api = github.uri();
    let mut env = vec![
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_API_URL", slack_api.as_str()),
        ("GITHUB_TOKEN", "ghp-test"),
        ("GITHUB_API_URL", github_api.as_str()),
    ];
    env.extend_from_slice(extra);
    let baton = Baton::start(&env).await;
    common::review_pool::set_up(&baton).await;
    (baton, slack, github)
}

/// `/baton <text>` by the admin in the rotation's channel; must be done.
async fn admin(baton: &Baton, text: &str) {
    let reply = baton.command(CHANNEL, ADMIN, text).await;
    assert!(reply.starts_with("Done."), "`{text}`: {reply}");
}

/// The corpus `opened` payload for `number` by `author`, with `body` as
/// its description; a bot's when `bot`.
fn opened(number: u64, author: &str, body: &str, bot: bool) -> Vec<u8> {
    let mut payload: Value =
        serde_json::from_slice(&pull_request("opened", number, author)).unwrap();
    payload["pull_request"]["body"] = json!(body);
    if bot {
        payload["pull_request"]["user"]["type"] = json!("Bot");
    }
    serde_json::to_vec(&payload).unwrap()
}

/// Deliver `body` as `pull_request` under delivery `delivery`; wait until
/// every pick is made and sent.
async fn deliver(baton: &Baton, delivery: &str, body: &[u8]) {
    let status = baton.github("pull_request", delivery, body).await.status();
    assert!(status.is_success(), "{delivery}: {status}");
    baton.drained().await;
}

/// The corpus comment (an issue's), made one by `commenter` on pull request
/// `number` (by torvalds), with its own comment id.
fn comment(number: u64, commenter: &str, comment_id: u64, body: &str) -> Vec<u8> {
    let mut payload: Value =
        serde_json::from_slice(&corpus("github/issue_comment/created.payload.json")).unwrap();
    payload["repository"]["full_name"] = json!(REPO);
    payload["issue"]["number"] = json!(number);
    payload["issue"]["user"]["login"] = json!("torvalds");
    payload["issue"]["html_url"] = json!(format!("https://github.com/{REPO}/pull/{number}"));
    payload["issue"]["pull_request"] =
        json!({"url": format!("https://api.github.com/repos/{REPO}/pulls/{number}")});
    payload["comment"]["id"] = json!(comment_id);
    payload["comment"]["user"]["login"] = json!(commenter);
    payload["comment"]["body"] = json!(body);
    serde_json::to_vec(&payload).unwrap()
}

async fn say(baton: &Baton, delivery: &str, body: &[u8]) {
    let status = baton.github("issue_comment", delivery, body).await.status();
    assert!(status.is_success(), "{delivery}: {status}");
    baton.drained().await;
}

/// The logins each review request asked, in order.
async fn requested(github: &MockServer) -> Vec<Vec<String>> {
    github
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/requested_reviewers"))
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap_or_default();
            body["reviewers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .collect()
}

fn logins(picks: &[&str]) -> Vec<Vec<String>> {
    picks.iter().map(|l| vec![l.to_string()]).collect()
}

/// Posts to Slack channels (not direct messages) whose text contains
/// `needle`.
async fn posts_saying(slack: &MockServer, needle: &str) -> Vec<Value> {
    fake_slack::calls(slack, "chat.postMessage")
        .await
        .into_iter()
        .filter(|p| !p["channel"].as_str().unwrap_or_default().starts_with('D'))
        .filter(|p| p["text"].as_str().unwrap_or_default().contains(needle))
        .collect()
}

/// Serve the CODEOWNERS above, the team `octo-org/web` (monalisa, who is
/// in the rotation, and someone who is not) and each pull request's files.
async fn serve_repository(github: &MockServer, changes: &[(u64, Vec<String>)]) {
    repo_fake::codeowners(github, REPO, ".github/CODEOWNERS", CODEOWNERS).await;
    repo_fake::team(github, "octo-org", "web", &["MonaLisa", "web-contractor"]).await;
    for (number, files) in changes {
        repo_fake::changed_files(github, REPO, *number, files).await;
    }
}

fn files(paths: &[&str]) -> Vec<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

#[tokio::test]
async fn a_bots_pull_request_gets_no_reviewer_unless_the_channel_says_so() {
    let (baton, slack, github) = start(&[]).await;
    deliver(
        &baton,
        "bot-1",
        &opened(1, "dependabot[bot]", "Bumps serde.", true),
    )
    .await;
    // A login ending in [bot] is a bot even without GitHub saying so.
    deliver(
        &baton,
        "bot-2",
        &opened(2, "renovate[bot]", "Update rust.", false),
    )
    .await;
    assert!(requested(&github).await.is_empty());
    for number in [1, 2] {
        let said = posts_saying(&slack, &format!("hello-world#{number}")).await;
        assert!(said.is_empty(), "nothing is said of #{number}: {said:?}");
    }

    admin(&baton, "reviewers bots on").await;
    deliver(
        &baton,
        "bot-3",
        &opened(3, "dependabot[bot]", "Bumps tokio.", true),
    )
    .await;
    assert_eq!(requested(&github).await, logins(&["hubot"]));
    assert_eq!(posts_saying(&slack, "hello-world#3").await.len(), 1);
    // The first one is still there for `/baton assign`.
    let reply = baton
        .command(CHANNEL, ADMIN, &format!("assign {REPO}#1"))
        .await;
    assert!(reply.starts_with("Done."), "{reply}");
    baton.drained().await;
    assert_eq!(requested(&github).await, logins(&["hubot", "monalisa"]));
}

#[tokio::test]
async fn code_owners_are_picked_first_and_only_from_the_rotation() {
    let (baton, slack, github) = start(&[]).await;
    // 150 files: the one defunkt owns is on the second page.
    let mut many: Vec<String> = (0..149).map(|i| format!("src/file{i:03}.rs")).collect();
    many.push("src/billing/charge.rs".into());
    serve_repository(
        &github,
        &[
            (1, many),
            (2, files(&["web/index.html", "src/main.rs"])),
            (3, files(&["README.md"])),
            (4, files(&["web/vendor/lib.js"])),
        ],
    )
    .await;
    admin(&baton, "reviewers owners on").await;

    // hubot's turn, but defunkt owns a changed path.
    deliver(&baton, "own-1", &opened(1, "torvalds", "", false)).await;
    // Through the team: monalisa (the team's other member is not in the rotation).
    deliver(&baton, "own-2", &opened(2, "torvalds", "", false)).await;
    // Owned only by someone outside the rotation: the usual pick, hubot.
    deliver(&baton, "own-3", &opened(3, "torvalds", "", false)).await;
    // Unowned by a line without owners: the usual pick goes on.
    deliver(&baton, "own-4", &opened(4, "torvalds", "", false)).await;
    assert_eq!(
        requested(&github).await,
        logins(&["defunkt", "monalisa", "hubot", "monalisa"])
    );
    // Both pages of #1's files were read; CODEOWNERS was fetched once and
    // its stored copy used for the rest.
    let pages = repo_fake::gets(&github, "/repositories/").await;
    assert_eq!(pages.len(), 1, "{pages:?}");
    let contents = repo_fake::gets(&github, &format!("/repos/{REPO}/contents/")).await;
    assert_eq!(
        contents,
        [format!("/repos/{REPO}/contents/.github/CODEOWNERS")]
    );
    // Each pull request was announced once in the channel, and each
    // reviewer told once in a direct message, as for any pick.
    let (direct, announced): (Vec<Value>, Vec<Value>) =
        fake_slack::calls(&slack, "chat.postMessage")
            .await
            .into_iter()
            .filter(|p| p["blocks"].to_string().contains("reviewers_pass"))
            .partition(|p| p["channel"].as_str().unwrap_or_default().starts_with('D'));
    assert_eq!((announced.len(), direct.len()), (4, 4));
    // `reviewers list` shows the settings.
    let list = baton.command(CHANNEL, ADMIN, "reviewers list").await;
    assert!(list.contains("code owners first on"), "{list}");
}

#[tokio::test]
async fn a_missing_codeowners_file_means_the_usual_pick() {
    let (baton, _slack, github) = start(&[]).await;
    repo_fake::no_codeowners(&github, REPO).await;
    admin(&baton, "reviewers owners on").await;
    deliver(&baton, "none-1", &opened(1, "torvalds", "", false)).await;
    deliver(&baton, "none-2", &opened(2, "torvalds", "", false)).await;
    assert_eq!(requested(&github).await, logins(&["hubot", "monalisa"]));
    // All three places were looked at; no files were asked for.
    let contents = repo_fake::gets(&github, &format!("/repos/{REPO}/contents/")).await;
    assert_eq!(contents.len(), 3, "{contents:?}");
    assert!(repo_fake::gets(&github, &format!("/repos/{REPO}/pulls/"))
        .await
        .is_empty());
}

#[tokio::test]
async fn a_malformed_line_is_skipped_and_reported_once() {
    let (baton, _slack, github) = start(&[]).await;
    let text = "[Bb]illing/ @hubot\n/src/billing/ @defunkt\n";
    repo_fake::codeowners(&github, REPO, "CODEOWNERS", text).await;
    repo_fake::changed_files(&github, REPO, 1, &files(&["src/billing/a.rs"])).await;
    repo_fake::changed_files(&github, REPO, 2, &files(&["src/billing/b.rs"])).await;
    admin(&baton, "reviewers owners on").await;
    deliver(&baton, "bad-1", &opened(1, "torvalds", "", false)).await;
    deliver(&baton, "bad-2", &opened(2, "torvalds", "", false)).await;
    // The good line still owns: defunkt both times (the cap is off).
    assert_eq!(requested(&github).await, logins(&["defunkt", "defunkt"]));
    let log = baton.stderr();
    assert_eq!(log.matches("CODEOWNERS line skipped").count(), 1, "{log}");
    assert!(log.contains("line 1"), "{log}");
}

#[tokio::test]
async fn codeowners_is_fetched_again_after_ten_minutes_or_a_push_to_the_default_branch() {
    let clock = common::TestClock::at(1_795_392_000);
    let (name, value) = clock.setting();
    let (baton, _slack, github) = start(&[(name, value.as_str())]).await;
    serve_repository(&github, &[]).await;
    for number in 1..=5 {
        repo_fake::changed_files(&github, REPO, number, &files(&["src/main.rs"])).await;
    }
    admin(&baton, "reviewers owners on").await;
    let contents = format!("/repos/{REPO}/contents/");
    let fetches = || repo_fake::gets(&github, &contents);

    deliver(&baton, "ttl-1", &opened(1, "torvalds", "", false)).await;
    clock.advance(9 * 60);
    deliver(&baton, "ttl-2", &opened(2, "torvalds", "", false)).await;
    assert_eq!(fetches().await.len(), 1, "used the copy within 10 minutes");
    clock.advance(2 * 60);
    deliver(&baton, "ttl-3", &opened(3, "torvalds", "", false)).await;
    assert_eq!(fetches().await.len(), 2, "fetched again after 10 minutes");

    // A push to a branch other than the default changes nothing; one to
    // the default branch makes the next pick fetch it.
    let mut push: Value = serde_json::from_slice(&corpus("github/push/payload.json")).unwrap();
    push["ref"] = json!("refs/heads/feature");
    let status = baton
        .github("push", "push-1", &serde_json::to_vec(&push).unwrap())
        .await
        .status();
    assert_eq!(status, 202, "a push elsewhere is not Baton's");
    deliver(&baton, "ttl-4", &opened(4, "torvalds", "", false)).await;
    assert_eq!(fetches().await.len(), 2);
    push["ref"] = json!("refs/heads/master");
    let status = baton
        .github("push", "push-2", &serde_json::to_vec(&push).unwrap())
        .await
        .status();
    assert_eq!(status, 200);
    deliver(&baton, "ttl-5", &opened(5, "torvalds", "", false)).await;
    assert_eq!(fetches().await.len(), 3);
    assert_eq!(requested(&github).await.len(), 5);
}

#[tokio::test]
async fn a_lookup_github_cannot_answer_in_time_picks_without_owners() {
    let (baton, _slack, github) = start(&[("BATON_LOOKUP_TIMEOUT", "1s")]).await;
    repo_fake::codeowners(&github, REPO, ".github/CODEOWNERS", CODEOWNERS).await;
    let owned = files(&["src/billing/charge.rs"]);
    repo_fake::changed_files_after(&github, REPO, 1, &owned, Duration::from_secs(30)).await;
    admin(&baton, "reviewers owners on").await;
    deliver(&baton, "slow-1", &opened(1, "torvalds", "", false)).await;
    // Not defunkt (the owner): the usual pick, and the log says why.
    assert_eq!(requested(&github).await, logins(&["hubot"]));
    let log = baton.stderr();
    assert!(
        log.contains("picking reviewers without the code owners"),
        "{log}"
    );
    assert!(log.contains("BATON_LOOKUP_TIMEOUT"), "{log}");
}

#[tokio::test]
async fn a_pick_waiting_for_github_survives_kill_9_and_is_made_once() {
    let (mut baton, _slack, github) = start(&[("BATON_LOOKUP_TIMEOUT", "60s")]).await;
    repo_fake::codeowners(&github, REPO, ".github/CODEOWNERS", CODEOWNERS).await;
    let owned = files(&["src/billing/charge.rs"]);
    repo_fake::changed_files_after(&github, REPO, 1, &owned, Duration::from_secs(60)).await;
    admin(&baton, "reviewers owners on").await;
    let status = baton
        .github("pull_request", "kill-1", &opened(1, "torvalds", "", false))
        .await
        .status();
    assert!(status.is_success());
    // The lookup has started (it waits on the files) when Baton dies.
    common::eventually(10, "the lookup asks for the files", || async {
        !repo_fake::gets(&github, &format!("/repos/{REPO}/pulls/1/files"))
            .await
            .is_empty()
    })
    .await;
    assert_eq!(
        baton.metric("baton_reviewer_picks_waiting").await,
        Some(1.0)
    );
    baton.kill9();
    github.reset().await;
    common::fake_github::mount_ok(&github).await;
    repo_fake::codeowners(&github, REPO, ".github/CODEOWNERS", CODEOWNERS).await;
    repo_fake::changed_files(&github, REPO, 1, &owned).await;

    baton.spawn().await;
    baton.drained().await;
    assert_eq!(requested(&github).await, logins(&["defunkt"]));
    // The same delivery again, and another delivery of the same opening,
    // pick nothing more.
    deliver(&baton, "kill-1", &opened(1, "torvalds", "", false)).await;
    deliver(&baton, "kill-2", &opened(1, "torvalds", "", false)).await;
    assert_eq!(requested(&github).await, logins(&["defunkt"]));
}

#[tokio::test]
async fn r_in_the_description_requests_that_reviewer_and_keeps_the_turn() {
    let (baton, _slack, github) = start(&[]).await;
    repo_fake::team(&github, "octo-org", "web", &["MonaLisa", "web-contractor"]).await;
    deliver(
        &baton,
        "r-1",
        &opened(1, "torvalds", "Fixes the typo.\r\n\r\nr? @defunkt", false),
    )
    .await;
    // A hint in the template's comment asks nothing: the rotation, hubot.
    deliver(
        &baton,
        "r-2",
        &opened(2, "torvalds", "<!-- r? @defunkt -->", false),
    )
    .await;
    // A team: one of the rotation's members in it.
    deliver(
        &baton,
        "r-3",
        &opened(3, "torvalds", "r? @octo-org/web", false),
    )
    .await;
    assert_eq!(
        requested(&github).await,
        logins(&["defunkt", "hubot", "monalisa"])
    );
    let list = baton.command(CHANNEL, ADMIN, "reviewers list").await;
    assert!(list.contains("<@U0DEFUNK1> — 1 assigned"), "{list}");
}

#[tokio::test]
async fn r_in_a_comment_by_the_author_or_a_member_adds_a_reviewer_and_anyone_else_is_told_once() {
    let (baton, slack, github) = start(&[]).await;
    repo_fake::team(&github, "octo-org", "web", &["defunkt"]).await;
    deliver(&baton, "c-open", &opened(1, "torvalds", "", false)).await;
    assert_eq!(requested(&github).await, logins(&["hubot"]));

    // The author asks for monalisa too.
    say(
        &baton,
        "c-1",
        &comment(1, "torvalds", 101, "Thanks!\n\nr? @monalisa"),
    )
    .await;
    // A member asks for one of the web team.
    say(&baton, "c-2", &comment(1, "hubot", 102, "r? @octo-org/web")).await;
    assert_eq!(
        requested(&github).await,
        logins(&["hubot", "monalisa", "defunkt"])
    );
    assert_eq!(posts_saying(&slack, "to review too").await.len(), 2);

    // Someone else: nothing done, told once in the pull request's thread.
    say(
        &baton,
        "c-3",
        &comment(1, "mallory", 103, "r? @mallory-friend"),
    )
    .await;
    say(
        &baton,
        "c-4",
        &comment(1, "mallory", 104, "r? @mallory-friend please"),
    )
    .await;
    assert_eq!(requested(&github).await.len(), 3);
    let told = posts_saying(&slack, "only its author or a member of this rotation").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["channel"], CHANNEL);
    assert!(told[0]["thread_ts"].is_string(), "{:?}", told[0]);

    // A comment asking nothing costs nothing.
    let status = baton
        .github("issue_comment", "c-5", &comment(1, "torvalds", 105, "LGTM"))
        .await
        .status();
    assert_eq!(status, 202);
}

/// The corpus `action` payload of pull request `number` by torvalds,
/// `edit`ed.
fn event(action: &str, number: u64, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut payload: Value =
        serde_json::from_slice(&pull_request(action, number, "torvalds")).unwrap();
    edit(&mut payload);
    serde_json::to_vec(&payload).unwrap()
}

/// `reviewer` approves pull request `number` (the corpus review, its own id).
async fn approve(baton: &Baton, number: u64, reviewer: &str, review_id: u64) {
    let mut payload: Value =
        serde_json::from_slice(&corpus("github/pull_request_review/submitted.payload.json"))
            .unwrap();
    payload["review"]["id"] = json!(review_id);
    payload["review"]["user"]["login"] = json!(reviewer);
    payload["review"]["state"] = json!("approved");
    payload["pull_request"]["number"] = json!(number);
    payload["repository"]["full_name"] = json!(REPO);
    let body = serde_json::to_vec(&payload).unwrap();
    let delivery = format!("review-{review_id}");
    let status = baton
        .github("pull_request_review", &delivery, &body)
        .await
        .status();
    assert!(status.is_success(), "{delivery}: {status}");
    baton.drained().await;
}

/// The channel's "no one is free" posts.
async fn nobody_free_posts(slack: &MockServer) -> Vec<String> {
    posts_saying(slack, "No one in the review rotation is free")
        .await
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn the_cap_counts_real_open_reviews_and_a_merge_a_review_or_a_draft_frees_a_reviewer() {
    let (mut baton, slack, github) = start(&[]).await;
    admin(&baton, "reviewers cap 1").await;
    for number in 1..=3 {
        let delivery = format!("cap-{number}");
        deliver(&baton, &delivery, &opened(number, "torvalds", "", false)).await;
    }
    assert_eq!(
        requested(&github).await,
        logins(&["hubot", "monalisa", "defunkt"])
    );
    let list = baton.command(CHANNEL, ADMIN, "reviewers list").await;
    assert_eq!(list.matches("1 open (at the cap)").count(), 3, "{list}");

    // The fourth finds no one free: the channel is told, GitHub asked nothing.
    deliver(&baton, "cap-4", &opened(4, "torvalds", "", false)).await;
    assert_eq!(requested(&github).await.len(), 3);
    let told = nobody_free_posts(&slack).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].contains("#4") && told[0].contains("/baton assign"),
        "{}",
        told[0]
    );

    // The counts are the stored review records': a restart keeps them.
    baton.kill9();
    baton.spawn().await;
    deliver(&baton, "cap-5", &opened(5, "torvalds", "", false)).await;
    assert_eq!(requested(&github).await.len(), 3);
    assert_eq!(nobody_free_posts(&slack).await.len(), 2);

    // hubot's pull request is merged: hubot is free, and the next one is his.
    let merged = event("closed", 1, |p| p["pull_request"]["merged"] = json!(true));
    deliver(&baton, "cap-merge-1", &merged).await;
    deliver(&baton, "cap-6", &opened(6, "torvalds", "", false)).await;
    assert_eq!(requested(&github).await.last().unwrap(), &["hubot"]);

    // monalisa reviews #2: she is free again.
    approve(&baton, 2, "monalisa", 9_002).await;
    deliver(&baton, "cap-7", &opened(7, "torvalds", "", false)).await;
    assert_eq!(requested(&github).await.last().unwrap(), &["monalisa"]);

    // defunkt's #3 turns into a draft: a draft does not count.
    let drafted = event("converted_to_draft", 3, |_| {});
    deliver(&baton, "cap-draft-3", &drafted).await;
    deliver(&baton, "cap-8", &opened(8, "torvalds", "", false)).await;
    assert_eq!(requested(&github).await.last().unwrap(), &["defunkt"]);

    // Everyone is at the cap again: #9 waits, and nothing more was asked.
    deliver(&baton, "cap-9", &opened(9, "torvalds", "", false)).await;
    assert_eq!(
        requested(&github).await,
        logins(&["hubot", "monalisa", "defunkt", "hubot", "monalisa", "defunkt"])
    );
    assert_eq!(nobody_free_posts(&slack).await.len(), 3);
    let list = baton.command(CHANNEL, ADMIN, "reviewers list").await;
    assert_eq!(list.matches("1 open (at the cap)").count(), 3, "{list}");
}
