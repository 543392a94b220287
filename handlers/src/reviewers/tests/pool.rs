//! Tests of `reviewers/pool.rs`.

use crate::reviewers::pool::*;
use crate::UnixTime;
use proptest::prelude::*;

const NOW: UnixTime = 1_795_392_000; // 2026-11-23

fn pool_of(logins: &[&str]) -> Pool {
    let mut pool = Pool::new("C024BE91L");
    for login in logins {
        pool.add_member(login, &People::default(), NOW);
    }
    pool
}

fn pick(pool: &mut Pool, author: &str, people: &People) -> Vec<String> {
    let wanted = usize::from(pool.reviewers_per_pr);
    pool.pick_reviewers(author, &[], wanted, people, NOW)
}

fn counts(pool: &Pool) -> Vec<u32> {
    pool.members.iter().map(|m| m.assigned).collect()
}

#[test]
fn rotation_goes_round_in_order() {
    let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
    let people = People::default();
    let picks: Vec<_> = (0..6)
        .flat_map(|_| pick(&mut pool, "dependabot[bot]", &people))
        .collect();
    assert_eq!(
        picks,
        ["octocat", "hubot", "monalisa", "octocat", "hubot", "monalisa"]
    );
}

#[test]
fn author_skipped_keeps_their_turn() {
    let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
    let people = People::default();
    assert_eq!(pick(&mut pool, "octocat", &people), ["hubot"]);
    // octocat was skipped as author, so the next PR is theirs, not monalisa's.
    assert_eq!(pick(&mut pool, "defunkt", &people), ["octocat"]);
    assert_eq!(pick(&mut pool, "defunkt", &people), ["monalisa"]);
    assert_eq!(counts(&pool), [1, 1, 1]);
}

#[test]
fn author_skipped_mid_rotation_keeps_their_turn() {
    let mut pool = pool_of(&["octocat", "hubot", "monalisa", "defunkt"]);
    let people = People::default();
    assert_eq!(pick(&mut pool, "torvalds", &people), ["octocat"]);
    assert_eq!(pick(&mut pool, "hubot", &people), ["monalisa"]);
    assert_eq!(pick(&mut pool, "torvalds", &people), ["hubot"]);
    assert_eq!(pick(&mut pool, "torvalds", &people), ["defunkt"]);
    assert_eq!(pick(&mut pool, "torvalds", &people), ["octocat"]);
}

#[test]
fn late_joiner_starts_level_with_the_least_assigned() {
    let mut pool = pool_of(&["octocat", "hubot"]);
    let people = People::default();
    for _ in 0..6 {
        pick(&mut pool, "torvalds", &people);
    }
    assert_eq!(counts(&pool), [3, 3]);
    pool.add_member("monalisa", &people, NOW);
    assert_eq!(pool.member("monalisa").unwrap().assigned, 3);
    // monalisa takes her place in the rotation (after hubot, the last
    // picked) rather than the next six pull requests.
    let picks: Vec<_> = (0..6)
        .flat_map(|_| pick(&mut pool, "torvalds", &people))
        .collect();
    assert_eq!(
        picks,
        ["monalisa", "octocat", "hubot", "monalisa", "octocat", "hubot"]
    );
}

#[test]
fn back_from_away_starts_level_and_away_members_are_skipped() {
    let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
    let mut people = People::default();
    people.away.insert("hubot".into(), Away { until: None });
    let picks: Vec<_> = (0..4)
        .flat_map(|_| pick(&mut pool, "torvalds", &people))
        .collect();
    assert_eq!(picks, ["octocat", "monalisa", "octocat", "monalisa"]);
    assert_eq!(pool.member("hubot").unwrap().assigned, 0);
    people.away.clear();
    let next = pick(&mut pool, "torvalds", &people);
    assert_eq!(next, ["octocat"], "hubot is level, so the order resumes");
    assert_eq!(counts(&pool), [3, 2, 2]);
    assert_eq!(pick(&mut pool, "torvalds", &people), ["hubot"]);
}

