//! What a fake GitHub (wiremock) says about a repository's code, as GitHub
//! says it: the contents API for CODEOWNERS (`content` in base64 wrapped
//! every 60 characters, `encoding: base64`; 404 `Not Found` for a path with
//! no file), a pull request's changed files in pages of `per_page` with a
//! `Link` header (`rel="next"` pointing at `/repositories/{id}/…`, as GitHub
//! does), and a team's members.

use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The repository id GitHub's page links name.
const REPOSITORY_ID: u64 = 1296269;

/// GitHub's answer to a path that does not exist.
fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest/repos/contents#get-repository-content",
        "status": "404"
    }))
}

/// Serve `text` as `repo`'s file at `file_path`; every other contents path
/// of `repo` is 404.
pub async fn codeowners(server: &MockServer, repo: &str, file_path: &str, text: &str) {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let wrapped: Vec<String> = encoded
        .as_bytes()
        .chunks(60)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let name = file_path.rsplit('/').next().unwrap_or(file_path);
    Mock::given(method("GET"))
        .and(path(format!("/repos/{repo}/contents/{file_path}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": "file",
            "encoding": "base64",
            "size": text.len(),
            "name": name,
            "path": file_path,
            "content": wrapped.join("\n") + "\n",
            "sha": "3d21ec53a331a6f037a91c368710b99387d012c1",
        })))
        .with_priority(1)
        .mount(server)
        .await;
    no_codeowners(server, repo).await;
}

/// `repo` has no CODEOWNERS anywhere: every contents path is 404.
pub async fn no_codeowners(server: &MockServer, repo: &str) {
    Mock::given(method("GET"))
        .and(path_regex(format!("^/repos/{repo}/contents/.*$")))
        .respond_with(not_found())
        .with_priority(10)
        .mount(server)
        .await;
}

/// Pages of a pull request's changed files.
struct FilePages {
    number: u64,
    files: Vec<String>,
    delay: Duration,
}

impl Respond for FilePages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = |name: &str| {
            request
                .url
                .query_pairs()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let per_page = query("per_page").unwrap_or(30).clamp(1, 100);
        let page = query("page").unwrap_or(1).max(1);
        let last = self.files.len().div_ceil(per_page).max(1);
        let listed: Vec<Value> = self
            .files
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|file| {
                json!({"sha": "bbcd538c8e72b8c175046e27cc8f907076331401", "filename": file,
                       "status": "modified", "additions": 1, "deletions": 0, "changes": 1})
            })
            .collect();
        let mut response = ResponseTemplate::new(200)
            .set_body_json(listed)
            .set_delay(self.delay);
        if page < last {
            let link = |p: usize| {
                format!(
                    "<https://api.github.com/repositories/{REPOSITORY_ID}/pulls/{}/files?per_page={per_page}&page={p}>",
                    self.number
                )
            };
            response = response.insert_header(
                "link",
                format!(
                    "{}; rel=\"next\", {}; rel=\"last\"",
                    link(page + 1),
                    link(last)
                )
                .as_str(),
            );
        }
        response
    }
}

/// Serve pull request `number`'s changed files, in pages.
pub async fn changed_files(server: &MockServer, repo: &str, number: u64, files: &[String]) {
    changed_files_after(server, repo, number, files, Duration::ZERO).await;
}

/// [`changed_files`], each answer coming `delay` late.
pub async fn changed_files_after(
    server: &MockServer,
    repo: &str,
    number: u64,
    files: &[String],
    delay: Duration,
) {
    for route in [
        format!("/repos/{repo}/pulls/{number}/files"),
        format!("/repositories/{REPOSITORY_ID}/pulls/{number}/files"),
    ] {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(FilePages {
                number,
                files: files.to_vec(),
                delay,
            })
            .mount(server)
            .await;
    }
}

/// Serve the members of `org/slug`.
pub async fn team(server: &MockServer, org: &str, slug: &str, members: &[&str]) {
    let listed: Vec<Value> = members
        .iter()
        .map(|login| json!({"login": login, "type": "User", "site_admin": false}))
        .collect();
    Mock::given(method("GET"))
        .and(path(format!("/orgs/{org}/teams/{slug}/members")))
        .respond_with(ResponseTemplate::new(200).set_body_json(listed))
        .mount(server)
        .await;
}

/// The `GET` requests GitHub received whose path starts with `prefix`.
pub async fn gets(server: &MockServer, prefix: &str) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == "GET" && r.url.path().starts_with(prefix))
        .map(|r| r.url.path().to_string())
        .collect()
}
