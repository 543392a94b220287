//! What a pull request's text asks of the rotation: an `r? @login` or
//! `r? @org/team` line in its description or in a comment ([`review_request`]),
//! and whether its author is a bot ([`is_bot`]), whose pull requests get no
//! reviewer unless the channel says so.
//!
//! Only what a reader sees counts: a line inside a fenced code block, an
//! inline code span, a `>` quote, an indented code block or an HTML comment
//! (a pull request template's hint) asks nothing.

use std::fmt;

use super::codeowners::Team;

/// Whom an `r?` line names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewTarget {
    /// `r? @login`, the login as written.
    User(String),
    /// `r? @org/team`: one of the rotation's members in that team.
    Team(Team),
}

impl fmt::Display for ReviewTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReviewTarget::User(login) => write!(f, "@{login}"),
            ReviewTarget::Team(team) => write!(f, "@{team}"),
        }
    }
}

/// The first `r? @login` or `r? @org/team` line of `text` (`r?` in either
/// case, at the start of the line), outside code, quotes and comments.
pub fn review_request(text: &str) -> Option<ReviewTarget> {
    visible_lines(text).find_map(|line| request_on_line(&line))
}

/// `r? @who` alone at the start of a line, followed by nothing or by
/// whitespace or punctuation.
fn request_on_line(line: &str) -> Option<ReviewTarget> {
    let line = line.trim();
    let rest = line
        .strip_prefix("r?")
        .or_else(|| line.strip_prefix("R?"))?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let word = rest.split_whitespace().next()?;
    let handle = word
        .strip_prefix('@')?
        .trim_end_matches(['.', ',', ';', ':', '!', ')']);
    if handle.starts_with('@') {
        return None;
    }
    if handle.contains('/') {
        return Team::parse(handle).map(ReviewTarget::Team);
    }
    crate::text::parse_github_login(handle).map(ReviewTarget::User)
}

/// The lines a reader sees as prose: fenced and indented code blocks,
/// quotes and HTML comments removed, inline code spans blanked.
fn visible_lines(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut fence: Option<String> = None;
    let mut in_comment = false;
    text.lines().filter_map(move |raw| {
        let trimmed = raw.trim_start();
        if let Some(marker) = &fence {
            if trimmed.starts_with(marker.as_str()) {
                fence = None;
            }
            return None;
        }
        let indent = raw.len() - trimmed.len();
        let opens_fence = ["```", "~~~"]
            .into_iter()
            .find(|marker| trimmed.starts_with(marker));
        if let (Some(marker), false, true) = (opens_fence, in_comment, indent < 4) {
            fence = Some(marker.to_string());
            return None;
        }
        let mut line = String::new();
        let mut rest = raw;
        loop {
            if in_comment {
                match rest.find("-->") {
                    Some(end) => {
                        rest = &rest[end + 3..];
                        in_comment = false;
                    }
                    None => break,
                }
            } else {
                match rest.find("<!--") {
                    Some(start) => {
                        line.push_str(&rest[..start]);
                        rest = &rest[start + 4..];
                        in_comment = true;
                    }
                    None => {
                        line.push_str(rest);
                        break;
                    }
                }
            }
        }
        let shown = line.trim_start();
        let indented_code = line.len() - shown.len() >= 4 || line.starts_with('\t');
        if shown.is_empty() || indented_code || shown.starts_with('>') {
            return None;
        }
        Some(without_code_spans(&line))
    })
}

/// `line` with each inline code span (between backticks) blanked out.
fn without_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(' ');
        } else if in_code {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Is this account a bot: GitHub says `type: "Bot"`, or its login ends in
/// `[bot]` (`dependabot[bot]`, `renovate[bot]`)?
pub fn is_bot(login: &str, account_type: Option<&str>) -> bool {
    account_type.is_some_and(|t| t.eq_ignore_ascii_case("bot"))
        || login.to_ascii_lowercase().ends_with("[bot]")
}
