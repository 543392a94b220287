//! A repository's CODEOWNERS file, read as GitHub reads it: each line is a
//! gitignore-style pattern followed by owners (`@login`, `@org/team` or an
//! e-mail address); the last pattern that matches a path decides its owners,
//! and a pattern with no owners leaves its paths unowned.
//!
//! The patterns follow gitignore with GitHub's exceptions: no `!` negation,
//! no `[ ]` ranges, and no `\#` escape of a leading `#` (a line using one
//! is malformed). A pattern anchors to the root when it starts with `/` or
//! has a `/` before its end; otherwise it matches at any depth. `*` and `?`
//! never cross a `/`; `**/` matches any leading directories, `/**/` zero or
//! more directories in between, a trailing `/**` (or `/`) everything inside
//! a directory. A pattern matches a path or any directory above it, except
//! that a last segment of a lone `*` (`docs/*`) matches only the files
//! directly there. Paths are case-sensitive; owners' logins are not.
//!
//! [`Codeowners::parse`] skips a malformed line and returns it as a
//! [`Problem`], so one bad line never hides the rest of the file.

use std::collections::BTreeSet;
use std::fmt;

/// A GitHub team, `@org/team` (both parts lower-cased: GitHub's slugs).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Team {
    pub org: String,
    pub slug: String,
}

impl Team {
    /// `org/team` or `@org/team`; `None` unless both parts are valid names.
    pub fn parse(word: &str) -> Option<Team> {
        let (org, slug) = word.strip_prefix('@').unwrap_or(word).split_once('/')?;
        let org_ok = crate::text::parse_github_login(org).is_some_and(|o| !o.ends_with("[bot]"));
        let slug_ok = !slug.is_empty()
            && slug.len() <= 100
            && slug
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        (org_ok && slug_ok && !org.starts_with('@')).then(|| Team {
            org: org.to_ascii_lowercase(),
            slug: slug.to_ascii_lowercase(),
        })
    }
}

impl fmt::Display for Team {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.org, self.slug)
    }
}

/// One owner named on a CODEOWNERS line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Owner {
    /// `@login`, as written.
    User(String),
    /// `@org/team`.
    Team(Team),
    /// An e-mail address (GitHub maps it to an account; Baton cannot, so
    /// it never matches a rotation member).
    Email(String),
}

impl Owner {
    fn parse(word: &str) -> Option<Owner> {
        if let Some(handle) = word.strip_prefix('@') {
            if handle.starts_with('@') {
                return None;
            }
            if handle.contains('/') {
                return Team::parse(handle).map(Owner::Team);
            }
            return crate::text::parse_github_login(handle).map(Owner::User);
        }
        let (local, domain) = word.split_once('@')?;
        let plausible = !local.is_empty() && domain.contains('.') && !domain.contains('@');
        plausible.then(|| Owner::Email(word.to_string()))
    }
}

/// A line of the file that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line number.
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// One segment of a pattern, between slashes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// `**` at the start or in the middle: zero or more directories.
    AnyDirs,
    /// `**` at the end (or a trailing `/`): everything inside, at any depth.
    Inside,
    /// A lone `*`: any one name.
    Star,
    /// A name, possibly with `*`, `?` and `\`-escapes.
    Name(String),
}

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    segments: Vec<Segment>,
    /// The last segment is a name: a directory it matches owns everything
    /// inside too.
    covers_inside: bool,
}

impl Pattern {
    fn parse(text: &str) -> Result<Pattern, String> {
        if text.starts_with('!') {
            return Err("`!` negation is not supported in CODEOWNERS".into());
        }
        if text.starts_with("\\#") {
            return Err("escaping a leading `#` with `\\` is not supported in CODEOWNERS".into());
        }
        if text.contains('[') || text.contains(']') {
            return Err("`[ ]` character ranges are not supported in CODEOWNERS".into());
        }
        if text.contains("***") {
            return Err("a pattern cannot have three asterisks in a row".into());
        }
        if text.contains("//") {
            return Err("a pattern cannot have an empty directory (`//`)".into());
        }
        let anchored_by_slash = text.starts_with('/');
        let body = text.trim_start_matches('/');
        if body.is_empty() {
            return Err("the pattern `/` matches nothing".into());
        }
        let dir_only = body.ends_with('/');
        let body = body.trim_end_matches('/');
        let words: Vec<&str> = body.split('/').collect();
        let anchored = anchored_by_slash || words.len() > 1;
        let mut segments = Vec::with_capacity(words.len() + 2);
        if !anchored && words[0] != "**" {
            segments.push(Segment::AnyDirs);
        }
        for (i, word) in words.iter().enumerate() {
            let last = i + 1 == words.len();
            segments.push(match *word {
                "**" if last => Segment::Inside,
                "**" => Segment::AnyDirs,
                "*" => Segment::Star,
                name => Segment::Name(name.to_string()),
            });
        }
        if dir_only && segments.last() != Some(&Segment::Inside) {
            segments.push(Segment::Inside);
        }
        let covers_inside = matches!(segments.last(), Some(Segment::Name(_)));
        Ok(Pattern {
            segments,
            covers_inside,
        })
    }

