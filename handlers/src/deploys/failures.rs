//! Failures-only channels (`deploys watch … only=failures`): they get a
//! deploy's message only once it fails or errors (`super::decide`), and
//! when the next deploy of the same service and environment succeeds, a
//! short "fixed by vN" in the failure's thread. A [`FailureMark`] per
//! channel, service and environment remembers the failure until then
//! (`super::failure_mark`).

use super::change::{Change, Outcome};
use super::decide::message_key;
use super::failure_mark::{mark_key, FailureMark};
use super::record::DeployRecord;
use super::update::DeployStatus;
use crate::mrkdwn;
use crate::mrkdwn::Mrkdwn;
use crate::outbound::Outbound;
use crate::text::{format_datetime, truncate_chars};
use crate::UnixTime;

/// Characters of a service, environment or version as shown.
const SHORT_CHARS: usize = 150;

/// The keys of the marks [`after_update`] reads for `record`.
pub fn mark_keys(record: &DeployRecord, failures_only: &[String]) -> Vec<String> {
    let env = record.environment.as_deref().unwrap_or_default();
    failures_only
        .iter()
        .map(|c| mark_key(c, record.subject(), env))
        .collect()
}

/// The version a deploy shows: its version, else its short sha, else its ref.
fn version_of(r: &DeployRecord) -> Option<String> {
    r.version
        .clone()
        .or_else(|| r.sha.as_deref().map(|s| s.chars().take(7).collect()))
        .or_else(|| r.git_ref.clone())
}

