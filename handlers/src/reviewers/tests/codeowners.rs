//! Tests of `reviewers/codeowners.rs`.

use crate::reviewers::codeowners::*;

/// The example file of GitHub's "About code owners" page, line for line
/// (its comments included).
const GITHUB_EXAMPLE: &str = r#"# This is a comment.
# Each line is a file pattern followed by one or more owners.

# These owners will be the default owners for everything in
# the repo. Unless a later match takes precedence,
# @global-owner1 and @global-owner2 will be requested for
# review when someone opens a pull request.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most
# precedence. When someone opens a pull request that only
# modifies JS files, only @js-owner and not the global
# owner(s) will be requested for a review.
*.js    @js-owner #This is an inline comment.

# You can also use email addresses if you prefer. They'll be
# used to look up users just like we do for commit author
# emails.
*.go docs@example.com

# Teams can be specified as code owners as well. Teams should
# be identified in the format @org/team-name. Teams must have
# explicit write access to the repository. In this example,
# the octocats team in the octo-org organization owns all .txt files.
*.txt @octo-org/octocats

# In this example, @doctocat owns any files in the build/logs
# directory at the root of the repository and any of its
# subdirectories.
/build/logs/ @doctocat

# The `docs/*` pattern will match files like
# `docs/getting-started.md` but not further nested files like
# `docs/build-app/troubleshooting.md`.
docs/*  docs@example.com

# In this example, @octocat owns any file in an apps directory
# anywhere in your repository.
apps/ @octocat

# In this example, @doctocat owns any file in the `/docs`
# directory in the root of your repository and any of its
# subdirectories.
/docs/ @doctocat

# In this example, any change inside the `/scripts` directory
# will require approval from @doctocat or @octocat.
/scripts/ @doctocat @octocat

# In this example, @octocat owns any file in a `/logs` directory such as
# `/build/logs`, `/scripts/logs`, and `/deeply/nested/logs`. Any changes
# in a `/logs` directory will require approval from @octocat.
**/logs @octocat

# In this example, @octocat owns any file in the `/apps`
# directory in the root of your repository except for the `/apps/github`
# subdirectory, as its owners are left empty. Without an owner, changes
# to `apps/github` can be made with the approval of any user who has
# write access to the repository.
/apps/ @octocat
/apps/github

# In this example, @octocat owns any file in the `/apps`
# directory in the root of your repository except for the `/apps/github`
# subdirectory, as this subdirectory has its own owner @doctocat
/apps/ @octocat
/apps/github @doctocat
"#;

fn user(login: &str) -> Owner {
    Owner::User(login.into())
}

fn owners(file: &Codeowners, path: &str) -> Vec<Owner> {
    file.owners_of(path).to_vec()
}

/// A one-line file: does `pattern` match `path`?
fn matches(pattern: &str, path: &str) -> bool {
    let (file, problems) = Codeowners::parse(&format!("{pattern} @owner"));
    assert!(problems.is_empty(), "{pattern}: {problems:?}");
    !file.owners_of(path).is_empty()
}

#[test]
fn githubs_example_file_reads_without_problems() {
    let (file, problems) = Codeowners::parse(GITHUB_EXAMPLE);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(file.len(), 14);
}

#[test]
fn githubs_example_the_last_matching_pattern_wins() {
    let (file, _) = Codeowners::parse(GITHUB_EXAMPLE);
    // `*` owns what nothing later claims.
    assert_eq!(
        owners(&file, "README.md"),
        [user("global-owner1"), user("global-owner2")]
    );
    assert_eq!(
        owners(&file, "src/deep/main.rs"),
        [user("global-owner1"), user("global-owner2")]
    );
    // A pull request touching a JS file asks @js-owner, not the global owners;
    // the inline comment is not an owner.
    assert_eq!(owners(&file, "web/app.js"), [user("js-owner")]);
    assert_eq!(owners(&file, "app.js"), [user("js-owner")]);
    assert_eq!(
        owners(&file, "cmd/main.go"),
        [Owner::Email("docs@example.com".into())]
    );
    assert_eq!(
        owners(&file, "notes/todo.txt"),
        [Owner::Team(Team {
            org: "octo-org".into(),
            slug: "octocats".into()
        })]
    );
}

#[test]
fn githubs_example_directories() {
    let (file, _) = Codeowners::parse(GITHUB_EXAMPLE);
    // `/build/logs/`: the root's build/logs and everything under it. (A
    // later `**/logs` names @octocat for any logs directory, so it is the
    // owner now: the last match wins.)
    assert_eq!(owners(&file, "build/logs/today.log"), [user("octocat")]);
    // `/docs/` comes after `docs/*`: @doctocat owns the root docs at any depth.
    assert_eq!(owners(&file, "docs/getting-started.md"), [user("doctocat")]);
    assert_eq!(
        owners(&file, "docs/build-app/troubleshooting.md"),
        [user("doctocat")]
    );
    // `apps/` is any apps directory anywhere.
    assert_eq!(owners(&file, "services/apps/main.rs"), [user("octocat")]);
    // `/scripts/` has two owners.
    assert_eq!(
        owners(&file, "scripts/deploy/run.sh"),
        [user("doctocat"), user("octocat")]
    );
    // `**/logs`: a logs directory at any depth.
    assert_eq!(owners(&file, "deeply/nested/logs/x.log"), [user("octocat")]);
    assert_eq!(owners(&file, "scripts/logs/y.log"), [user("octocat")]);
    // The file's last two lines: /apps/github has its own owner.
    assert_eq!(owners(&file, "apps/github/main.rs"), [user("doctocat")]);
    assert_eq!(owners(&file, "apps/web/main.rs"), [user("octocat")]);
}

