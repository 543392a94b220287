//! The `/baton errors …` subcommands: their table, their parser, and the
//! subscription filters they carry (validated here, so a bad regex or an
//! unknown level is a usage error that changes nothing); also the matcher
//! compiled from a stored subscription's filters (same regex rules).

use regex::{Regex, RegexBuilder};

use super::fingerprint::is_fingerprint;
use super::records::{SubscriptionFilters, Trigger};
use super::report::{ErrorReport, Level};
use crate::subcommand::{CommandSpec, UsageError};
use crate::text::{format_duration, parse_duration};

/// Compiled size limit of a subscription's `match` regex.
const REGEX_SIZE_LIMIT: usize = 256 * 1024;
/// Longest `match` pattern accepted (characters).
const MAX_PATTERN_CHARS: usize = 200;
/// Shortest and longest digest period.
const MIN_DIGEST_SECS: i64 = 60;
const MAX_DIGEST_SECS: i64 = 7 * 86_400;
/// Longest mute.
const MAX_MUTE_SECS: i64 = 90 * 86_400;
/// The most sightings a `when=` trigger may wait for.
const MAX_TRIGGER_COUNT: u32 = 1_000;
/// The longest window of a `when=` trigger.
const MAX_TRIGGER_SECS: i64 = 7 * 86_400;

/// The typed names of this feature's subcommands; [`COMMANDS`] gives each
/// its words, help and rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Name {
    Subscribe,
    Unsubscribe,
    List,
    Mute,
    Unmute,
    Resolve,
    Dsn,
    RevokeDsn,
}

/// The `/baton` subcommands of this feature.
pub const COMMANDS: &[(Name, CommandSpec)] = &[
    (
        Name::Subscribe,
        CommandSpec {
        name: "errors subscribe",
        args:
            "[service=<name>] [env=<name>] [level=<min level>] [match=<regex>] [digest=<duration> | when=<N>/<duration>]",
        summary: "Send error reports to this channel (default: everything at `error` and above, each error at its first sighting; when=5/10m: once seen 5 times within 10 minutes)",
        admin_only: true,
        read_only: false,
        example:
            "errors subscribe service=api env=production level=warning match=(?i)timeout digest=1h",
    },
    ),
    (
        Name::Unsubscribe,
        CommandSpec {
        name: "errors unsubscribe",
        args: "<id|all>",
        summary: "Remove one of this channel's error subscriptions, or all of them",
        admin_only: true,
        read_only: false,
        example: "errors unsubscribe all",
    },
    ),
    (
        Name::List,
        CommandSpec {
        name: "errors list",
        args: "",
        summary: "Show this channel's error subscriptions and their ids",
        admin_only: false,
        read_only: true,
        example: "errors list",
    },
    ),
    (
        Name::Mute,
        CommandSpec {
        name: "errors mute",
        args: "<fingerprint> [for <duration>]",
        summary: "Stop posting an error (everywhere), for a while or until unmuted",
        admin_only: false,
        read_only: false,
        example: "errors mute 85944171f73967e8 for 4h",
    },
    ),
    (
        Name::Unmute,
        CommandSpec {
        name: "errors unmute",
        args: "<fingerprint>",
        summary: "Post an error again",
        admin_only: false,
        read_only: false,
        example: "errors unmute 85944171f73967e8",
    },
    ),
    (
        Name::Resolve,
        CommandSpec {
        name: "errors resolve",
        args: "<fingerprint> [next-release]",
        summary: "Mark an error resolved; if it comes back it is posted as a regression (next-release: quiet in the release it was last seen in, a regression from any other)",
        admin_only: false,
        read_only: false,
        example: "errors resolve 85944171f73967e8",
    },
    ),
    (
        Name::Dsn,
        CommandSpec {
        name: "errors dsn",
        args: "<service>",
        summary: "Make (or show) the Sentry DSN whose SDK events are reported as this service",
        admin_only: true,
        read_only: false,
        example: "errors dsn checkout",
    },
    ),
    (
        Name::RevokeDsn,
        CommandSpec {
        name: "errors dsn revoke",
        args: "<service>",
        summary: "Revoke a service's Sentry DSN: SDKs using it are refused",
        admin_only: true,
        read_only: false,
        example: "errors dsn revoke checkout",
    },
    ),
];

