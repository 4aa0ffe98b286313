//! The TwelveLabs v1.3 client: wire types, HTTP, retries, the shared rate
//! limiter, and asset uploads.

pub mod client;
pub mod error;
pub mod limiter;
pub mod wire;

pub use client::{ApiKey, Client, ClientConfig, RetryHook, RetryNotice};
pub use error::{ApiError, HttpError};
pub use limiter::{Bucket, Budgets};
