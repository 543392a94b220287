//! Placeholder until the PostgreSQL engine lands (branch i14-pg).

use crate::{Result, StoreError};

pub struct PostgresEngine;

impl PostgresEngine {
    pub fn connect(_url: &str) -> Result<std::sync::Arc<dyn crate::engine::Engine>> {
        Err(StoreError::Storage(
            "this build has no PostgreSQL engine yet".into(),
        ))
    }
}
