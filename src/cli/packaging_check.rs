//! Checks of the packaging files (`Dockerfile`, `docker-compose.yml`,
//! `packaging/baton.service`): no container engine or systemd runs in the
//! test environment, so every path, port, setting and `baton` subcommand
//! those files name is checked against the repository, the settings table
//! and the clap command line instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Parser;

use crate::cli::args::Cli;
use crate::config::settings::SETTINGS;
use crate::config::{Config, Sources};

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(repo(relative)).unwrap_or_else(|e| panic!("read {relative}: {e}"))
}

/// `baton ARGS…` must parse with the real command line.
fn assert_baton_command(file: &str, program: &str, args: &[String]) {
    assert_eq!(
        program, "/usr/local/bin/baton",
        "{file}: runs {program}, not the installed binary"
    );
    let argv = std::iter::once("baton".to_string()).chain(args.iter().cloned());
    if let Err(e) = Cli::try_parse_from(argv) {
        panic!(
            "{file}: `baton {}` is not a valid command line: {e}",
            args.join(" ")
        );
    }
}

/// Settings named in a file must exist, and together be valid.
fn assert_settings(file: &str, settings: &BTreeMap<String, String>) -> Config {
    let mut values: Sources = SETTINGS
        .iter()
        .map(|s| (s.name, (s.default.to_string(), "default")))
        .collect();
    for (name, value) in settings {
        let setting = SETTINGS
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{file}: {name} is not a Baton setting"));
        assert!(
            !setting.secret,
            "{file}: secret {name} must not be written in the file"
        );
        values.insert(setting.name, (value.clone(), "file"));
    }
    let problems = crate::config::checks::problems(&values);
    assert!(problems.is_empty(), "{file}: {problems:?}");
    Config::from_values(&values).unwrap()
}

/// Dockerfile instructions: (INSTRUCTION, arguments), continuation lines joined.
fn dockerfile() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in read("Dockerfile").lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(part) = line.strip_suffix('\\') {
            current.push_str(part);
            current.push(' ');
            continue;
        }
        current.push_str(line);
        let (instruction, rest) = current.split_once(' ').unwrap_or((&current, ""));
        out.push((instruction.to_ascii_uppercase(), rest.trim().to_string()));
        current.clear();
    }
    out
}

fn exec_form(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("`{text}` is not exec form: {e}"))
}

/// The Dockerfile's ENV, VOLUME and EXPOSE values, checked; returns the
/// volume path and exposed port for the compose file's check.
fn check_dockerfile() -> (String, u16) {
    let instructions = dockerfile();
    let all = |name: &str| -> Vec<String> {
        instructions
            .iter()
            .filter(|(i, _)| i == name)
            .map(|(_, a)| a.clone())
            .collect()
    };
    // The build image is at least the Rust version Cargo.toml asks for.
    let manifest: toml::Table = read("Cargo.toml").parse().unwrap();
    let wanted = manifest["workspace"]["package"]["rust-version"]
        .as_str()
        .unwrap();
    let build_image = &all("FROM")[0];
    let tag = build_image
        .strip_prefix("rust:")
        .expect("the build stage uses the official rust image");
    let version = tag.split('-').next().unwrap();
    let number = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    assert!(
        number(version) >= number(wanted),
        "rust:{version} is older than rust-version {wanted}"
    );

    // Every source copied from the build context exists.
    for copy in all("COPY") {
        if copy.starts_with("--from") {
            continue;
        }
        let words: Vec<&str> = copy.split_whitespace().collect();
        for source in &words[..words.len() - 1] {
            assert!(
                repo(source).exists(),
                "Dockerfile copies {source}, which does not exist"
            );
        }
    }
    // The binary copied out of the build stage is the one cargo builds.
    let binary_copy = all("COPY")
        .into_iter()
        .find(|c| c.contains("/usr/local/bin/baton"))
        .expect("the binary is copied into the runtime image");
    assert!(
        binary_copy.contains("/src/target/release/baton"),
        "{binary_copy}"
    );
    assert!(all("WORKDIR").contains(&"/src".to_string()));
    assert_eq!(manifest["package"]["name"].as_str(), Some("baton"));
    let build_run = all("RUN").join(" ");
    assert!(build_run.contains("--bin baton") && build_run.contains("--release"));

    // Non-root.
    let user = all("USER").last().cloned().expect("a USER instruction");
    assert!(
        !user.starts_with("root") && !user.starts_with("0"),
        "runs as {user}"
    );
    assert!(build_image.contains("rust"));

    // ENV: real settings, valid together; the volume holds the data file;
    // the exposed port is the one Baton listens on.
    let mut env = BTreeMap::new();
    for line in all("ENV") {
        for pair in line.split_whitespace() {
            let (name, value) = pair.split_once('=').expect("ENV NAME=value");
            env.insert(name.to_string(), value.to_string());
        }
    }
    let config = assert_settings("Dockerfile", &env);
    let volume = exec_form(&all("VOLUME")[0]);
    assert_eq!(volume.len(), 1);
    assert_eq!(
        config.data.parent(),
        Some(Path::new(&volume[0])),
        "BATON_DATA is not in the volume"
    );
    assert!(
        config.listen.ip().is_unspecified(),
        "in a container Baton must listen on 0.0.0.0"
    );
    let exposed: u16 = all("EXPOSE")[0].parse().unwrap();
    assert_eq!(exposed, config.listen.port());
    // The mount point is owned by the runtime user.
    assert!(all("COPY")
        .iter()
        .any(|c| c.contains(&format!("--chown={user}")) && c.ends_with(&volume[0])));

    // ENTRYPOINT + CMD and the health check are real baton command lines.
    let entrypoint = exec_form(&all("ENTRYPOINT")[0]);
    let cmd = exec_form(&all("CMD")[0]);
    assert_baton_command(
        "Dockerfile ENTRYPOINT/CMD",
        &entrypoint[0],
        &[&entrypoint[1..], &cmd[..]].concat(),
    );
    let health = all("HEALTHCHECK")[0].clone();
    let (_, command) = health.split_once("CMD ").expect("HEALTHCHECK … CMD [..]");
    let command = exec_form(command.trim());
    assert_baton_command("Dockerfile HEALTHCHECK", &command[0], &command[1..]);
    assert_eq!(command[1], "healthcheck");

    let ignore = read(".dockerignore");
    assert!(
        ignore.lines().any(|l| l.trim() == "target"),
        ".dockerignore must skip target/"
    );
    (volume[0].clone(), exposed)
}

