//! Durable state of the channels feature.