#[test]
fn a_pattern_without_owners_leaves_its_paths_unowned() {
    let text = "/apps/ @octocat\n/apps/github\n";
    let (file, problems) = Codeowners::parse(text);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(owners(&file, "apps/web/index.js"), [user("octocat")]);
    assert!(owners(&file, "apps/github/index.js").is_empty());
    assert!(owners(&file, "apps/github").is_empty());
    // Nothing matches: unowned.
    assert!(owners(&file, "lib/index.js").is_empty());
}

#[test]
fn docs_star_matches_only_the_files_directly_in_docs() {
    // Alone, as GitHub's comment on it says.
    assert!(matches("docs/*", "docs/getting-started.md"));
    assert!(!matches("docs/*", "docs/build-app/troubleshooting.md"));
    // It has a `/` before its end, so it is anchored to the root.
    assert!(!matches("docs/*", "site/docs/index.md"));
    assert!(!matches("docs/*", "docs"));
}

#[test]
fn star_never_crosses_a_slash() {
    assert!(matches("*.js", "app.js"));
    assert!(matches("*.js", "web/static/app.js"));
    assert!(!matches("*.js", "app.json"));
    assert!(matches("src/*.rs", "src/main.rs"));
    assert!(!matches("src/*.rs", "src/bin/tool.rs"));
    assert!(matches("/*", "Cargo.toml"));
    assert!(!matches("/*", "src/main.rs"));
    assert!(matches("*", "src/main.rs"));
    assert!(matches("?at.txt", "cat.txt"));
    assert!(!matches("?at.txt", "at.txt"));
    assert!(!matches("a?b", "a/b"));
}

#[test]
fn a_name_matches_at_any_depth_and_everything_under_it() {
    assert!(matches("vendor", "vendor"));
    assert!(matches("vendor", "vendor/lib.rs"));
    assert!(matches("vendor", "third/vendor/lib.rs"));
    assert!(!matches("vendor", "vendored/lib.rs"));
    assert!(!matches("vendor", "third/vendor.rs"));
    assert!(matches("gen*", "src/generated/a/b.rs"));
}

#[test]
fn a_leading_slash_or_an_inner_slash_anchors_to_the_root() {
    assert!(matches("/build", "build/out.o"));
    assert!(!matches("/build", "web/build/out.o"));
    assert!(matches("web/build", "web/build/out.o"));
    assert!(!matches("web/build", "app/web/build/out.o"));
    assert!(matches("/web/build", "web/build"));
    assert!(!matches("/web/build", "web/builds"));
}

#[test]
fn a_trailing_slash_matches_directories_only() {
    assert!(!matches("cache/", "cache"));
    assert!(matches("cache/", "cache/a"));
    assert!(matches("cache/", "x/cache/a/b"));
    assert!(!matches("/cache/", "x/cache/a"));
    assert!(!matches("web/build/", "web/build"));
    assert!(matches("web/build/", "web/build/out/a.o"));
    assert!(matches("/*/", "src/main.rs"));
    assert!(!matches("/*/", "main.rs"));
}

#[test]
fn double_asterisks_match_any_depth() {
    // Leading: any directories before.
    assert!(matches("**/logs", "logs/a"));
    assert!(matches("**/logs", "a/b/logs"));
    assert!(matches("**/api/v1", "x/api/v1/users.rs"));
    assert!(!matches("**/api/v1", "x/api/v2/v1"));
    // Trailing: everything inside, not the directory's own name.
    assert!(matches("assets/**", "assets/img/logo.png"));
    assert!(!matches("assets/**", "assets"));
    assert!(!matches("assets/**", "web/assets/logo.png"));
    assert!(matches("assets/**/", "assets/logo.png"));
    // In the middle: zero or more directories.
    assert!(matches("a/**/b", "a/b"));
    assert!(matches("a/**/b", "a/x/y/b/c.txt"));
    assert!(!matches("a/**/b", "z/a/b"));
    assert!(matches("a/**/b/c*", "a/x/b/cat"));
    assert!(!matches("a/**/b/c*", "a/x/b/dog"));
    // Alone: everything.
    assert!(matches("**", "any/thing"));
}

#[test]
fn paths_are_case_sensitive() {
    assert!(matches("/Docs/", "Docs/a.md"));
    assert!(!matches("/Docs/", "docs/a.md"));
    assert!(!matches("*.MD", "readme.md"));
}

