//! Baton as a GitHub custom deployment protection rule, black-box: the real
//! `deployment_protection_rule` payload (its callback URL pointed at the
//! fake GitHub, the one variation made here), a fake GitHub that records
//! the answers, and the fake Slack. Approved at once when unlocked; a
//! locked environment waits, is announced and is approved on unlock;
//! approval by a button press naming who; a callback URL on another host
//! never called; a redelivered request answered once; as a GitHub App the
//! answer carries the installation's token, and an answer GitHub could
//! not take is sent again through the outbox.

use crate::common;

use std::sync::{Arc, Mutex};

use common::{corpus, fake_github_app, fake_slack, Baton};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const REPO: &str = "zaniebot/release-authenticator-example";
const CALLBACK_PATH: &str =
    "/repos/zaniebot/release-authenticator-example/actions/runs/23625057533/deployment_protection_rule";
const INSTALLATION: u64 = 119_022_551;

/// The answers GitHub received at the callback: (Authorization, body).
#[derive(Clone, Default)]
struct Answers(Arc<Mutex<Vec<(String, Value)>>>);

impl Answers {
    fn all(&self) -> Vec<(String, Value)> {
        self.0.lock().unwrap().clone()
    }
}

/// The callback route: first `fail_first` answers 503, then 204 as GitHub
/// answers a review.
struct Callback {
    answers: Answers,
    fail_first: usize,
    calls: Mutex<usize>,
}

impl Respond for Callback {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut calls = self.calls.lock().unwrap();
        *calls += 1;
        if *calls <= self.fail_first {
            return ResponseTemplate::new(503).set_body_json(json!({"message": "Unavailable"}));
        }
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        self.answers.0.lock().unwrap().push((auth, body));
        ResponseTemplate::new(204)
    }
}

/// Mount GitHub's routes the gate uses on `server`: the repository and its
/// `release` environment exist (others do not), and the callback.
async fn mount_github(server: &MockServer, fail_first: usize) -> Answers {
    let answers = Answers::default();
    Mock::given(method("POST"))
        .and(path(CALLBACK_PATH))
        .respond_with(Callback {
            answers: answers.clone(),
            fail_first,
            calls: Mutex::new(0),
        })
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/environments/release")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "release"})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"full_name": REPO})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/repos/.*"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(server)
        .await;
    answers
}

struct World {
    slack: MockServer,
    github: MockServer,
    answers: Answers,
    baton: Baton,
}

/// Baton with a token (`GITHUB_TOKEN`) against a fake GitHub.
async fn start(extra: &[(&str, &str)]) -> World {
    let slack = fake_slack::ok().await;
    let github = MockServer::start().await;
    let answers = mount_github(&github, 0).await;
    let api = format!("{}/api", slack.uri());
    let github_uri = github.uri();
    let mut settings = vec![
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_API_URL", api.as_str()),
        ("GITHUB_TOKEN", "ghp-gate-test"),
        ("GITHUB_API_URL", github_uri.as_str()),
    ];
    settings.extend_from_slice(extra);
    let baton = Baton::start(&settings).await;
    World {
        slack,
        github,
        answers,
        baton,
    }
}

/// The real payload with its callback URL on `host` (`http://127.0.0.1:N`).
fn request_on(host: &str) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(&corpus(
        "github/deployment_protection_rule/requested.payload.json",
    ))
    .unwrap();
    value["deployment_callback_url"] = json!(format!("{host}{CALLBACK_PATH}"));
    serde_json::to_vec(&value).unwrap()
}

async fn deliver(baton: &Baton, delivery: &str, body: &[u8]) -> u16 {
    baton
        .github("deployment_protection_rule", delivery, body)
        .await
        .status()
        .as_u16()
}

/// Press a gate button, as Slack posts it; returns the ephemeral answer.
async fn press(baton: &Baton, user: &str, channel: &str, action_id: &str, value: &str) -> String {
    let payload = json!({
        "type": "block_actions",
        "user": {"id": user},
        "channel": {"id": channel},
        "container": {"message_ts": "1700000000.000100", "channel_id": channel},
        "response_url": "http://127.0.0.1:9/unused",
        "actions": [{"action_id": action_id, "value": value, "action_ts": format!("{}.{user}", common::now())}],
    });
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
    let response = baton
        .slack(
            "/slack/interactions",
            body.as_bytes(),
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["text"].as_str().map(str::to_string))
        .unwrap_or(text)
}