#[test]
fn away_until_a_date_ends_on_that_date() {
    let mut people = People::default();
    people.away.insert(
        "hubot".into(),
        Away {
            until: Some(NOW + 86_400),
        },
    );
    assert!(people.is_away("HuBot", NOW));
    assert!(people.is_away("hubot", NOW + 86_399));
    assert!(!people.is_away("hubot", NOW + 86_400));
    let mut pool = pool_of(&["hubot", "octocat"]);
    assert_eq!(pick(&mut pool, "torvalds", &people), ["octocat"]);
    let tomorrow = NOW + 86_400;
    assert_eq!(
        pool.pick_reviewers("torvalds", &[], 1, &people, tomorrow),
        ["hubot"]
    );
}

#[test]
fn away_that_expires_by_date_also_starts_level() {
    let mut people = People::default();
    let tomorrow = NOW + 86_400;
    people.away.insert(
        "hubot".into(),
        Away {
            until: Some(tomorrow),
        },
    );
    let mut pool = pool_of(&["hubot", "octocat", "monalisa"]);
    for _ in 0..4 {
        pick(&mut pool, "torvalds", &people);
    }
    assert_eq!(counts(&pool), [0, 2, 2]);
    // Nobody says `back`: the date passes and the next pick levels hubot.
    let picks: Vec<_> = (0..3)
        .flat_map(|_| pool.pick_reviewers("torvalds", &[], 1, &people, tomorrow))
        .collect();
    assert_eq!(picks, ["hubot", "octocat", "monalisa"]);
    assert_eq!(counts(&pool), [3, 3, 3]);
}

#[test]
fn already_requested_people_are_not_picked_again() {
    let mut pool = pool_of(&["octocat", "hubot"]);
    let picked = pool.pick_reviewers("torvalds", &["OctoCat".into()], 1, &People::default(), NOW);
    assert_eq!(picked, ["hubot"]);
}

#[test]
fn nobody_eligible_picks_nobody_and_changes_no_count() {
    let mut pool = pool_of(&["octocat"]);
    assert!(pick(&mut pool, "octocat", &People::default()).is_empty());
    assert_eq!(counts(&pool), [0]);
}

#[test]
fn load_balance_prefers_fewest_open_then_least_recent() {
    let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
    pool.mode = Mode::LoadBalance;
    // The open reviews come from the review records: each pick opens one.
    let mut people = People::default();
    let opened = |people: &mut People, login: &str| {
        *people.open_reviews.entry(login.to_string()).or_default() += 1;
    };
    assert_eq!(pool.pick_reviewers("x", &[], 1, &people, NOW), ["octocat"]);
    opened(&mut people, "octocat");
    assert_eq!(
        pool.pick_reviewers("x", &[], 1, &people, NOW + 10),
        ["hubot"]
    );
    opened(&mut people, "hubot");
    assert_eq!(
        pool.pick_reviewers("x", &[], 1, &people, NOW + 20),
        ["monalisa"]
    );
    opened(&mut people, "monalisa");
    // hubot finishes a review: fewest open wins over rotation.
    people.open_reviews.insert("hubot".into(), 0);
    assert_eq!(
        pool.pick_reviewers("x", &[], 1, &people, NOW + 30),
        ["hubot"]
    );
    opened(&mut people, "hubot");
    // octocat and monalisa both finish: octocat was assigned longer ago.
    people.open_reviews.insert("octocat".into(), 0);
    people.open_reviews.insert("monalisa".into(), 0);
    assert_eq!(
        pool.pick_reviewers("x", &[], 1, &people, NOW + 40),
        ["octocat"]
    );
    assert_eq!(
        pool.pick_reviewers("x", &[], 1, &people, NOW + 50),
        ["monalisa"]
    );
}

