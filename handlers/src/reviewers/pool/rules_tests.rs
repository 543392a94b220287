//! Tests of picking under [`PickRules`]: code owners (or a requested team)
//! first, caps on open reviews, and the rotation left as it was.

use super::*;
use proptest::prelude::*;

const NOW: UnixTime = 1_795_392_000; // 2026-11-23
const OUTSIDER: &str = "torvalds";

fn pool_of(logins: &[&str]) -> Pool {
    let mut pool = Pool::new("C024BE91L");
    for login in logins {
        pool.add_member(login, &People::default(), NOW);
    }
    pool
}

fn preferring(logins: &[&str]) -> PickRules {
    PickRules {
        preferred: logins.iter().map(|l| login_key(l)).collect(),
        ..PickRules::default()
    }
}

fn capped(cap: u32, open: &[(&str, u32)]) -> PickRules {
    PickRules {
        cap: Some(cap),
        open_reviews: Some(open.iter().map(|(l, n)| (login_key(l), *n)).collect()),
        ..PickRules::default()
    }
}

fn pick(pool: &mut Pool, wanted: usize, rules: &PickRules) -> Vec<String> {
    pool.pick_reviewers_with(OUTSIDER, &[], wanted, &People::default(), NOW, rules)
}

#[test]
fn an_owner_is_picked_first_even_out_of_turn_and_the_turn_stays() {
    let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
    // octocat's turn, but monalisa owns the change.
    assert_eq!(pick(&mut pool, 1, &preferring(&["MonaLisa"])), ["monalisa"]);
    // The rotation goes on from where it was: octocat, then hubot.
    assert_eq!(pick(&mut pool, 1, &PickRules::default()), ["octocat"]);
    assert_eq!(pick(&mut pool, 1, &PickRules::default()), ["hubot"]);
}

#[test]
fn owners_go_in_rotation_order_then_the_rest_fill_the_slots() {
    let mut pool = pool_of(&["octocat", "hubot", "monalisa", "defunkt"]);
    assert_eq!(
        pick(&mut pool, 3, &preferring(&["defunkt", "hubot"])),
        ["hubot", "defunkt", "octocat"]
    );
}

#[test]
fn owners_outside_the_rotation_are_not_picked() {
    let mut pool = pool_of(&["octocat", "hubot"]);
    assert_eq!(pick(&mut pool, 1, &preferring(&["mojombo"])), ["octocat"]);
}

#[test]
fn an_owner_away_at_the_cap_or_the_author_gives_way_to_the_rotation() {
    let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
    let mut people = People::default();
    people.away.insert("monalisa".into(), Away { until: None });
    let rules = preferring(&["monalisa"]);
    assert_eq!(
        pool.pick_reviewers_with(OUTSIDER, &[], 1, &people, NOW, &rules),
        ["octocat"]
    );
    let mut rules = capped(1, &[("hubot", 1)]);
    rules.preferred = preferring(&["hubot"]).preferred;
    assert_eq!(pick(&mut pool, 1, &rules), ["monalisa"]);
    let rules = preferring(&["octocat"]);
    assert_eq!(
        pool.pick_reviewers_with("octocat", &[], 1, &People::default(), NOW, &rules),
        ["hubot"]
    );
}

#[test]
fn a_member_at_the_cap_is_skipped_and_nobody_free_picks_nobody() {
    let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
    assert_eq!(pick(&mut pool, 1, &capped(1, &[("octocat", 1)])), ["hubot"]);
    let before = pool.clone();
    let everyone_busy = capped(2, &[("octocat", 2), ("hubot", 3), ("monalisa", 2)]);
    assert!(pick(&mut pool, 1, &everyone_busy).is_empty());
    assert_eq!(pool, before, "a pick of nobody changes nothing");
    // Below the cap, octocat is free again: monalisa's turn after hubot,
    // then octocat's.
    assert_eq!(
        pick(&mut pool, 2, &capped(2, &[("octocat", 1)])),
        ["monalisa", "octocat"]
    );
}

#[test]
fn without_counts_the_cap_reads_the_pools_own() {
    let mut pool = pool_of(&["octocat", "hubot"]);
    pool.member_mut("octocat").unwrap().open_reviews = 1;
    let rules = PickRules {
        cap: Some(1),
        ..PickRules::default()
    };
    assert_eq!(pick(&mut pool, 1, &rules), ["hubot"]);
}

#[test]
fn load_balance_ranks_by_the_counts_given() {
    let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
    pool.mode = Mode::LoadBalance;
    let rules = PickRules {
        open_reviews: Some(
            [
                ("octocat".into(), 2),
                ("hubot".into(), 0),
                ("monalisa".into(), 1),
            ]
            .into(),
        ),
        ..PickRules::default()
    };
    assert_eq!(pick(&mut pool, 2, &rules), ["hubot", "monalisa"]);
}

#[test]
fn preferred_only_picks_nobody_else() {
    let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
    let mut rules = preferring(&["hubot", "monalisa"]);
    rules.preferred_only = true;
    assert_eq!(pick(&mut pool, 3, &rules), ["hubot", "monalisa"]);
    rules.cap = Some(1);
    rules.open_reviews = Some([("hubot".into(), 1), ("monalisa".into(), 4)].into());
    assert!(pick(&mut pool, 1, &rules).is_empty());
}

const LOGINS: [&str; 6] = [
    "octocat", "hubot", "monalisa", "defunkt", "mojombo", "wycats",
];

proptest! {
    /// Whatever the owners, caps and counts: the author is never picked,
    /// nobody at the cap is, an eligible owner always comes before anyone
    /// else, and as many are picked as are free (up to the number wanted).
    #[test]
    fn picks_respect_owners_and_caps(
        size in 1usize..=6,
        wanted in 1usize..=4,
        owners_mask in 0u8..64,
        open in prop::collection::vec(0u32..4, 6),
        cap in prop::option::of(1u32..4),
        author in 0usize..8,
        load_balance in any::<bool>(),
    ) {
        let mut pool = pool_of(&LOGINS[..size]);
        if load_balance {
            pool.mode = Mode::LoadBalance;
        }
        let author = LOGINS.get(author).map_or(OUTSIDER, |l| l);
        let rules = PickRules {
            preferred: LOGINS.iter().enumerate()
                .filter(|(i, _)| owners_mask & (1 << i) != 0)
                .map(|(_, l)| l.to_string())
                .collect(),
            preferred_only: false,
            cap,
            open_reviews: Some(LOGINS.iter().zip(&open).map(|(l, n)| (l.to_string(), *n)).collect()),
        };
        let free = |login: &str| {
            !same_login(login, author) && cap.is_none_or(|c| rules.open_reviews.as_ref().unwrap()[login] < c)
        };
        let picked = pool.pick_reviewers_with(author, &[], wanted, &People::default(), NOW, &rules);
        prop_assert!(picked.iter().all(|p| free(p)), "{:?}", picked);
        let free_members = LOGINS[..size].iter().filter(|l| free(l)).count();
        prop_assert_eq!(picked.len(), wanted.min(free_members));
        let free_owners = LOGINS[..size].iter().filter(|l| free(l) && rules.preferred.contains(**l)).count();
        let owners_first = picked.iter().take(free_owners.min(wanted)).all(|p| rules.preferred.contains(p));
        prop_assert!(owners_first, "{:?} with owners {:?}", picked, rules.preferred);
    }
}