/// Which reports an `errors subscribe` asks for, as parsed. Stored
/// subscriptions hold their own [`SubscriptionFilters`] (the record form),
/// made from this by `From`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filters {
    /// Exact service name (case-insensitive).
    pub service: Option<String>,
    /// Exact environment name (case-insensitive).
    pub environment: Option<String>,
    /// The lowest level wanted; `error` when not given.
    pub min_level: Option<Level>,
    /// A regex the message must match (case-insensitive).
    pub pattern: Option<String>,
}

impl From<&Filters> for SubscriptionFilters {
    fn from(filters: &Filters) -> Self {
        let Filters {
            service,
            environment,
            min_level,
            pattern,
        } = filters;
        SubscriptionFilters {
            service: service.clone(),
            environment: environment.clone(),
            min_level: *min_level,
            pattern: pattern.clone(),
        }
    }
}

/// Compile a `match` pattern with a size limit (case-insensitive).
pub fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    if pattern.chars().count() > MAX_PATTERN_CHARS {
        return Err(format!(
            "the `match` pattern is longer than {MAX_PATTERN_CHARS} characters"
        ));
    }
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => "the `match` pattern is too big".to_string(),
            other => {
                let text = other.to_string();
                let last = text.lines().last().unwrap_or("").trim().to_string();
                format!("`{pattern}` is not a valid regex: {last}")
            }
        })
}

/// `N/duration` (`5/10m`): at least one sighting, a window of at least a
/// second; the message names what is wrong.
fn parse_trigger(text: &str) -> Result<Trigger, String> {
    let usage = "write `when=<N>/<duration>`, e.g. `when=5/10m` (5 times within 10 minutes)";
    let Some((count, window)) = text.split_once('/') else {
        return Err(format!("`when={text}`: {usage}"));
    };
    let count = match count.parse::<u32>() {
        Ok(n) if (1..=MAX_TRIGGER_COUNT).contains(&n) => n,
        _ => {
            return Err(format!(
                "`when={text}`: the count must be a whole number from 1 to {MAX_TRIGGER_COUNT}"
            ))
        }
    };
    let window_secs = match parse_duration(window) {
        Some(secs) if secs > 0 && secs <= MAX_TRIGGER_SECS => secs,
        Some(_) => {
            return Err(format!(
                "`when={text}`: the window must be at most {}",
                format_duration(MAX_TRIGGER_SECS)
            ))
        }
        None => {
            return Err(format!(
                "`when={text}`: `{window}` is not a window; try `30s`, `10m` or `1h`"
            ))
        }
    };
    Ok(Trigger { count, window_secs })
}

/// A stored subscription's filters compiled for matching many reports.
#[derive(Debug, Clone)]
pub struct CompiledFilters {
    service: Option<String>,
    environment: Option<String>,
    min_level: Level,
    pattern: Option<Regex>,
}

impl CompiledFilters {
    /// Compile; a stored pattern that no longer compiles matches nothing.
    pub fn new(filters: &SubscriptionFilters) -> Self {
        CompiledFilters {
            service: filters.service.as_ref().map(|s| s.to_lowercase()),
            environment: filters.environment.as_ref().map(|s| s.to_lowercase()),
            min_level: filters.level(),
            pattern: filters.pattern.as_ref().map(|p| {
                compile_pattern(p).unwrap_or_else(|_| Regex::new(r"[^\s\S]").expect("never"))
            }),
        }
    }

    pub fn matches(&self, report: &ErrorReport) -> bool {
        report.level >= self.min_level
            && self
                .service
                .as_ref()
                .is_none_or(|s| report.service.to_lowercase() == *s)
            && self
                .environment
                .as_ref()
                .is_none_or(|e| report.environment.to_lowercase() == *e)
            && self
                .pattern
                .as_ref()
                .is_none_or(|re| re.is_match(&report.message))
    }
}

