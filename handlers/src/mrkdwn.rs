//! Slack mrkdwn that is safe to send: the one way Baton writes message text.
//!
//! A [`Mrkdwn`] can only be made by escaping text (`&`, `<`, `>` become
//! entities), or by the constructors here that validate what they let through:
//! [`Mrkdwn::user`] (`<@U…>`), [`Mrkdwn::channel`] (`<#C…>`) and
//! [`Mrkdwn::link`] (`<https://…|label>`). Baton's own templates, written with
//! the [`mrkdwn!`](crate::mrkdwn!) macro, are escaped too, so a placeholder
//! such as `<environment>` shows in Slack as written. Nothing from outside can
//! therefore mention, link or ping: `<!channel>` in a report reaches Slack as
//! `&lt;!channel&gt;` and shows as typed.
//!
//! Text is cut to Slack's limits by [`Mrkdwn::fit`], which never splits an
//! entity, a link or a mention and closes a code block it cuts into; better
//! still, renderers cut outside text before escaping it
//! ([`Mrkdwn::text_cut`]), so the limit counts what people see.

use serde::{Deserialize, Serialize};

/// Slack mrkdwn in which every piece of outside text is escaped.
///
/// Serialised as the plain string Slack receives. Deserialising is meant
/// for Baton's own outbox records, which were made by this type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Mrkdwn(String);

/// Something that can be written into mrkdwn: strings are escaped, numbers
/// written as they are, and a [`Mrkdwn`] is inserted unchanged.
pub trait Piece {
    fn write_to(&self, out: &mut String);
}

impl Piece for str {
    fn write_to(&self, out: &mut String) {
        escape_into(self, out);
    }
}

impl Piece for String {
    fn write_to(&self, out: &mut String) {
        escape_into(self, out);
    }
}

impl Piece for char {
    fn write_to(&self, out: &mut String) {
        escape_into(self.encode_utf8(&mut [0; 4]), out);
    }
}

impl Piece for Mrkdwn {
    fn write_to(&self, out: &mut String) {
        out.push_str(&self.0);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn write_to(&self, out: &mut String) {
        (**self).write_to(out);
    }
}

macro_rules! number_pieces {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn write_to(&self, out: &mut String) {
                out.push_str(&self.to_string());
            }
        }
    )*};
}
number_pieces!(u8, u16, u32, u64, usize, i32, i64, f64);

/// Build a [`Mrkdwn`] from a template and pieces: `mrkdwn!("*{}* in {}", a, b)`.
///
/// The template takes only `{}` placeholders (checked when compiling) and is
/// escaped like outside text; each piece is written through [`Piece`]: a
/// `&str` or `String` is escaped, a `Mrkdwn` inserted as it is.
#[macro_export]
macro_rules! mrkdwn {
    ($template:literal $(, $piece:expr)* $(,)?) => {{
        const _: () = assert!(
            $crate::mrkdwn::template_fits($template, <[&str]>::len(&[$(stringify!($piece)),*])),
            "a mrkdwn! template takes only `{{}}` placeholders, one per piece"
        );
        $crate::mrkdwn::Mrkdwn::fill($template, &[$(&$piece as &dyn $crate::mrkdwn::Piece),*])
    }};
}

/// Does `template` hold exactly `pieces` `{}` placeholders and no other
/// brace (besides `{{` and `}}`)? Evaluated when compiling by [`mrkdwn!`](crate::mrkdwn!).
pub const fn template_fits(template: &str, pieces: usize) -> bool {
    let bytes = template.as_bytes();
    let mut i = 0;
    let mut found = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if i + 1 < bytes.len() && bytes[i + 1] == b'}' => {
                found += 1;
                i += 2;
            }
            b'{' if i + 1 < bytes.len() && bytes[i + 1] == b'{' => i += 2,
            b'}' if i + 1 < bytes.len() && bytes[i + 1] == b'}' => i += 2,
            b'{' | b'}' => return false,
            _ => i += 1,
        }
    }
    found == pieces
}

/// Escape `&`, `<` and `>` as Slack requires, appending to `out`. Runs of
/// backticks are broken with a zero-width space, so outside text can
/// neither open nor close a code block.
fn escape_into(text: &str, out: &mut String) {
    let mut previous = None;
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '`' if previous == Some('`') => {
                out.push('\u{200B}');
                out.push('`');
            }
            c => out.push(c),
        }
        previous = Some(c);
    }
}

/// Slack's user and channel ids: a capital letter, then capitals and digits.
fn is_slack_id(id: &str, first: &[char]) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if first.contains(&c))
        && (2..=32).contains(&id.len())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