#[test]
fn dockerfile_names_only_real_paths_settings_ports_and_subcommands() {
    check_dockerfile();
}

#[test]
fn compose_file_matches_the_image() {
    let (volume, port) = check_dockerfile();
    let compose: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&read("docker-compose.yml")).unwrap();
    let service = &compose["services"]["baton"];
    assert_eq!(service["build"].as_str(), Some("."));
    assert!(repo("Dockerfile").exists());
    assert_eq!(
        service["env_file"].as_str(),
        Some(".env"),
        "the README says to copy .env.example to .env"
    );
    assert!(repo(".env.example").exists());
    let env: BTreeMap<String, String> = service["environment"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_string(),
                v.as_str().unwrap().to_string(),
            )
        })
        .collect();
    let config = assert_settings("docker-compose.yml", &env);
    assert_eq!(config.listen.port(), port);
    for mapping in service["ports"].as_sequence().unwrap() {
        let mapping = mapping.as_str().unwrap();
        let container_port: u16 = mapping.rsplit(':').next().unwrap().parse().unwrap();
        assert_eq!(
            container_port, port,
            "{mapping} does not reach Baton's port"
        );
    }
    let volumes: Vec<&str> = service["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let (name, target) = volumes[0].split_once(':').unwrap();
    assert_eq!(target, volume);
    assert!(
        compose["volumes"].get(name).is_some(),
        "volume {name} is not declared"
    );
    assert_eq!(config.data.parent(), Some(Path::new(target)));
    let test: Vec<String> = service["healthcheck"]["test"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(test[0], "CMD");
    assert_baton_command("docker-compose.yml healthcheck", &test[1], &test[2..]);
}

#[test]
fn systemd_unit_names_only_real_paths_settings_and_subcommands() {
    let unit = read("packaging/baton.service");
    let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in unit.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with('[') || line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or_else(|| panic!("`{line}`"));
        keys.entry(key.to_string())
            .or_default()
            .push(value.to_string());
    }
    let one = |key: &str| -> String {
        let values = keys
            .get(key)
            .unwrap_or_else(|| panic!("the unit lacks {key}="));
        values[0].clone()
    };
    let exec: Vec<String> = one("ExecStart")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    assert_baton_command("baton.service ExecStart", &exec[0], &exec[1..]);
    let mut env = BTreeMap::new();
    for pair in &keys["Environment"] {
        let (name, value) = pair.split_once('=').unwrap();
        env.insert(name.to_string(), value.to_string());
    }
    let config = assert_settings("baton.service", &env);
    let state = Path::new("/var/lib").join(one("StateDirectory"));
    assert_eq!(
        config.data.parent(),
        Some(state.as_path()),
        "BATON_DATA is outside StateDirectory"
    );
    assert_eq!(Path::new(&one("WorkingDirectory")), state);
    // Hardened: no root, nothing writable but the state folder.
    assert_eq!(one("DynamicUser"), "yes");
    assert_eq!(one("NoNewPrivileges"), "yes");
    assert_eq!(one("ProtectSystem"), "strict");
    assert_eq!(one("ProtectHome"), "yes");
    assert_eq!(one("CapabilityBoundingSet"), "");
    // The guide installs the files the unit names.
    let guide = read("packaging/README.md");
    for path in [
        one("EnvironmentFile"),
        exec[0].clone(),
        "/etc/systemd/system/baton.service".into(),
    ] {
        assert!(
            guide.contains(&path),
            "packaging/README.md does not mention {path}"
        );
    }
}