/// A parsed subcommand of this feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Subscribe the current channel; `digest` in seconds; `when`: post
    /// an error only once it has been seen N times within a window.
    Subscribe {
        filters: Filters,
        digest: Option<i64>,
        when: Option<Trigger>,
    },
    Unsubscribe(UnsubscribeTarget),
    List,
    /// Mute a fingerprint, for `duration` seconds or until unmuted.
    Mute {
        fingerprint: String,
        duration: Option<i64>,
    },
    Unmute {
        fingerprint: String,
    },
    Resolve {
        fingerprint: String,
    },
    /// `resolve <fingerprint> next-release`.
    ResolveNextRelease {
        fingerprint: String,
    },
    /// Make or show the Sentry DSN of a service (see [`super::dsn`]).
    Dsn {
        service: String,
    },
    RevokeDsn {
        service: String,
    },
}

/// What `errors unsubscribe` removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnsubscribeTarget {
    One(String),
    All,
}

impl Command {
    /// The subcommand's typed name (its entry in [`COMMANDS`]).
    pub fn name(&self) -> Name {
        match self {
            Command::Subscribe { .. } => Name::Subscribe,
            Command::Unsubscribe(_) => Name::Unsubscribe,
            Command::List => Name::List,
            Command::Mute { .. } => Name::Mute,
            Command::Unmute { .. } => Name::Unmute,
            Command::Resolve { .. } | Command::ResolveNextRelease { .. } => Name::Resolve,
            Command::Dsn { .. } => Name::Dsn,
            Command::RevokeDsn { .. } => Name::RevokeDsn,
        }
    }

    /// Its entry in [`COMMANDS`] (a test checks every name has one).
    pub fn spec(&self) -> Option<&'static CommandSpec> {
        crate::subcommand::spec_of(COMMANDS, self.name())
    }

    /// Does it change configuration (admins only)? As [`COMMANDS`] says.
    pub fn admin_only(&self) -> bool {
        self.spec().is_none_or(|spec| spec.admin_only)
    }
}