#[test]
fn removing_the_cursor_member_keeps_the_rotation_going() {
    let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
    let people = People::default();
    assert_eq!(pick(&mut pool, "x", &people), ["octocat"]);
    assert_eq!(pick(&mut pool, "x", &people), ["hubot"]);
    pool.remove_member("hubot");
    assert_eq!(pick(&mut pool, "x", &people), ["monalisa"]);
}

#[test]
fn exact_repository_beats_wildcard() {
    let mut org = Pool::new("C0ORG");
    org.repos.push("octo-org/*".into());
    let mut api = Pool::new("C0API");
    api.repos.push("octo-org/api".into());
    let pools = [org, api];
    assert_eq!(
        pool_for_repo(pools.iter(), "Octo-Org/API").unwrap().channel,
        "C0API"
    );
    assert_eq!(
        pool_for_repo(pools.iter(), "octo-org/web").unwrap().channel,
        "C0ORG"
    );
    assert!(pool_for_repo(pools.iter(), "other/api").is_none());
    assert!(pool_for_repo(pools.iter(), "not-a-repo").is_none());
}

#[test]
fn a_pull_request_keeps_its_assignments_pool_before_the_watching_one() {
    let mut api = Pool::new("C0API");
    api.repos.push("octo-org/api".into());
    let pools = [api];
    let assigned = Pool::new("C0FIRST");
    assert_eq!(
        pool_for_pull_request(Some(assigned.clone()), &pools, "octo-org/api"),
        Some(assigned)
    );
    assert_eq!(
        pool_for_pull_request(None, &pools, "octo-org/api")
            .unwrap()
            .channel,
        "C0API"
    );
    assert_eq!(pool_for_pull_request(None, &pools, "other/api"), None);
    // A review on a message whose channel's pool is gone still has a pool.
    assert_eq!(Pool::of_channel(None, "C0GONE"), Pool::new("C0GONE"));
}

/// A pull request in a generated sequence: who wrote it, and whether the
/// pool is JSON round-tripped (a restart) just before it.
#[derive(Debug, Clone)]
struct Step {
    author: usize,
    restart: bool,
}

const LOGINS: [&str; 7] = [
    "octocat", "hubot", "monalisa", "defunkt", "mojombo", "pjhyett", "wycats",
];

fn steps(author_range: usize) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (0..author_range, any::<bool>()).prop_map(|(author, restart)| Step { author, restart }),
        1..60,
    )
}

/// The author's login: indexes past the pool's members are outsiders.
fn author_login(index: usize) -> String {
    LOGINS
        .get(index)
        .map_or_else(|| format!("outsider-{index}"), |l| l.to_string())
}

fn restart(pool: &Pool) -> Pool {
    serde_json::from_str(&serde_json::to_string(pool).unwrap()).unwrap()
}

