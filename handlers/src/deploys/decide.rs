//! [`on_update`]: folds a new deploy event into the stored
//! [`DeployRecord`]. Status never moves backwards, the first terminal status
//! wins, a redelivered event changes nothing, and each watching channel gets
//! one message, posted once and then updated in place. Also [`on_hook`],
//! the same for a CI hook with the [`HookAnswer`] its script hears back,
//! and [`lock_status`], what CI reads before deploying.

use super::change::{Change, Outcome};
use super::hook::DeployHook;
use super::lock::{active_lock, is_production, lock_key, Lock, LockStatus};
use super::record::{DeployRecord, LockedDeploy};
use super::render;
use super::update::{DeployStatus, DeployUpdate};
use crate::outbound::{MessageKey, Outbound};
use crate::UnixTime;
use serde::Serialize;

/// The key of a deploy's message in one channel: `deploy:{key}:{channel}`.
pub fn message_key(record_key: &str, channel: &str) -> MessageKey {
    format!("deploy:{record_key}:{channel}")
}

/// Fold `update` into `existing`.
///
/// - `channels`: the channels watching it now ([`super::channels_for`]);
///   channels that already hold a message keep getting updates even if their
///   watch was removed since.
/// - `lock`: the lock stored for the update's environment (expired or not).
///
/// A deploy nobody watches is not stored, nor is one first heard of as
/// `inactive`. An update that would move the
/// status backwards, or arrives after a terminal status, or changes nothing
/// (a redelivery), returns no change and no messages.
pub fn on_update(
    existing: Option<&DeployRecord>,
    update: &DeployUpdate,
    channels: &[String],
    lock: Option<&Lock>,
    now: UnixTime,
) -> Outcome {
    let at = update.at.unwrap_or(now);
    let mut record = match existing {
        Some(old) => {
            if old.status.is_terminal() || update.status.rank() < old.status.rank() {
                return Outcome::none();
            }
            let mut r = old.clone();
            merge(&mut r, update);
            r
        }
        None => {
            // `inactive` for a deploy Baton never saw is GitHub retiring an
            // old deployment: not news.
            if channels.is_empty() || update.status == DeployStatus::Inactive {
                return Outcome::none();
            }
            DeployRecord {
                key: update.key.clone(),
                source: update.source.clone(),
                status: update.status,
                environment: update.environment.clone(),
                repo_url: update.repo_url.clone(),
                git_ref: update.git_ref.clone(),
                sha: update.sha.clone(),
                version: update.version.clone(),
                url: update.url.clone(),
                log_url: update.log_url.clone(),
                actor: update.actor.clone(),
                description: update.description.clone(),
                first_seen: now,
                started_at: None,
                finished_at: None,
                updated_at: now,
                channels: Vec::new(),
                locked: None,
            }
        }
    };
    record.status = update.status;
    if record.started_at.is_none() {
        record.started_at = update
            .started_at
            .or_else(|| (!update.status.is_terminal()).then_some(at));
    }
    if update.status.is_terminal() {
        record.finished_at = Some(at);
    }
    if update.status == DeployStatus::Success {
        record.locked = locked_by(&record, lock, now);
    }

    let new_channels: Vec<String> = channels
        .iter()
        .filter(|c| !record.channels.contains(c))
        .cloned()
        .collect();
    let unchanged = existing.is_some_and(|old| {
        let mut same = record.clone();
        same.updated_at = old.updated_at;
        same == *old
    });
    if unchanged && new_channels.is_empty() {
        return Outcome::none();
    }
    if !unchanged {
        record.updated_at = now;
    }

    let (text, blocks) = render::deploy_message(&record);
    let mut outbound = Vec::new();
    if !unchanged {
        for channel in &record.channels {
            outbound.push(Outbound::SlackUpdate {
                key: message_key(&record.key, channel),
                channel: channel.clone(),
                text: text.clone(),
                blocks: Some(blocks.clone()),
            });
        }
    }
    for channel in &new_channels {
        outbound.push(Outbound::SlackPost {
            channel: channel.clone(),
            text: text.clone(),
            blocks: Some(blocks.clone()),
            key: Some(message_key(&record.key, channel)),
            thread_of: None,
        });
    }
    record.channels.extend(new_channels);

    let newly_failed =
        update.status.is_failure() && existing.is_none_or(|old| !old.status.is_terminal());
    if newly_failed {
        if let Some((text, blocks)) = render::failure_reply(&record, update.log_tail.as_deref()) {
            for channel in &record.channels {
                let parent = message_key(&record.key, channel);
                outbound.push(Outbound::SlackPost {
                    channel: channel.clone(),
                    text: text.clone(),
                    blocks: Some(blocks.clone()),
                    key: Some(format!("{parent}:log")),
                    thread_of: Some(parent),
                });
            }
        }
    }
    Outcome {
        changes: vec![Change::PutRecord(Box::new(record))],
        outbound,
        reply: None,
    }
}