impl Mrkdwn {
    /// No text.
    pub fn new() -> Self {
        Mrkdwn(String::new())
    }

    /// Outside text, escaped.
    pub fn text(outside: &str) -> Self {
        let mut out = String::with_capacity(outside.len());
        escape_into(outside, &mut out);
        Mrkdwn(out)
    }

    /// Outside text cut to `limit` characters as people see them (before
    /// escaping), saying how much was cut, then escaped.
    pub fn text_cut(outside: &str, limit: usize) -> Self {
        Mrkdwn::text(&crate::text::truncate_chars(outside, limit))
    }

    /// Fill a template (see [`mrkdwn!`](crate::mrkdwn!)); the template itself is escaped.
    pub fn fill(template: &str, pieces: &[&dyn Piece]) -> Self {
        let mut out = String::with_capacity(template.len() + 16 * pieces.len());
        let mut pieces = pieces.iter();
        let mut rest = template;
        while let Some(at) = rest.find(['{', '}']) {
            escape_into(&rest[..at], &mut out);
            let brace = &rest[at..];
            if brace.starts_with("{}") {
                if let Some(piece) = pieces.next() {
                    piece.write_to(&mut out);
                }
            } else {
                out.push_str(&brace[..1]);
            }
            rest = &brace[2.min(brace.len())..];
        }
        escape_into(rest, &mut out);
        Mrkdwn(out)
    }

    /// A mention of a Slack user (`<@U123>`), or the id shown as text when
    /// it is not a user id.
    pub fn user(id: &str) -> Self {
        if is_slack_id(id, &['U', 'W', 'B']) {
            Mrkdwn(format!("<@{id}>"))
        } else {
            Mrkdwn::text(id)
        }
    }

    /// A link to a Slack channel (`<#C123>`), or the id shown as text.
    pub fn channel(id: &str) -> Self {
        if is_slack_id(id, &['C', 'G', 'D']) {
            Mrkdwn(format!("<#{id}>"))
        } else {
            Mrkdwn::text(id)
        }
    }

    /// A link `<url|label>`. Only `http` and `https` URLs without spaces
    /// become links (their `<`, `>` and `|` percent-encoded, `&` escaped);
    /// anything else shows the label alone.
    pub fn link(url: &str, label: impl Piece) -> Self {
        let mut label_text = String::new();
        label.write_to(&mut label_text);
        let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
        let scheme_ok = lower.starts_with("https://") || lower.starts_with("http://");
        let chars_ok = !url.chars().any(|c| c.is_whitespace() || c.is_control());
        if !scheme_ok || !chars_ok || url.len() > 3000 {
            return Mrkdwn(label_text);
        }
        let mut out = String::with_capacity(url.len() + label_text.len() + 3);
        out.push('<');
        for c in url.chars() {
            match c {
                '<' => out.push_str("%3C"),
                '>' => out.push_str("%3E"),
                '|' => out.push_str("%7C"),
                '&' => out.push_str("&amp;"),
                c => out.push(c),
            }
        }
        // A label may not hold `|` or `>` unescaped; `>` is escaped already.
        if !label_text.is_empty() {
            out.push('|');
            out.push_str(&label_text.replace('|', "¦"));
        }
        out.push('>');
        Mrkdwn(out)
    }

    /// Inline code: `` `text` ``, on one line, with backticks that would
    /// end it replaced.
    pub fn code(outside: &str) -> Self {
        let flat: String = outside
            .chars()
            .map(|c| match c {
                '`' => 'ˋ',
                '\n' | '\r' => ' ',
                c => c,
            })
            .collect();
        let mut out = String::from("`");
        escape_into(&flat, &mut out);
        out.push('`');
        Mrkdwn(out)
    }

    /// A code block holding `outside` as written. Runs of backticks inside
    /// are broken with a zero-width space so they cannot close the block.
    pub fn code_block(outside: &str) -> Self {
        const ZWSP: char = '\u{200B}';
        let mut body = String::with_capacity(outside.len() + 8);
        let mut previous = None;
        for c in outside.chars() {
            if c == '`' && matches!(previous, Some('`') | None) {
                body.push(ZWSP);
            }
            body.push(c);
            previous = Some(c);
        }
        if body.ends_with('`') {
            body.push(ZWSP);
        }
        let mut out = String::from("```");
        escape_into(&body, &mut out);
        out.push_str("```");
        Mrkdwn(out)
    }

    /// Append a piece (a string is escaped).
    pub fn push(&mut self, piece: impl Piece) {
        piece.write_to(&mut self.0);
    }