proptest! {
    #[test]
    fn every_pick_is_a_least_assigned_eligible_member(
        size in 1usize..=7, per_pr in 1u8..=3, steps in steps(9), away_mask in 0u8..128,
    ) {
        let mut pool = pool_of(&LOGINS[..size]);
        pool.reviewers_per_pr = per_pr;
        let mut people = People::default();
        for (i, login) in LOGINS.iter().enumerate().take(size) {
            if away_mask & (1 << i) != 0 {
                people.away.insert(login_key(login), Away { until: None });
            }
        }
        for step in steps {
            let author = author_login(step.author);
            let mut chosen: Vec<String> = Vec::new();
            for _ in 0..per_pr {
                let before = pool.clone();
                let picked = pool.pick_reviewers(&author, &chosen, 1, &people, NOW);
                let eligible: Vec<&Member> = before.members.iter()
                    .filter(|m| !same_login(&m.login, &author)
                        && !people.is_away(&m.login, NOW)
                        && !chosen.contains(&m.login))
                    .collect();
                match picked.as_slice() {
                    [] => prop_assert!(eligible.is_empty()),
                    [login] => {
                        let least = eligible.iter().map(|m| m.assigned).min().unwrap();
                        prop_assert_eq!(before.member(login).unwrap().assigned, least);
                        prop_assert!(!same_login(login, &author));
                    }
                    _ => prop_assert!(false, "asked for one, got {:?}", picked),
                }
                chosen.extend(picked);
            }
        }
    }

    #[test]
    fn counts_never_differ_by_more_than_one_without_member_authors(
        size in 1usize..=7, per_pr in 1u8..=4, steps in steps(3),
    ) {
        let mut pool = pool_of(&LOGINS[..size]);
        pool.reviewers_per_pr = per_pr;
        let people = People::default();
        for step in steps {
            let author = format!("outsider-{}", step.author);
            if step.restart {
                pool = restart(&pool);
            }
            pick(&mut pool, &author, &people);
            let counts = counts(&pool);
            let spread = counts.iter().max().unwrap() - counts.iter().min().unwrap();
            prop_assert!(spread <= 1, "counts {:?}", counts);
        }
    }

    #[test]
    fn restart_mid_sequence_picks_exactly_as_without(
        size in 1usize..=7, per_pr in 1u8..=3, steps in steps(10), load_balance in any::<bool>(),
    ) {
        let mut steady = pool_of(&LOGINS[..size]);
        steady.reviewers_per_pr = per_pr;
        if load_balance {
            steady.mode = Mode::LoadBalance;
        }
        let mut restarted = steady.clone();
        let people = People::default();
        for (i, step) in steps.iter().enumerate() {
            let author = author_login(step.author);
            if step.restart {
                restarted = restart(&restarted);
            }
            let now = NOW + i as i64 * 60;
            let wanted = usize::from(per_pr);
            let a = steady.pick_reviewers(&author, &[], wanted, &people, now);
            let b = restarted.pick_reviewers(&author, &[], wanted, &people, now);
            prop_assert_eq!(a, b);
        }
        prop_assert_eq!(steady, restarted);
    }

    #[test]
    fn author_is_never_assigned_and_n_distinct_are_chosen_when_possible(
        size in 1usize..=7, per_pr in 1u8..=10, steps in steps(9), load_balance in any::<bool>(),
    ) {
        let mut pool = pool_of(&LOGINS[..size]);
        pool.reviewers_per_pr = per_pr;
        if load_balance {
            pool.mode = Mode::LoadBalance;
        }
        let people = People::default();
        for step in steps {
            let author = author_login(step.author);
            let picked = pick(&mut pool, &author, &people);
            prop_assert!(!picked.iter().any(|p| same_login(p, &author)));
            let mut distinct = picked.clone();
            distinct.sort();
            distinct.dedup();
            prop_assert_eq!(distinct.len(), picked.len());
            let eligible = pool.members.iter().filter(|m| !same_login(&m.login, &author)).count();
            prop_assert_eq!(picked.len(), usize::from(per_pr).min(eligible));
        }
    }
}

// Tests of picking under [`PickRules`]: code owners (or a requested team)
// first, caps on open reviews, and the rotation left as it was.
mod rules {

    use super::*;

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

    fn capped(cap: u32) -> PickRules {
        PickRules {
            cap: Some(cap),
            ..PickRules::default()
        }
    }

    /// People with these open reviews (as the review records count them).
    fn busy(open: &[(&str, u32)]) -> People {
        People {
            open_reviews: open.iter().map(|(l, n)| (login_key(l), *n)).collect(),
            ..People::default()
        }
    }

    fn pick(pool: &mut Pool, wanted: usize, rules: &PickRules) -> Vec<String> {
        pick_counting(pool, wanted, rules, &People::default())
    }

    fn pick_counting(
        pool: &mut Pool,
        wanted: usize,
        rules: &PickRules,
        people: &People,
    ) -> Vec<String> {
        pool.pick_reviewers_with(OUTSIDER, &[], wanted, people, NOW, rules)
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
        let mut rules = capped(1);
        rules.preferred = preferring(&["hubot"]).preferred;
        assert_eq!(
            pick_counting(&mut pool, 1, &rules, &busy(&[("hubot", 1)])),
            ["monalisa"]
        );
        let rules = preferring(&["octocat"]);
        assert_eq!(
            pool.pick_reviewers_with("octocat", &[], 1, &People::default(), NOW, &rules),
            ["hubot"]
        );
    }