/// What the CI script that posted a hook hears back (the body of
/// `POST /hooks/deploy`'s 202): which deploy it updated, its status, the
/// channels holding a message about it, a note when no channel watches it
/// or nothing changed, and the environment's lock if it is held. Members in
/// name order, as scripts have always read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookAnswer {
    pub channels: Vec<String>,
    pub deploy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock: Option<LockStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub ok: bool,
    pub status: DeployStatus,
}

/// What a CI hook decides: its changes and messages, and its answer.
pub type HookOutcome = crate::Outcome<Change, HookAnswer>;

/// A CI hook: [`on_update`] of its `update` ([`DeployUpdate::from_hook`]
/// of `hook`, which also names the record and lock to load), answered with
/// a [`HookAnswer`]. `existing`, `channels` and `lock` are as for
/// [`on_update`].
pub fn on_hook(
    hook: &DeployHook,
    update: &DeployUpdate,
    existing: Option<&DeployRecord>,
    channels: &[String],
    lock: Option<&Lock>,
    now: UnixTime,
) -> HookOutcome {
    let outcome = on_update(existing, update, channels, lock, now);
    let changed = outcome.record().is_some();
    let record = outcome.record().or(existing);
    let channels = record.map(|r| r.channels.clone()).unwrap_or_default();
    let note = if channels.is_empty() {
        Some(format!(
            "no channel watches `{}` in `{}`; add one with `/baton deploys watch {} {}`",
            hook.service, hook.environment, hook.service, hook.environment
        ))
    } else if !changed {
        Some("nothing changed: this deploy already has that status or a later one".to_string())
    } else {
        None
    };
    // A script that deploys through a lock hears about it.
    let lock = Some(LockStatus::of(lock, now)).filter(LockStatus::is_locked);
    let answer = HookAnswer {
        ok: true,
        deploy: update.key.clone(),
        status: record.map_or(update.status, |r| r.status),
        channels,
        note,
        lock,
    };
    outcome.answered(answer)
}

/// What CI reads of an environment's lock (`GET /api/locks/{environment}`):
/// a query, it changes nothing.
pub type LockOutcome = crate::Outcome<Change, LockStatus>;

/// The status of `lock` (the environment's stored lock, expired or not) at
/// `now`.
pub fn lock_status(lock: Option<&Lock>, now: UnixTime) -> LockOutcome {
    crate::Outcome::<Change>::none().answered(LockStatus::of(lock, now))
}

/// Newer information wins where the update has it; the environment, once
/// known, stays.
fn merge(r: &mut DeployRecord, u: &DeployUpdate) {
    fn take(field: &mut Option<String>, new: &Option<String>) {
        if new.is_some() {
            field.clone_from(new);
        }
    }
    if r.environment.is_none() {
        r.environment.clone_from(&u.environment);
    }
    take(&mut r.repo_url, &u.repo_url);
    take(&mut r.git_ref, &u.git_ref);
    take(&mut r.sha, &u.sha);
    take(&mut r.version, &u.version);
    take(&mut r.url, &u.url);
    take(&mut r.log_url, &u.log_url);
    take(&mut r.actor, &u.actor);
    take(&mut r.description, &u.description);
}