/// Parse the arguments of the subcommand `name`, described by `spec` (its
/// entry in [`COMMANDS`]).
pub fn parse_args(name: Name, spec: &CommandSpec, args: &[&str]) -> Result<Command, UsageError> {
    let err = |message: String| UsageError::for_spec(spec, message);
    match name {
        Name::Subscribe => {
            let mut filters = Filters::default();
            let mut digest = None;
            let mut when = None;
            for arg in args {
                let Some((key, value)) = arg.split_once('=') else {
                    return Err(err(format!(
                        "`{arg}` is not a filter; write `key=value` (service, env, level, match, digest)"
                    )));
                };
                if value.is_empty() {
                    return Err(err(format!("`{key}=` needs a value")));
                }
                let repeated = || err(format!("`{key}` is given twice"));
                match key.to_ascii_lowercase().as_str() {
                    "service" => {
                        if filters.service.replace(value.to_string()).is_some() {
                            return Err(repeated());
                        }
                    }
                    "env" | "environment" => {
                        if filters.environment.replace(value.to_string()).is_some() {
                            return Err(repeated());
                        }
                    }
                    "level" => {
                        let level =
                            Level::parse(value).ok_or_else(|| err(Level::unknown(value)))?;
                        if filters.min_level.replace(level).is_some() {
                            return Err(repeated());
                        }
                    }
                    "match" => {
                        let pattern = value.to_string();
                        compile_pattern(&pattern).map_err(err)?;
                        if filters.pattern.replace(pattern).is_some() {
                            return Err(repeated());
                        }
                    }
                    "digest" => {
                        let secs = parse_duration(value).ok_or_else(|| {
                            err(format!(
                                "`{value}` is not a duration (try `30m`, `1h`, `1d`)"
                            ))
                        })?;
                        if !(MIN_DIGEST_SECS..=MAX_DIGEST_SECS).contains(&secs) {
                            return Err(err(format!(
                                "a digest period must be between {} and {}",
                                format_duration(MIN_DIGEST_SECS),
                                format_duration(MAX_DIGEST_SECS)
                            )));
                        }
                        if digest.replace(secs).is_some() {
                            return Err(repeated());
                        }
                    }
                    "when" => {
                        let trigger = parse_trigger(value).map_err(err)?;
                        if when.replace(trigger).is_some() {
                            return Err(repeated());
                        }
                    }
                    _ => {
                        return Err(err(format!(
                            "unknown filter `{key}`; use service, env, level, match, digest or when"
                        )))
                    }
                }
            }
            if when.is_some() && digest.is_some() {
                return Err(err(
                    "`when=` and `digest=` do not go together: a digest already counts each error"
                        .into(),
                ));
            }
            Ok(Command::Subscribe {
                filters,
                digest,
                when,
            })
        }
        Name::Unsubscribe => match args {
            [target] if target.eq_ignore_ascii_case("all") => {
                Ok(Command::Unsubscribe(UnsubscribeTarget::All))
            }
            [id] => Ok(Command::Unsubscribe(UnsubscribeTarget::One(
                id.to_ascii_lowercase(),
            ))),
            _ => Err(err(
                "give one subscription id (see `/baton errors list`) or `all`".into(),
            )),
        },
        Name::List => match args {
            [] => Ok(Command::List),
            _ => Err(err("`errors list` takes no arguments".into())),
        },
        Name::Mute => {
            let (fp, rest) = args
                .split_first()
                .ok_or_else(|| err("which fingerprint? It is shown under each error".into()))?;
            let fingerprint = parse_fingerprint(fp).map_err(err)?;
            let duration = match rest {
                [] => None,
                [word, value] if word.eq_ignore_ascii_case("for") => {
                    let secs = parse_duration(value).ok_or_else(|| {
                        err(format!(
                            "`{value}` is not a duration (try `30m`, `4h`, `2d`)"
                        ))
                    })?;
                    if secs > MAX_MUTE_SECS {
                        return Err(err(format!(
                            "mute for at most {}, or leave the duration out",
                            format_duration(MAX_MUTE_SECS)
                        )));
                    }
                    Some(secs)
                }
                _ => return Err(err("after the fingerprint, write `for <duration>`".into())),
            };
            Ok(Command::Mute {
                fingerprint,
                duration,
            })
        }
        Name::Resolve if args.len() == 2 => match args {
            [fp, when] if when.eq_ignore_ascii_case("next-release") => {
                Ok(Command::ResolveNextRelease {
                    fingerprint: parse_fingerprint(fp).map_err(err)?,
                })
            }
            _ => Err(err(
                "after the fingerprint, the one option is `next-release`".into(),
            )),
        },
        Name::Unmute | Name::Resolve => match args {
            [fp] => {
                let fingerprint = parse_fingerprint(fp).map_err(err)?;
                Ok(if name == Name::Unmute {
                    Command::Unmute { fingerprint }
                } else {
                    Command::Resolve { fingerprint }
                })
            }
            _ => Err(err("give exactly one fingerprint".into())),
        },
        Name::Dsn | Name::RevokeDsn => match args {
            [service] if valid_service(service) => {
                let service = service.to_string();
                Ok(if name == Name::Dsn {
                    Command::Dsn { service }
                } else {
                    Command::RevokeDsn { service }
                })
            }
            [service] => Err(err(format!(
                "`{}` is not a service name (letters, digits, `-`, `_` and `.`, at most 100)",
                crate::text::truncate_chars(service, 100)
            ))),
            _ => Err(err("give exactly one service name".into())),
        },
    }
}

/// Is `name` a service name a DSN can be made for?
pub fn valid_service(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn parse_fingerprint(word: &str) -> Result<String, String> {
    let word = word.trim_matches('`').to_ascii_lowercase();
    if is_fingerprint(&word) {
        Ok(word)
    } else {
        Err(format!(
            "`{word}` is not a fingerprint (16 hex digits, shown under each error)"
        ))
    }
}