#[test]
fn escapes_and_spaces() {
    assert!(matches(r"f\*o", "f*o"));
    assert!(!matches(r"f\*o", "foo"));
    assert!(matches(r"my\ dir/", "my dir/a.txt"));
}

#[test]
fn malformed_lines_are_skipped_and_reported_with_their_number() {
    let text = "\
* @everyone
!secret.txt @nobody
[Ll]ib/ @lib-owner
\\#notes.md @writer
*.rs rust owners
/ @root
*.py @py-owner
";
    let (file, problems) = Codeowners::parse(text);
    let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6], "{problems:?}");
    assert!(problems[0].reason.contains('!'), "{}", problems[0]);
    assert!(problems[1].reason.contains("[ ]"), "{}", problems[1]);
    assert!(problems[2].reason.contains('#'), "{}", problems[2]);
    assert!(
        problems[3].reason.contains("`rust` is not an owner"),
        "{}",
        problems[3]
    );
    assert_eq!(problems[0].to_string().split(':').next(), Some("line 2"));
    // The good lines still count.
    assert_eq!(owners(&file, "main.rs"), [user("everyone")]);
    assert_eq!(owners(&file, "tool.py"), [user("py-owner")]);
    assert_eq!(file.len(), 2);
}

#[test]
fn owners_are_users_teams_or_email_addresses() {
    let (file, problems) =
        Codeowners::parse("* @Octo-Org/Web-Team @MonaLisa dev@example.com # the web folks\n");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        owners(&file, "index.html"),
        [
            Owner::Team(Team {
                org: "octo-org".into(),
                slug: "web-team".into()
            }),
            user("MonaLisa"),
            Owner::Email("dev@example.com".into()),
        ]
    );
    for bad in ["@", "@@x", "@org/", "@/team", "not-an-owner", "@a/b/c"] {
        let (_, problems) = Codeowners::parse(&format!("* {bad}"));
        assert_eq!(problems.len(), 1, "{bad}");
    }
}

#[test]
fn owners_of_several_paths_are_gathered() {
    let (file, _) = Codeowners::parse("*.js @js\n*.css @css\n/docs/ @octo/docs\n");
    let all = file.owners_of_any(["a.js", "b.css", "docs/x.md", "unowned.rs"]);
    assert_eq!(all.len(), 3);
    assert!(all.contains(&user("js")) && all.contains(&user("css")));
}

#[test]
fn an_empty_or_comment_only_file_owns_nothing() {
    for text in ["", "\n\n", "# only a comment\n   # another\n"] {
        let (file, problems) = Codeowners::parse(text);
        assert!(file.is_empty() && problems.is_empty());
        assert!(file.owners_of("a.rs").is_empty());
    }
}

#[test]
fn teams_parse_and_print_lower_cased() {
    let team = Team::parse("@Octo-Org/Core_Team").unwrap();
    assert_eq!(team.to_string(), "octo-org/core_team");
    assert_eq!(Team::parse("octo-org/core"), Team::parse("@octo-org/core"));
    assert_eq!(Team::parse("octo-org"), None);
    assert_eq!(Team::parse("-bad/x"), None);
}

#[test]
fn a_glob_backtracks_over_stars() {
    assert!(glob("*a*b", "xxaxxb"));
    assert!(glob("a*b*c", "abbbc"));
    assert!(!glob("a*b*c", "abbb"));
    assert!(glob("***", "anything"));
    assert!(glob("", ""));
    assert!(!glob("", "x"));
}

#[test]
fn many_double_asterisks_stay_fast() {
    let pattern = "**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/b";
    let path = vec!["a"; 200].join("/");
    assert!(!matches(pattern, &path));
    assert!(matches(pattern, &format!("{path}/b")));
}

mod properties {
    use crate::reviewers::codeowners::*;
    use proptest::prelude::*;

    proptest! {
        /// No file, however odd, panics the parser or the matcher.
        #[test]
        fn any_text_parses_and_matches_without_panicking(
            text in "[ -~\\n\\t]{0,300}", path in "[a-z/.*?]{0,40}",
        ) {
            let (file, problems) = Codeowners::parse(&text);
            prop_assert!(problems.len() + file.len() <= text.lines().count());
            let _ = file.owners_of(&path);
        }

        /// A root-anchored literal path owns itself and what is under it.
        #[test]
        fn a_literal_path_owns_itself_and_its_contents(
            parts in prop::collection::vec("[a-z0-9_.-]{1,8}", 1..5),
        ) {
            prop_assume!(parts.iter().all(|p| p != "." && p != ".."));
            let path = parts.join("/");
            let (file, problems) = Codeowners::parse(&format!("/{path} @owner"));
            prop_assert!(problems.is_empty());
            prop_assert_eq!(file.owners_of(&path).len(), 1);
            prop_assert_eq!(file.owners_of(&format!("{path}/inner.txt")).len(), 1);
            let elsewhere = format!("other/{path}");
            prop_assert!(file.owners_of(&elsewhere).is_empty());
        }
    }
}