/// After `before` became `after` (one deploy's record, as
/// [`super::on_update_with`] stored it): a newly failed deploy leaves a mark
/// in each failures-only channel it was posted to; a newly succeeded one
/// answers the mark of its service and environment, if any, with "fixed by"
/// in that failure's thread. `marks` are those under [`mark_keys`].
pub fn after_update(
    before: Option<&DeployRecord>,
    after: &DeployRecord,
    failures_only: &[String],
    marks: &[FailureMark],
    now: UnixTime,
) -> Outcome {
    let mut out = Outcome::none();
    let newly = |status: fn(DeployStatus) -> bool| {
        status(after.status) && before.is_none_or(|b| !b.status.is_terminal())
    };
    let Some(environment) = after.environment.as_deref() else {
        return out;
    };
    if newly(DeployStatus::is_failure) {
        for channel in failures_only.iter().filter(|c| after.channels.contains(c)) {
            out.changes.push(Change::PutFailureMark(FailureMark {
                channel: channel.clone(),
                subject: after.subject().to_string(),
                environment: environment.to_string(),
                record_key: after.key.clone(),
                failed_at: now,
            }));
        }
    } else if newly(|s| s == DeployStatus::Success) {
        for channel in failures_only {
            let key = mark_key(channel, after.subject(), environment);
            let Some(mark) = marks.iter().find(|m| m.key() == key) else {
                continue;
            };
            let mut text = mrkdwn!("✅ Fixed");
            if let Some(v) = version_of(after) {
                text.push(mrkdwn!(
                    " by {}",
                    Mrkdwn::code(&truncate_chars(&v, SHORT_CHARS))
                ));
            }
            text.push(mrkdwn!(
                ": the next deploy of {} to {} succeeded ({}).",
                Mrkdwn::text_cut(after.subject(), SHORT_CHARS),
                Mrkdwn::text_cut(environment, SHORT_CHARS),
                format_datetime(after.finished_at.unwrap_or(now))
            ));
            out.outbound.push(Outbound::SlackPost {
                channel: channel.clone(),
                text,
                blocks: None,
                key: Some(format!("{}:fixed", message_key(&mark.record_key, channel))),
                thread_of: Some(message_key(&mark.record_key, channel)),
            });
            out.changes.push(Change::DeleteFailureMark { key });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploys::decide::on_update_with;
    use crate::deploys::hook::parse_hook;
    use crate::deploys::update::DeployUpdate;

    const NOW: UnixTime = 1_795_392_000;

    fn hook(version: &str, status: &str) -> DeployUpdate {
        let body = format!(
            r#"{{"service":"checkout-api","environment":"production","version":"{version}","status":"{status}","deploy_id":"{version}"}}"#
        );
        DeployUpdate::from_hook(&parse_hook(body.as_bytes()).unwrap())
    }

    fn channels() -> Vec<String> {
        vec!["C0ALL".into(), "C0FAIL".into()]
    }

    fn quiet() -> Vec<String> {
        vec!["C0FAIL".into()]
    }

    fn posted_to(out: &Outcome) -> Vec<&str> {
        out.outbound
            .iter()
            .filter_map(|o| match o {
                Outbound::SlackPost {
                    channel,
                    thread_of: None,
                    ..
                } => Some(channel.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_failures_only_channel_hears_the_failure_and_then_the_fix() {
        // v1 starts and fails: the quiet channel hears only the failure.
        let started = on_update_with(
            None,
            &hook("v1", "started"),
            &channels(),
            &quiet(),
            None,
            NOW,
        );
        assert_eq!(posted_to(&started), ["C0ALL"]);
        let record = started.record().unwrap().clone();
        assert_eq!(record.channels, ["C0ALL"]);
        let failed = on_update_with(
            Some(&record),
            &hook("v1", "failed"),
            &channels(),
            &quiet(),
            None,
            NOW + 60,
        );
        assert_eq!(posted_to(&failed), ["C0FAIL"]);
        let failed_record = failed.record().unwrap().clone();
        assert_eq!(failed_record.channels, ["C0ALL", "C0FAIL"]);
        let marked = after_update(Some(&record), &failed_record, &quiet(), &[], NOW + 60);
        let [Change::PutFailureMark(mark)] = marked.changes.as_slice() else {
            panic!("{:?}", marked.changes)
        };
        assert_eq!(mark.key(), "C0FAIL|checkout-api|production");
        assert_eq!(mark.record_key, "hook:checkout-api:production:v1");
        assert_eq!(mark_keys(&failed_record, &quiet()), [mark.key()]);

        // v2 succeeds: no message of its own there, a fix in the thread.
        let ok = on_update_with(
            None,
            &hook("v2", "succeeded"),
            &channels(),
            &quiet(),
            None,
            NOW + 600,
        );
        assert_eq!(posted_to(&ok), ["C0ALL"]);
        let ok_record = ok.record().unwrap().clone();
        let fixed = after_update(
            None,
            &ok_record,
            &quiet(),
            std::slice::from_ref(mark),
            NOW + 600,
        );
        let [Outbound::SlackPost {
            channel,
            text,
            thread_of,
            key,
            ..
        }] = fixed.outbound.as_slice()
        else {
            panic!("{:?}", fixed.outbound)
        };
        assert_eq!(channel, "C0FAIL");
        assert_eq!(
            thread_of.as_deref(),
            Some("deploy:hook:checkout-api:production:v1:C0FAIL")
        );
        assert_eq!(
            key.as_deref(),
            Some("deploy:hook:checkout-api:production:v1:C0FAIL:fixed")
        );
        assert!(
            text.starts_with(
                "✅ Fixed by `v2`: the next deploy of checkout-api to production succeeded"
            ),
            "{text}"
        );
        assert_eq!(
            fixed.changes,
            vec![Change::DeleteFailureMark {
                key: "C0FAIL|checkout-api|production".into()
            }]
        );
        // Without a mark (nothing failed), a success says nothing.
        assert_eq!(
            after_update(None, &ok_record, &quiet(), &[], NOW),
            Outcome::none()
        );
        // A redelivered success (already terminal before) says nothing.
        assert_eq!(
            after_update(
                Some(&ok_record),
                &ok_record,
                &quiet(),
                std::slice::from_ref(mark),
                NOW
            ),
            Outcome::none()
        );
    }
}