/// The lock a successful production deploy went through, if any.
fn locked_by(record: &DeployRecord, lock: Option<&Lock>, now: UnixTime) -> Option<LockedDeploy> {
    let env = record.environment.as_deref()?;
    if !is_production(env) {
        return None;
    }
    let lock = active_lock(lock, now)?;
    (lock_key(&lock.environment) == lock_key(env)).then(|| LockedDeploy {
        by: lock.by.clone(),
        reason: lock.reason.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploys::fixtures;
    use crate::deploys::hook::parse_hook;
    use crate::text::parse_rfc3339;

    const NOW: UnixTime = 1_795_392_000;

    fn channels() -> Vec<String> {
        vec!["C0DEPLOYS".to_string(), "C0PROD".to_string()]
    }

    fn status(state: &str) -> DeployUpdate {
        DeployUpdate::from_deployment_status(&fixtures::deployment_status(state)).unwrap()
    }

    fn text_of(o: &Outbound) -> &str {
        match o {
            Outbound::SlackPost { text, .. } | Outbound::SlackUpdate { text, .. } => text,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn one_post_per_channel_then_updates_in_place() {
        let created = DeployUpdate::from_deployment(&fixtures::deployment()).unwrap();
        let first = on_update(None, &created, &channels(), None, NOW);
        let record = first.record().unwrap();
        assert_eq!(record.status, DeployStatus::Pending);
        assert_eq!(record.channels, channels());
        assert_eq!(first.outbound.len(), 2);
        for (o, channel) in first.outbound.iter().zip(channels()) {
            let Outbound::SlackPost {
                key,
                thread_of,
                channel: c,
                blocks,
                text,
            } = o
            else {
                panic!("{o:?}")
            };
            assert_eq!(c, &channel);
            assert_eq!(
                key.as_deref(),
                Some(
                    format!("deploy:gh-deploy:codertocat/hello-world:145988746:{channel}").as_str()
                )
            );
            assert_eq!(thread_of, &None);
            assert!(blocks.is_some());
            assert!(text.starts_with("⏳"), "{text}");
            assert!(
                text.contains("production") && text.contains("f95f852"),
                "{text}"
            );
        }

        let running = on_update(
            Some(record),
            &status("in_progress"),
            &channels(),
            None,
            NOW + 5,
        );
        let record = running.record().unwrap();
        assert_eq!(record.status, DeployStatus::InProgress);
        assert!(running
            .outbound
            .iter()
            .all(|o| matches!(o, Outbound::SlackUpdate { .. })));
        assert!(text_of(&running.outbound[0]).starts_with("🚀"));

        let done = on_update(Some(record), &status("success"), &channels(), None, NOW + 9);
        let record = done.record().unwrap();
        assert_eq!(record.status, DeployStatus::Success);
        assert_eq!(record.started_at, parse_rfc3339("2019-05-15T15:20:53Z"));
        assert_eq!(record.finished_at, parse_rfc3339("2019-05-15T15:20:55Z"));
        assert_eq!(record.duration(), Some(2));
        assert_eq!(done.outbound.len(), 2);
        let Outbound::SlackUpdate { key, text, .. } = &done.outbound[1] else {
            panic!()
        };
        assert_eq!(
            key,
            "deploy:gh-deploy:codertocat/hello-world:145988746:C0PROD"
        );
        assert!(text.starts_with("✅") && text.contains("2s"), "{text}");
    }

    #[test]
    fn a_channel_that_starts_watching_mid_deploy_gets_a_post() {
        let created = DeployUpdate::from_deployment(&fixtures::deployment()).unwrap();
        let record = on_update(None, &created, &channels()[..1], None, NOW)
            .record()
            .cloned()
            .unwrap();
        let out = on_update(Some(&record), &status("queued"), &channels(), None, NOW);
        let kinds: Vec<_> = out
            .outbound
            .iter()
            .map(|o| matches!(o, Outbound::SlackPost { .. }))
            .collect();
        assert_eq!(kinds, vec![false, true]);
        assert_eq!(out.record().unwrap().channels, channels());
    }

    #[test]
    fn late_in_progress_after_success_changes_nothing() {
        let done = on_update(None, &status("success"), &channels(), None, NOW)
            .record()
            .cloned()
            .unwrap();
        for late in [
            "in_progress",
            "queued",
            "pending",
            "failure",
            "error",
            "inactive",
            "success",
        ] {
            let out = on_update(Some(&done), &status(late), &channels(), None, NOW + 60);
            assert_eq!(out, Outcome::none(), "{late}");
        }
        let created = DeployUpdate::from_deployment(&fixtures::deployment()).unwrap();
        assert_eq!(
            on_update(Some(&done), &created, &channels(), None, NOW),
            Outcome::none()
        );
    }

    #[test]
    fn queued_after_in_progress_is_ignored_and_redelivery_is_silent() {
        let running = on_update(None, &status("in_progress"), &channels(), None, NOW)
            .record()
            .cloned()
            .unwrap();
        assert_eq!(
            on_update(
                Some(&running),
                &status("queued"),
                &channels(),
                None,
                NOW + 1
            ),
            Outcome::none()
        );
        assert_eq!(
            on_update(
                Some(&running),
                &status("in_progress"),
                &channels(),
                None,
                NOW + 1
            ),
            Outcome::none()
        );
    }

    #[test]
    fn an_unknown_deploy_turning_inactive_is_not_news() {
        assert_eq!(
            on_update(None, &status("inactive"), &channels(), None, NOW),
            Outcome::none()
        );
        let running = on_update(None, &status("in_progress"), &channels(), None, NOW)
            .record()
            .cloned()
            .unwrap();
        let out = on_update(Some(&running), &status("inactive"), &channels(), None, NOW);
        assert_eq!(out.record().unwrap().status, DeployStatus::Inactive);
        assert!(text_of(&out.outbound[0]).starts_with("💤"));
    }

    proptest::proptest! {
        /// Over any order of statuses: the rank never drops, the first
        /// terminal status is final, and each channel gets exactly one post.
        #[test]
        fn status_never_moves_backwards(states in proptest::collection::vec(0usize..7, 1..12)) {
            const STATES: [&str; 7] =
                ["pending", "queued", "in_progress", "success", "failure", "error", "inactive"];
            let mut record: Option<DeployRecord> = None;
            let mut first_terminal: Option<DeployStatus> = None;
            let mut posts = 0;
            for (i, s) in states.iter().enumerate() {
                let u = status(STATES[*s]);
                let out = on_update(record.as_ref(), &u, &channels(), None, NOW + i as i64);
                posts += out.outbound.iter().filter(|o| matches!(o, Outbound::SlackPost { thread_of: None, .. })).count();
                if let Some(new) = out.record().cloned() {
                    if let Some(old) = &record {
                        proptest::prop_assert!(new.status.rank() >= old.status.rank());
                        proptest::prop_assert!(!old.status.is_terminal());
                    }
                    if new.status.is_terminal() && first_terminal.is_none() {
                        first_terminal = Some(new.status);
                    }
                    record = Some(new);
                }
            }
            if let (Some(r), Some(t)) = (&record, first_terminal) {
                proptest::prop_assert_eq!(r.status, t);
            }
            proptest::prop_assert_eq!(posts, if record.is_some() { channels().len() } else { 0 });
        }
    }

    #[test]
    fn nobody_watching_stores_nothing() {
        assert_eq!(
            on_update(None, &status("success"), &[], None, NOW),
            Outcome::none()
        );
    }

    fn failed_hook(log_tail: Option<String>) -> DeployUpdate {
        let mut body = serde_json::json!({
            "service": "checkout-api", "environment": "staging", "version": "v2.14.1",
            "status": "failed", "url": "https://ci.example.com/builds/8812", "deploy_id": "8812"
        });
        if let Some(t) = log_tail {
            body["log_tail"] = t.into();
        }
        DeployUpdate::from_hook(&parse_hook(&serde_json::to_vec(&body).unwrap()).unwrap())
    }

    #[test]
    fn failure_replies_in_the_thread_with_the_cut_log_tail() {
        let started = {
            let mut u = failed_hook(None);
            u.status = DeployStatus::InProgress;
            u
        };
        let record = on_update(None, &started, &channels()[..1], None, NOW)
            .record()
            .cloned()
            .unwrap();
        assert_eq!(record.key, "hook:checkout-api:staging:8812");
        let log: String = (1..=400)
            .map(|i| format!("[{i:03}] npm ERR! peer <react@^18>\n"))
            .collect();
        let out = on_update(
            Some(&record),
            &failed_hook(Some(log.clone())),
            &channels()[..1],
            None,
            NOW + 95,
        );
        assert_eq!(out.outbound.len(), 2);
        assert!(text_of(&out.outbound[0]).starts_with("❌"));
        assert!(
            text_of(&out.outbound[0]).contains("1m 35s"),
            "{}",
            text_of(&out.outbound[0])
        );
        let Outbound::SlackPost {
            thread_of,
            key,
            blocks,
            ..
        } = &out.outbound[1]
        else {
            panic!()
        };
        assert_eq!(
            thread_of.as_deref(),
            Some("deploy:hook:checkout-api:staging:8812:C0DEPLOYS")
        );
        assert_eq!(
            key.as_deref(),
            Some("deploy:hook:checkout-api:staging:8812:C0DEPLOYS:log")
        );
        let blocks = blocks.as_ref().unwrap().as_array().unwrap();
        let code = blocks
            .iter()
            .find_map(|b| b["text"]["text"].as_str().filter(|t| t.starts_with("```")))
            .unwrap();
        assert!(code.chars().count() <= 3000);
        assert!(code.lines().count() <= 52, "{}", code.lines().count());
        assert!(code.contains("[400] npm ERR!"), "the last line is kept");
        assert!(code.contains("&lt;react@^18&gt;"), "log text is escaped");
        let note = serde_json::to_string(blocks).unwrap();
        assert!(note.contains("earlier characters cut"), "{note}");
        // 400 lines of 32 characters (newline included): the last 50 are kept.
        assert!(note.contains("… 11,200 earlier characters cut"), "{note}");
        // A failure seen again (redelivery) does not reply twice.
        let failed = out.record().unwrap();
        assert_eq!(
            on_update(
                Some(failed),
                &failed_hook(Some(log)),
                &channels()[..1],
                None,
                NOW + 99
            ),
            Outcome::none()
        );
    }

    #[test]
    fn failure_without_a_log_tail_links_the_logs() {
        let out = on_update(None, &failed_hook(None), &channels()[..1], None, NOW);
        let reply = text_of(&out.outbound[1]);
        assert!(
            reply.contains("https://ci.example.com/builds/8812"),
            "{reply}"
        );
        // No tail and no link: no thread reply.
        let mut bare = failed_hook(None);
        bare.log_url = None;
        assert_eq!(
            on_update(None, &bare, &channels()[..1], None, NOW)
                .outbound
                .len(),
            1
        );
    }

    fn prod_lock(env: &str) -> Lock {
        Lock {
            environment: env.into(),
            by: "U024BE7LH".into(),
            reason: Some("database migration".into()),
            since: NOW - 600,
            expires_at: NOW + 3600,
            channel: "C0DEPLOYS".into(),
        }
    }

    #[test]
    fn a_production_deploy_through_a_lock_is_flagged() {
        let lock = prod_lock("Production");
        let out = on_update(None, &status("success"), &channels(), Some(&lock), NOW);
        let record = out.record().unwrap();
        assert_eq!(
            record.locked,
            Some(LockedDeploy {
                by: "U024BE7LH".into(),
                reason: Some("database migration".into())
            })
        );
        let text = text_of(&out.outbound[0]);
        assert!(
            text.contains("⚠️ deployed while locked by <@U024BE7LH>: database migration"),
            "{text}"
        );
        let blocks = serde_json::to_string(&out.outbound[0]).unwrap();
        assert!(
            blocks.contains("deployed while locked by <@U024BE7LH>"),
            "{blocks}"
        );

        // Expired lock, a failed deploy, or another lock's environment: no flag.
        let expired = on_update(
            None,
            &status("success"),
            &channels(),
            Some(&lock),
            NOW + 3600,
        );
        assert_eq!(expired.record().unwrap().locked, None);
        let failed = on_update(None, &status("failure"), &channels(), Some(&lock), NOW);
        assert_eq!(failed.record().unwrap().locked, None);
        let other = on_update(
            None,
            &status("success"),
            &channels(),
            Some(&prod_lock("staging")),
            NOW,
        );
        assert_eq!(other.record().unwrap().locked, None);
    }

    #[test]
    fn a_staging_deploy_through_a_staging_lock_is_not_flagged() {
        let mut u = status("success");
        u.environment = Some("staging".into());
        let out = on_update(None, &u, &channels(), Some(&prod_lock("staging")), NOW);
        assert_eq!(out.record().unwrap().locked, None);
    }

    #[test]
    fn record_round_trips_as_json() {
        let record = on_update(None, &status("success"), &channels(), None, NOW)
            .record()
            .cloned()
            .unwrap();
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(serde_json::from_str::<DeployRecord>(&json).unwrap(), record);
    }
}
