//! Reading the layers from files: `baton.toml` and `.env`.

use std::collections::BTreeMap;
use std::path::Path;

use super::settings::{toml_key, SETTINGS};
use super::ConfigError;

pub(super) fn read_toml(
    path: &Path,
    required: bool,
) -> Result<Vec<(&'static str, String)>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(Vec::new()),
        Err(e) => return Err(ConfigError(format!("cannot read {}: {e}", path.display()))),
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    let mut out = Vec::new();
    for (key, value) in table {
        let setting = SETTINGS
            .iter()
            .find(|s| toml_key(s.name) == key)
            .ok_or_else(|| ConfigError(format!("{}: unknown setting `{key}`", path.display())))?;
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        out.push((setting.name, value));
    }
    Ok(out)
}

pub(super) fn read_dotenv(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    match dotenvy::from_path_iter(path) {
        Ok(iter) => iter
            .map(|item| item.map_err(|e| ConfigError(format!("{}: {e}", path.display()))))
            .collect(),
        Err(dotenvy::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(BTreeMap::new())
        }
        Err(e) => Err(ConfigError(format!("{}: {e}", path.display()))),
    }
}
