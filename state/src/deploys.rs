//! Durable state of the deploys feature.
