//! `baton config check`: every bad setting, then the table of effective
//! settings, without starting anything.

use std::process::ExitCode;

use crate::config::{self, Config};

/// `baton config check`: every bad setting on stderr, then the table of
/// effective settings; exit 2 if any setting is bad.
pub fn run(layers: &config::Layers) -> ExitCode {
    let sources = match Config::load_values(layers) {
        Ok(values) => values,
        Err(e) => {
            eprintln!("baton: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let problems = config::checks::problems(&sources);
    for problem in &problems {
        eprintln!("baton: configuration error: {problem}");
    }
    print!("{}", config::settings::describe(&sources));
    if !problems.is_empty() {
        println!(
            "configuration has {} bad setting{}: see the errors above",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
        return ExitCode::from(2);
    }
    let config = match Config::from_values(&sources) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("baton: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    for name in config::checks::short_secrets(&config) {
        println!(
            "warning: {name} is shorter than {} characters; use a long random value, e.g. `openssl rand -hex 32`",
            config::checks::MIN_SECRET_CHARS
        );
    }
    let off = config::checks::unusable_features(&config);
    if off.is_empty() {
        println!("configuration OK");
    } else {
        println!("configuration OK, but not usable with these settings:");
        for feature in &off {
            println!("  - {feature}");
        }
    }
    ExitCode::SUCCESS
}
