//! GitHub's record of a webhook's deliveries (`…/hooks/{id}/deliveries` or
//! `/app/hook/deliveries`), mounted on a fake GitHub: the list newest first,
//! paged with `Link: rel="next"` and a `cursor` (at most [`PAGE`] per page
//! here, to exercise paging), and each delivery with its request headers and
//! payload, as GitHub's REST API returns them. Counts each fetch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Deliveries per page, whatever `per_page` asks.
pub const PAGE: usize = 7;

pub struct Delivery {
    pub id: u64,
    pub guid: String,
    pub event: String,
    pub delivered_at: String,
    /// What the receiver answered; 0 when it could not be reached.
    pub status_code: u16,
    pub payload: Value,
}

#[derive(Default)]
pub struct Record {
    pub deliveries: Vec<Delivery>,
    /// Fetches of each delivery id.
    pub fetches: HashMap<u64, usize>,
    /// Requests for a page of the list.
    pub list_requests: usize,
}

#[derive(Clone)]
pub struct Deliveries {
    pub record: Arc<Mutex<Record>>,
    base: String,
    route: String,
}

impl Deliveries {
    /// Record a delivery (ids must grow with time, as GitHub's do);
    /// returns its guid (`X-GitHub-Delivery`).
    pub fn add(
        &self,
        id: u64,
        event: &str,
        status_code: u16,
        delivered_at: i64,
        payload: &[u8],
    ) -> String {
        let guid = format!("0b3c7e2e-0000-11f0-8000-{id:012}");
        let delivered_at = time::OffsetDateTime::from_unix_timestamp(delivered_at)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        self.record.lock().unwrap().deliveries.push(Delivery {
            id,
            guid: guid.clone(),
            event: event.into(),
            delivered_at,
            status_code,
            payload: serde_json::from_slice(payload).unwrap(),
        });
        guid
    }

    pub fn fetches(&self, id: u64) -> usize {
        self.record
            .lock()
            .unwrap()
            .fetches
            .get(&id)
            .copied()
            .unwrap_or(0)
    }

    pub fn list_requests(&self) -> usize {
        self.record.lock().unwrap().list_requests
    }
}

fn summary(d: &Delivery) -> Value {
    let status = if d.status_code == 0 {
        "failed to connect"
    } else {
        "OK"
    };
    json!({
        "id": d.id, "guid": d.guid, "delivered_at": d.delivered_at, "redelivery": false,
        "duration": 0.27, "status": status, "status_code": d.status_code,
        "event": d.event, "action": d.payload["action"],
        "installation_id": null, "repository_id": d.payload["repository"]["id"],
    })
}

impl Respond for Deliveries {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut record = self.record.lock().unwrap();
        let path = request.url.path();
        if let Some(id) = path.strip_prefix(&format!("{}/", self.route)) {
            let id: u64 = id.parse().unwrap();
            *record.fetches.entry(id).or_default() += 1;
            let Some(d) = record.deliveries.iter().find(|d| d.id == id) else {
                return ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}));
            };
            let mut full = summary(d);
            full["url"] = json!("");
            full["request"] = json!({
                "headers": {
                    "Accept": "*/*",
                    "X-GitHub-Delivery": d.guid,
                    "X-GitHub-Event": d.event,
                    "X-GitHub-Hook-ID": "1",
                    "Content-Type": "application/json",
                    "User-Agent": "GitHub-Hookshot/7e2e8a2",
                },
                "payload": d.payload,
            });
            full["response"] = json!({"headers": {}, "payload": null});
            return ResponseTemplate::new(200).set_body_json(full);
        }
        record.list_requests += 1;
        let query: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        let per_page: usize = query
            .get("per_page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(30);
        let below: u64 = query
            .get("cursor")
            .and_then(|c| c.strip_prefix("v1_"))
            .and_then(|c| c.parse().ok())
            .unwrap_or(u64::MAX);
        let mut newest_first: Vec<&Delivery> =
            record.deliveries.iter().filter(|d| d.id < below).collect();
        newest_first.sort_by_key(|d| std::cmp::Reverse(d.id));
        let size = per_page.min(PAGE);
        let more = newest_first.len() > size;
        newest_first.truncate(size);
        let page: Vec<Value> = newest_first.iter().map(|d| summary(d)).collect();
        let mut response = ResponseTemplate::new(200).set_body_json(page);
        if let (true, Some(last)) = (more, newest_first.last()) {
            response = response.insert_header(
                "link",
                format!(
                    "<{}{}?per_page={per_page}&cursor=v1_{}>; rel=\"next\"",
                    self.base, self.route, last.id
                )
                .as_str(),
            );
        }
        response
    }
}

/// Mount the deliveries of the webhook whose list is at `route`
/// (e.g. `/repos/o/r/hooks/1/deliveries`) on `server`.
pub async fn mount(server: &MockServer, route: &str) -> Deliveries {
    let deliveries = Deliveries {
        record: Arc::default(),
        base: server.uri(),
        route: route.to_string(),
    };
    Mock::given(method("GET"))
        .and(path_regex(format!("^{}(/\\d+)?$", regex::escape(route))))
        .respond_with(deliveries.clone())
        .mount(server)
        .await;
    deliveries
}