    /// Join pieces with a separator (escaped like a template).
    pub fn join<P: Piece>(pieces: impl IntoIterator<Item = P>, separator: &str) -> Self {
        let mut out = Mrkdwn::new();
        for (i, piece) in pieces.into_iter().enumerate() {
            if i > 0 {
                out.push(separator);
            }
            out.push(piece);
        }
        out
    }

    /// Mrkdwn exactly as written, for comparing with what a test expects.
    #[cfg(test)]
    pub(crate) fn expected(sent: &str) -> Self {
        Mrkdwn(sent.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Length in characters, as Slack counts its limits.
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }

    /// Cut to at most `limit` characters, saying so. The cut never falls
    /// inside an entity (`&amp;`), a link or mention (`<…>`), and a code
    /// block it cuts into is closed.
    pub fn fit(self, limit: usize) -> Self {
        if self.char_count() <= limit {
            return self;
        }
        const NOTE: &str = "… [cut]";
        const FENCE: &str = "```";
        let budget = limit.saturating_sub(NOTE.chars().count() + FENCE.len());
        let text = &self.0;
        let mut end = text
            .char_indices()
            .nth(budget)
            .map_or(text.len(), |(at, _)| at);
        // Back out of a `<…>` or an `&…;` that the cut would split.
        let head = &text[..end];
        if let Some(open) = head.rfind('<') {
            if !head[open..].contains('>') {
                end = open;
            }
        }
        let head = &text[..end];
        if let Some(amp) = head.rfind('&') {
            if !head[amp..].contains(';') && head.len() - amp < 8 {
                end = amp;
            }
        }
        let mut out = text[..end].to_string();
        if out.matches(FENCE).count() % 2 == 1 {
            out.push_str(FENCE);
        }
        out.push_str(NOTE);
        Mrkdwn(out)
    }
}

/// Text becomes mrkdwn only escaped: `Mrkdwn::from("a <b>")` shows `a <b>`.
impl From<&str> for Mrkdwn {
    fn from(text: &str) -> Self {
        Mrkdwn::text(text)
    }
}

/// Text becomes mrkdwn only escaped.
impl From<String> for Mrkdwn {
    fn from(text: String) -> Self {
        Mrkdwn::text(&text)
    }
}

/// Read as the string Slack receives (there is no way back in but escaping).
impl std::ops::Deref for Mrkdwn {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Mrkdwn {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Mrkdwn {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl std::fmt::Display for Mrkdwn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Undo Slack's escaping of text it sends Baton (slash-command and mention
/// text arrive with `&amp;`, `&lt;`, `&gt;`), once, so that Baton works on
/// what the person typed and escapes once on the way out.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let (decoded, len) = if tail.starts_with("&amp;") {
            ('&', 5)
        } else if tail.starts_with("&lt;") {
            ('<', 4)
        } else if tail.starts_with("&gt;") {
            ('>', 4)
        } else {
            ('&', 1)
        };
        out.push(decoded);
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

/// How Slack shows some mrkdwn, as plain text for a terminal: mentions
/// `<@U1>` as `@U1`, channels `<#C1>` as `#C1`, links `<url|label>` as
/// `label (url)`, and entities as the characters they stand for. Used by
/// offline mode, which prints what Slack would show.
pub fn plain_view(mrkdwn: &str) -> String {
    let mut out = String::with_capacity(mrkdwn.len());
    let mut rest = mrkdwn;
    while let Some(open) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..open]));
        let tail = &rest[open + 1..];
        let Some(close) = tail.find('>') else {
            out.push_str(&decode_entities(&rest[open..]));
            return out;
        };
        let inner = &tail[..close];
        let (target, label) = match inner.split_once('|') {
            Some((target, label)) => (target, Some(label)),
            None => (inner, None),
        };
        let shown = if let Some(user) = target.strip_prefix('@') {
            format!("@{}", label.unwrap_or(user))
        } else if let Some(channel) = target.strip_prefix('#') {
            format!("#{}", label.unwrap_or(channel))
        } else {
            match label {
                Some(label) => format!("{} ({})", decode_entities(label), decode_entities(target)),
                None => decode_entities(target),
            }
        };
        out.push_str(&shown);
        rest = &tail[close + 1..];
    }
    out.push_str(&decode_entities(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_text_cannot_ping_or_link() {
        let m = Mrkdwn::text("Payment failed <!channel> <@U123> <https://evil|click> & more");
        assert_eq!(
            m.as_str(),
            "Payment failed &lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|click&gt; &amp; more"
        );
    }

    #[test]
    fn templates_escape_themselves_and_their_string_pieces() {
        let service = "web<!here>";
        let m = mrkdwn!("*{}* in `<environment>` {} {{x}}", service, 3u64);
        assert_eq!(
            m.as_str(),
            "*web&lt;!here&gt;* in `&lt;environment&gt;` 3 {x}"
        );
        let inner = Mrkdwn::user("U1");
        assert_eq!(mrkdwn!("by {}", inner).as_str(), "by <@U1>");
    }

    #[test]
    fn mentions_and_links_are_validated() {
        assert_eq!(Mrkdwn::user("U0ABC").as_str(), "<@U0ABC>");
        assert_eq!(Mrkdwn::user("!channel").as_str(), "!channel");
        assert_eq!(Mrkdwn::user("U1>x<!here").as_str(), "U1&gt;x&lt;!here");
        assert_eq!(Mrkdwn::channel("C1").as_str(), "<#C1>");
        assert_eq!(
            Mrkdwn::link("https://ci.example.com/run?a=1&b=<2>|x", "open <it>").as_str(),
            "<https://ci.example.com/run?a=1&amp;b=%3C2%3E%7Cx|open &lt;it&gt;>"
        );
        assert_eq!(Mrkdwn::link("javascript:alert(1)", "x").as_str(), "x");
        assert_eq!(Mrkdwn::link("https://a b", "x").as_str(), "x");
        assert_eq!(
            Mrkdwn::link("https://a|b", "c|d").as_str(),
            "<https://a%7Cb|c¦d>"
        );
    }

    #[test]
    fn outside_text_cannot_open_a_code_block() {
        let m = mrkdwn!("*{}* and `x`", "a ``` b ``");
        assert!(!m.contains("``"), "{m}");
    }

    #[test]
    fn code_blocks_cannot_be_closed_from_inside() {
        let m = Mrkdwn::code_block("a ``` <!channel> ```");
        let inner = m
            .as_str()
            .strip_prefix("```")
            .unwrap()
            .strip_suffix("```")
            .unwrap();
        assert!(!inner.contains("``"), "{inner}");
        assert!(!inner.contains('<'));
        let edge = Mrkdwn::code_block("`x`");
        assert!(!edge.as_str()[3..edge.as_str().len() - 3].contains("``"));
        assert!(!edge.as_str().starts_with("````"));
        assert!(!Mrkdwn::code("a`b\nc").as_str()[1..]
            .trim_end_matches('`')
            .contains('`'));
    }

    #[test]
    fn fit_never_splits_an_entity_or_a_link() {
        for n in 0..40 {
            let text = format!("{}{}", "x".repeat(n), "&amp;".repeat(20));
            let m = Mrkdwn(text).fit(30);
            assert!(m.char_count() <= 30);
            let before_note = m.as_str().trim_end_matches("… [cut]");
            assert!(
                before_note.ends_with("&amp;")
                    || before_note.ends_with('x')
                    || before_note.is_empty(),
                "{before_note}"
            );
        }
        let link = Mrkdwn(format!(
            "{}*{}*",
            "y".repeat(10),
            Mrkdwn::link("https://x.example/a", "t".repeat(50))
        ));
        let cut = link.fit(40);
        assert!(!cut.as_str().contains('<'), "{cut}");
        let code = Mrkdwn::code_block(&"z".repeat(100)).fit(50);
        assert_eq!(code.as_str().matches("```").count(), 2);
    }

    #[test]
    fn slack_entities_decode_once() {
        assert_eq!(
            decode_entities("release freeze &amp; &lt;b&gt; &amp;lt;"),
            "release freeze & <b> &lt;"
        );
        assert_eq!(decode_entities("a & b"), "a & b");
    }

    #[test]
    fn plain_view_shows_what_slack_shows() {
        let m = mrkdwn!(
            "{} deployed {} ==> {}",
            Mrkdwn::user("U1"),
            Mrkdwn::link("https://x.example/a?b=1&c=2", "v1 <rc>"),
            "<!channel>"
        );
        assert_eq!(
            plain_view(&m),
            "@U1 deployed v1 <rc> (https://x.example/a?b=1&c=2) ==> <!channel>"
        );
    }

    #[test]
    fn a_template_fits_only_its_number_of_plain_placeholders() {
        assert!(template_fits("a {} b {}", 2));
        assert!(template_fits("{{}}", 0));
        assert!(!template_fits("{x}", 0));
        assert!(!template_fits("{}", 0));
        assert!(!template_fits("{:02}", 1));
    }
}
