//! Tests of `deploys/render.rs`.

use crate::blocks::SECTION_TEXT_LIMIT;
use crate::deploys::render::*;
use crate::Mrkdwn;

#[test]
fn large_numbers_get_thousands_separators() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1234), "1,234");
    assert_eq!(thousands(1_234_567), "1,234,567");
}

#[test]
fn a_short_log_is_kept_whole() {
    let (tail, cut) = log_excerpt("Step 1\r\nStep 2\n\x1b[31mError: boom\x1b[0m\n\n");
    assert_eq!(tail, "Step 1\nStep 2\nError: boom");
    assert_eq!(cut, 0);
}

#[test]
fn a_long_single_line_keeps_the_last_characters() {
    let log = format!("{}END", "a".repeat(10_000));
    let (tail, cut) = log_excerpt(&log);
    assert_eq!(tail.chars().count(), LOG_TAIL_CHARS);
    assert!(tail.ends_with("END"));
    assert_eq!(cut, 10_003 - LOG_TAIL_CHARS);
}

#[test]
fn many_lines_keep_the_last_fifty() {
    let log: String = (1..=120).map(|i| format!("line {i}\n")).collect();
    let (tail, cut) = log_excerpt(&log);
    assert_eq!(tail.lines().count(), LOG_TAIL_LINES);
    assert!(tail.starts_with("line 71\n") && tail.ends_with("line 120"));
    let dropped: usize = (1..=70).map(|i| format!("line {i}\n").len()).sum();
    assert_eq!(cut, dropped);
}

#[test]
fn long_lines_start_at_a_line_boundary_and_escape_within_budget() {
    let log: String = (0..100)
        .map(|i| format!("{i}: <{}>\n", "x".repeat(90)))
        .collect();
    let (tail, cut) = log_excerpt(&log);
    assert!(tail.lines().next().unwrap().ends_with('>'));
    assert!(tail.lines().all(|l| l.contains(": <")), "whole lines only");
    assert!(cut > 0);
    let section = Mrkdwn::code_block(&format!("\n{tail}\n"));
    assert!(section.char_count() <= SECTION_TEXT_LIMIT);
    assert!(
        section.char_count() > SECTION_TEXT_LIMIT - 200,
        "uses the room"
    );
}

proptest::proptest! {
    /// Any log fits Slack's section and line limits, and the cut count
    /// never exceeds the (cleaned) log.
    #[test]
    fn any_log_fits(log in "(?s)[a-z<>&`\n\r é]{0,6000}") {
        let (tail, cut) = log_excerpt(&log);
        let section = Mrkdwn::code_block(&format!("\n{tail}\n"));
        proptest::prop_assert!(section.char_count() <= SECTION_TEXT_LIMIT);
        proptest::prop_assert!(tail.lines().count() <= LOG_TAIL_LINES);
        let inner = &section[3..section.len() - 3];
        proptest::prop_assert!(!inner.contains("``"));
        let cleaned = log.replace('\r', "");
        proptest::prop_assert!(cut <= cleaned.trim_end().chars().count());
    }
}

#[test]
fn backtick_runs_cannot_close_the_fence() {
    let (tail, _) = log_excerpt("echo ```done```");
    let block = Mrkdwn::code_block(&tail);
    let inner = &block[3..block.len() - 3];
    assert!(!inner.contains("``"), "{inner}");
}