/// The value of the gate's Approve button in `post` (the request's key).
fn button_value(post: &Value, action_id: &str) -> String {
    post["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["action_id"] == action_id)
        .and_then(|e| e["value"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no {action_id} button: {post}"))
}

async fn gate_posts(slack: &MockServer) -> Vec<Value> {
    fake_slack::calls(slack, "chat.postMessage")
        .await
        .into_iter()
        .filter(|p| p.to_string().contains("deploys_gate_approve"))
        .collect()
}

fn text(call: &Value) -> &str {
    call["text"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_unlocked_environment_is_approved_at_once_and_a_redelivery_answers_once() {
    let w = start(&[]).await;
    let reply = w
        .baton
        .command("C0REL", "UADMIN", &format!("deploys gate {REPO} release"))
        .await;
    assert!(reply.contains("now guards deploys"), "{reply}");
    assert!(!reply.contains("could not check"), "{reply}");

    let body = request_on(&w.github.uri());
    assert_eq!(deliver(&w.baton, "gate-1", &body).await, 200);
    common::eventually(20, "GitHub hears the answer", || async {
        !w.answers.all().is_empty()
    })
    .await;
    // The same delivery again, and the same request under a new delivery id.
    assert_eq!(deliver(&w.baton, "gate-1", &body).await, 200);
    assert_eq!(deliver(&w.baton, "gate-1-redelivered", &body).await, 200);
    w.baton.drained().await;
    let answers = w.answers.all();
    assert_eq!(answers.len(), 1, "{answers:?}");
    let (auth, answer) = &answers[0];
    assert_eq!(auth, "Bearer ghp-gate-test");
    assert_eq!(
        answer,
        &json!({"environment_name": "release", "state": "approved",
                "comment": "Approved by Baton: release is not locked."})
    );
    assert!(gate_posts(&w.slack).await.is_empty());
}

#[tokio::test]
async fn a_locked_environment_waits_is_announced_and_is_approved_on_unlock() {
    let w = start(&[]).await;
    w.baton
        .command("C0REL", "UADMIN", &format!("deploys gate {REPO} release"))
        .await;
    w.baton
        .command("C0OPS", "UALICE", "lock release for 2h audit freeze")
        .await;
    assert_eq!(
        deliver(&w.baton, "gate-2", &request_on(&w.github.uri())).await,
        200
    );
    w.baton.drained().await;
    let posts = gate_posts(&w.slack).await;
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["channel"], "C0REL");
    assert!(
        text(&posts[0]).contains("waits on the lock held by <@UALICE>"),
        "{}",
        text(&posts[0])
    );
    let blocks = posts[0]["blocks"].to_string();
    assert!(
        blocks.contains("audit freeze") && blocks.contains("Approve anyway"),
        "{blocks}"
    );
    assert!(w.answers.all().is_empty(), "nothing answered while locked");

    // Someone else may not approve it anyway.
    let key = button_value(&posts[0], "deploys_gate_approve");
    let refused = press(&w.baton, "UBOB", "C0REL", "deploys_gate_approve", &key).await;
    assert!(
        refused.contains("Only the lock holder (<@UALICE>)"),
        "{refused}"
    );

    let reply = w.baton.command("C0OPS", "UBOB", "unlock release").await;
    assert!(reply.contains("Unlocked `release`"), "{reply}");
    common::eventually(20, "GitHub hears the approval", || async {
        !w.answers.all().is_empty()
    })
    .await;
    w.baton.drained().await;
    let answers = w.answers.all();
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0].1["state"], "approved");
    assert_eq!(
        answers[0].1["comment"],
        "Approved by Baton: UBOB released the lock on release."
    );
    let updates = fake_slack::calls(&w.slack, "chat.update").await;
    assert!(
        updates
            .iter()
            .any(|u| text(u).contains("<@UBOB> released the lock")),
        "{updates:?}"
    );
}

#[tokio::test]
async fn an_approval_is_decided_by_the_first_press_which_names_who() {
    let w = start(&[]).await;
    w.baton
        .command(
            "C0REL",
            "UADMIN",
            &format!("deploys gate {REPO} release approval"),
        )
        .await;
    assert_eq!(
        deliver(&w.baton, "gate-3", &request_on(&w.github.uri())).await,
        200
    );
    w.baton.drained().await;
    let posts = gate_posts(&w.slack).await;
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(
        text(&posts[0]).contains("needs approval"),
        "{}",
        text(&posts[0])
    );
    let blocks = posts[0]["blocks"].to_string();
    for part in [REPO, "main", "47efb71", "zaniebot", "Approve", "Reject"] {
        assert!(blocks.contains(part), "{part}: {blocks}");
    }
    let key = button_value(&posts[0], "deploys_gate_approve");

    let reply = press(&w.baton, "UCAROL", "C0REL", "deploys_gate_approve", &key).await;
    assert!(reply.contains("You approved"), "{reply}");
    let late = press(&w.baton, "UDAVE", "C0REL", "deploys_gate_reject", &key).await;
    assert!(late.contains("Already decided"), "{late}");
    common::eventually(20, "GitHub hears the approval", || async {
        !w.answers.all().is_empty()
    })
    .await;
    w.baton.drained().await;
    let answers = w.answers.all();
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(
        answers[0].1,
        json!({"environment_name": "release", "state": "approved",
               "comment": "Approved in Slack by UCAROL (Baton)."})
    );
    let updates = fake_slack::calls(&w.slack, "chat.update").await;
    let decided: Vec<&Value> = updates
        .iter()
        .filter(|u| text(u).contains("approved by <@UCAROL>"))
        .collect();
    assert_eq!(decided.len(), 1, "{updates:?}");
    assert!(
        !decided[0]["blocks"]
            .to_string()
            .contains("deploys_gate_approve"),
        "no buttons once decided"
    );
}

#[tokio::test]
async fn with_admins_only_an_admin_may_approve() {
    let w = start(&[("BATON_ADMINS", "UADMIN")]).await;
    w.baton
        .command(
            "C0REL",
            "UADMIN",
            &format!("deploys gate {REPO} release approval"),
        )
        .await;
    deliver(&w.baton, "gate-4", &request_on(&w.github.uri())).await;
    w.baton.drained().await;
    let key = button_value(&gate_posts(&w.slack).await[0], "deploys_gate_reject");
    let refused = press(&w.baton, "UCAROL", "C0REL", "deploys_gate_reject", &key).await;
    assert!(refused.contains("Only Baton admins"), "{refused}");
    let reply = press(&w.baton, "UADMIN", "C0REL", "deploys_gate_reject", &key).await;
    assert!(reply.contains("You rejected"), "{reply}");
    common::eventually(20, "GitHub hears the rejection", || async {
        w.answers.all().len() == 1
    })
    .await;
    assert_eq!(w.answers.all()[0].1["state"], "rejected");
}

#[tokio::test]
async fn a_callback_url_on_another_host_is_never_called() {
    let w = start(&[]).await;
    let foreign = MockServer::start().await;
    Mock::given(path_regex(".*"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&foreign)
        .await;
    w.baton
        .command("C0REL", "UADMIN", &format!("deploys gate {REPO} release"))
        .await;

    let response = w
        .baton
        .github(
            "deployment_protection_rule",
            "gate-foreign",
            &request_on(&foreign.uri()),
        )
        .await;
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert!(
        answer.to_string().contains("not on the GitHub API host"),
        "{answer}"
    );
    // Without a callback URL at all: refused too.
    let mut bare: Value = serde_json::from_slice(&corpus(
        "github/deployment_protection_rule/requested.payload.json",
    ))
    .unwrap();
    bare.as_object_mut()
        .unwrap()
        .remove("deployment_callback_url");
    let response = w
        .baton
        .github(
            "deployment_protection_rule",
            "gate-bare",
            &serde_json::to_vec(&bare).unwrap(),
        )
        .await;
    assert_eq!(response.status(), 400);

    // A good request after them is answered: everything before it was seen.
    deliver(&w.baton, "gate-good", &request_on(&w.github.uri())).await;
    common::eventually(20, "the good request is answered", || async {
        !w.answers.all().is_empty()
    })
    .await;
    w.baton.drained().await;
    assert!(
        foreign
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "the foreign host was called"
    );
    assert_eq!(w.answers.all().len(), 1);
}

#[tokio::test]
async fn a_gate_on_an_unknown_repository_or_environment_changes_nothing() {
    let w = start(&[]).await;
    let reply = w
        .baton
        .command("C0REL", "UADMIN", &format!("deploys gate {REPO} staging"))
        .await;
    assert!(
        reply.contains("has no environment `staging` on GitHub")
            && reply.contains("Nothing changed"),
        "{reply}"
    );
    let reply = w
        .baton
        .command("C0REL", "UADMIN", "deploys gate octo/nowhere release")
        .await;
    assert!(
        reply.contains("does not show Baton a repository `octo/nowhere`"),
        "{reply}"
    );
    let list = w.baton.command("C0REL", "UADMIN", "deploys list").await;
    assert!(!list.contains("guards"), "{list}");
    w.baton
        .command("C0REL", "UADMIN", &format!("deploys gate {REPO} release"))
        .await;
    let list = w.baton.command("C0REL", "UADMIN", "deploys list").await;
    assert!(
        list.contains(&format!("deploys of `{REPO}` to `release`")),
        "{list}"
    );
}

#[tokio::test]
async fn as_an_app_the_answer_carries_the_installation_token_and_is_sent_again_after_an_outage() {
    let slack = fake_slack::ok().await;
    let app = fake_github_app::start(3600, &[(INSTALLATION, "zaniebot")]).await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/installation")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": INSTALLATION})))
        .mount(&app.server)
        .await;
    let answers = mount_github(&app.server, 2).await;
    let api = format!("{}/api", slack.uri());
    let mut settings: Vec<(&str, String)> = vec![
        ("SLACK_BOT_TOKEN", "xoxb-test".into()),
        ("SLACK_API_URL", api),
    ];
    settings.extend(fake_github_app::settings(&app.server));
    let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let baton = Baton::start(&settings).await;

    let reply = baton
        .command("C0REL", "UADMIN", &format!("deploys gate {REPO} release"))
        .await;
    assert!(
        reply.contains("now guards") && !reply.contains("could not check"),
        "{reply}"
    );
    assert_eq!(
        deliver(&baton, "gate-app", &request_on(&app.server.uri())).await,
        200
    );
    // GitHub answers 503 twice; the outbox tries again until it takes it.
    common::eventually(30, "GitHub takes the answer", || async {
        !answers.all().is_empty()
    })
    .await;
    baton.drained().await;
    let answers = answers.all();
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(
        answers[0].0,
        format!("Bearer {}", app.token(INSTALLATION, 1))
    );
    assert_eq!(answers[0].1["state"], "approved");
}