    /// Does this pattern match the file at `path` (`a/b/c.rs`, no leading
    /// slash)?
    fn matches(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        if parts.is_empty() {
            return false;
        }
        if self.covers_inside {
            (1..=parts.len()).any(|end| match_segments(&self.segments, &parts[..end]))
        } else {
            match_segments(&self.segments, &parts)
        }
    }
}

/// Do `segments` match all of `parts`? Dynamic programming over (segment,
/// part) positions, so a pattern full of `**` stays linear in each.
fn match_segments(segments: &[Segment], parts: &[&str]) -> bool {
    let (s_len, p_len) = (segments.len(), parts.len());
    // fits[i][j]: segments[i..] match parts[j..].
    let mut fits = vec![vec![false; p_len + 1]; s_len + 1];
    fits[s_len][p_len] = true;
    for i in (0..s_len).rev() {
        for j in (0..=p_len).rev() {
            let rest = j < p_len;
            fits[i][j] = match &segments[i] {
                Segment::Inside => rest,
                Segment::AnyDirs => fits[i + 1][j] || (rest && fits[i][j + 1]),
                Segment::Star => rest && !parts[j].is_empty() && fits[i + 1][j + 1],
                Segment::Name(name) => rest && glob(name, parts[j]) && fits[i + 1][j + 1],
            };
        }
    }
    fits[0][0]
}

/// Match one path segment against a name with `*` (any run), `?` (one
/// character) and `\x` (a literal `x`).
pub(super) fn glob(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    // Where the last `*` was, and how much of the name it has taken.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
                continue;
            }
            Some('?') => {
                p += 1;
                n += 1;
                continue;
            }
            Some('\\') if pattern.get(p + 1) == Some(&name[n]) => {
                p += 2;
                n += 1;
                continue;
            }
            Some(&c) if c != '\\' && c == name[n] => {
                p += 1;
                n += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((star_at, taken)) => {
                star = Some((star_at, taken + 1));
                p = star_at + 1;
                n = taken + 1;
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// One usable line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    pattern: Pattern,
    owners: Vec<Owner>,
}

/// A parsed CODEOWNERS file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Codeowners {
    rules: Vec<Rule>,
}

impl Codeowners {
    /// Read a CODEOWNERS file. Blank lines and `#` comments (whole-line or
    /// after the owners) are skipped; so is each malformed line, which is
    /// returned as a [`Problem`].
    pub fn parse(text: &str) -> (Codeowners, Vec<Problem>) {
        let mut rules = Vec::new();
        let mut problems = Vec::new();
        for (index, line) in text.lines().enumerate() {
            match parse_line(line) {
                Ok(Some(rule)) => rules.push(rule),
                Ok(None) => {}
                Err(reason) => problems.push(Problem {
                    line: index + 1,
                    reason,
                }),
            }
        }
        (Codeowners { rules }, problems)
    }

    /// The owners of the file at `path`: those of the last line whose
    /// pattern matches it; none when no line does or that line names none.
    pub fn owners_of(&self, path: &str) -> &[Owner] {
        let path = path.trim_start_matches('/');
        self.rules
            .iter()
            .rev()
            .find(|rule| rule.pattern.matches(path))
            .map_or(&[], |rule| &rule.owners)
    }

    /// Everyone owning at least one of `paths`.
    pub fn owners_of_any<'a>(&self, paths: impl IntoIterator<Item = &'a str>) -> BTreeSet<Owner> {
        paths
            .into_iter()
            .flat_map(|path| self.owners_of(path).iter().cloned())
            .collect()
    }

    /// How many usable lines the file has.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// One line: `Ok(None)` for a blank line or a comment.
fn parse_line(line: &str) -> Result<Option<Rule>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let mut words = split_words(line).into_iter();
    let Some(pattern_text) = words.next() else {
        return Ok(None);
    };
    let pattern = Pattern::parse(&pattern_text)?;
    let mut owners = Vec::new();
    for word in words {
        if word.starts_with('#') {
            break;
        }
        match Owner::parse(&word) {
            Some(owner) => owners.push(owner),
            None => {
                let shown: String = word.chars().take(60).collect();
                return Err(format!(
                    "`{shown}` is not an owner: write `@login`, `@org/team` or an e-mail address"
                ));
            }
        }
    }
    Ok(Some(Rule { pattern, owners }))
}

/// Split on unescaped whitespace; `\ ` keeps a space inside a pattern (and
/// is unescaped; other escapes stay for the pattern to read).
fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|n| n.is_whitespace()) => {
                word.push(chars.next().unwrap_or(' '));
            }
            c if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}
