//! A fake GitHub REST API (wiremock) answering review requests as GitHub
//! does: 201 to a request, 200 to a withdrawal; and, for deploy gates,
//! every repository and environment asked about exists and a deployment
//! protection rule's review is answered 204.

use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// `/repos/{owner}/{repo}/pulls/{n}/requested_reviewers`.
pub const REVIEWERS_ROUTE: &str = r"^/repos/[^/]+/[^/]+/pulls/\d+/requested_reviewers$";

pub async fn ok() -> MockServer {
    let server = MockServer::start().await;
    mount_ok(&server).await;
    server
}

/// Answer review requests on `server` (again, after a `reset`).
pub async fn mount_ok(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path_regex(REVIEWERS_ROUTE))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({})))
        .mount(server)
        .await;
    Mock::given(method("DELETE"))
        .and(path_regex(REVIEWERS_ROUTE))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/repos/[^/]+/[^/]+(/environments/[^/]+)?$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(
            r"^/repos/[^/]+/[^/]+/actions/runs/\d+/deployment_protection_rule$",
        ))
        .respond_with(ResponseTemplate::new(204))
        .mount(server)
        .await;
}