#[tokio::test]
async fn a_deploy_waiting_on_a_lock_is_approved_when_the_lock_expires() {
    let clock = common::TestClock::at(common::now());
    let (setting, file) = clock.setting();
    let w = start(&[(setting, file.as_str()), ("BATON_TICK_EVERY", "1s")]).await;
    w.baton
        .command("C0REL", "UADMIN", &format!("deploys gate {REPO} release"))
        .await;
    w.baton
        .command("C0OPS", "UALICE", "lock release for 1h")
        .await;
    deliver(&w.baton, "gate-expiry", &request_on(&w.github.uri())).await;
    w.baton.drained().await;
    assert_eq!(gate_posts(&w.slack).await.len(), 1);
    assert!(w.answers.all().is_empty());
    clock.advance(3600);
    common::eventually(20, "GitHub hears the approval", || async {
        !w.answers.all().is_empty()
    })
    .await;
    w.baton.drained().await;
    let answers = w.answers.all();
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(
        answers[0].1["comment"],
        "Approved by Baton: UALICE's lock on release expired."
    );
    let updates = fake_slack::calls(&w.slack, "chat.update").await;
    assert!(
        updates
            .iter()
            .any(|u| text(u).contains("<@UALICE>'s lock expired")),
        "{updates:?}"
    );
}