    #[test]
    fn a_member_at_the_cap_is_skipped_and_nobody_free_picks_nobody() {
        let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
        let octocat_busy = busy(&[("octocat", 1)]);
        assert_eq!(
            pick_counting(&mut pool, 1, &capped(1), &octocat_busy),
            ["hubot"]
        );
        let before = pool.clone();
        let everyone_busy = busy(&[("octocat", 2), ("hubot", 3), ("monalisa", 2)]);
        assert!(pick_counting(&mut pool, 1, &capped(2), &everyone_busy).is_empty());
        assert_eq!(pool, before, "a pick of nobody changes nothing");
        // Below the cap, octocat is free again: monalisa's turn after hubot,
        // then octocat's.
        assert_eq!(
            pick_counting(&mut pool, 2, &capped(2), &octocat_busy),
            ["monalisa", "octocat"]
        );
    }

    #[test]
    fn open_reviews_are_not_stored_with_people() {
        let people = busy(&[("octocat", 1)]);
        let json = serde_json::to_string(&people).unwrap();
        assert!(!json.contains("open_reviews"), "{json}");
        let read: People = serde_json::from_str(&json).unwrap();
        assert_eq!(read.open_reviews_of("octocat"), 0);
    }

    #[test]
    fn a_pool_stored_with_its_old_counter_still_reads() {
        let json = r#"{"channel":"C1","members":[{"login":"octocat","assigned":3,"passes":0,"open_reviews":2}],"reviewers_per_pr":1}"#;
        let pool: Pool = serde_json::from_str(json).unwrap();
        assert_eq!(pool.member("octocat").unwrap().assigned, 3);
        assert!(!serde_json::to_string(&pool)
            .unwrap()
            .contains("open_reviews"));
    }

    #[test]
    fn load_balance_ranks_by_the_counts_given() {
        let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
        pool.mode = Mode::LoadBalance;
        let people = busy(&[("octocat", 2), ("hubot", 0), ("monalisa", 1)]);
        assert_eq!(
            pick_counting(&mut pool, 2, &PickRules::default(), &people),
            ["hubot", "monalisa"]
        );
    }

    #[test]
    fn preferred_only_picks_nobody_else() {
        let mut pool = pool_of(&["octocat", "hubot", "monalisa"]);
        let mut rules = preferring(&["hubot", "monalisa"]);
        rules.preferred_only = true;
        assert_eq!(pick(&mut pool, 3, &rules), ["hubot", "monalisa"]);
        rules.cap = Some(1);
        let people = busy(&[("hubot", 1), ("monalisa", 4)]);
        assert!(pick_counting(&mut pool, 1, &rules, &people).is_empty());
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
            };
            let people = People {
                open_reviews: LOGINS.iter().zip(&open).map(|(l, n)| (l.to_string(), *n)).collect(),
                ..People::default()
            };
            let free = |login: &str| {
                !same_login(login, author) && cap.is_none_or(|c| people.open_reviews_of(login) < c)
            };
            let picked = pool.pick_reviewers_with(author, &[], wanted, &people, NOW, &rules);
            prop_assert!(picked.iter().all(|p| free(p)), "{:?}", picked);
            let free_members = LOGINS[..size].iter().filter(|l| free(l)).count();
            prop_assert_eq!(picked.len(), wanted.min(free_members));
            let free_owners = LOGINS[..size].iter().filter(|l| free(l) && rules.preferred.contains(**l)).count();
            let owners_first = picked.iter().take(free_owners.min(wanted)).all(|p| rules.preferred.contains(p));
            prop_assert!(owners_first, "{:?} with owners {:?}", picked, rules.preferred);
        }
    }
}
