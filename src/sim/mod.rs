//! The offline simulator of the TwelveLabs analyze API (`api-contract.md` §9,
//! design §6): the contract's validation (through [`crate::contract`]), the task
//! lifecycle, idempotency keys, and deterministic synthetic results marked as such.
//! It serves `/v1.3/...` on loopback so the official SDKs work against it unchanged.

mod assets;
mod errors;
pub mod faults;
mod gate;
mod media;
pub mod ratelimit;
mod routes;
mod server;
mod store;
pub mod synth;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

pub use faults::{Action, Faults, Match, Rates, RetryAfter, Rule};
pub use ratelimit::Limits;
pub use store::{Clock, VIRTUAL_EPOCH_MS};

/// Settings of a simulator (SIM-CFG-1).
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Seed of every synthetic output and id (SIM-OUT-1).
    pub seed: u64,
    /// How tasks move through their states (SIM-STATUS-2).
    pub clock: Clock,
    /// Time in `processing`, before the per-window-second addition (default 2 s).
    pub processing_time: Duration,
    /// Accepted API keys; empty accepts any non-empty key (WIRE-3).
    pub api_keys: Vec<String>,
    /// Fault rules at start (SIM-FAULT-1); `PUT /_sim/faults` replaces them.
    pub faults: Faults,
    /// Requests per minute per bucket (RATE-1); ignored on the tick clock.
    pub limits: Limits,
    /// Intermediate states to skip: `pending` and/or `processing` (SIM-STATUS-3).
    pub skip_states: Vec<String>,
    /// Time an uploaded asset stays `processing` (ASSET-7, default 1 s).
    pub asset_ready: Duration,
    /// How long idempotency records live, simulator time (IDEM-3, default 24 h).
    pub idempotency_ttl: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            clock: Clock::Realtime,
            processing_time: Duration::from_secs(2),
            api_keys: Vec::new(),
            faults: Faults::default(),
            limits: Limits::default(),
            skip_states: Vec::new(),
            asset_ready: Duration::from_secs(1),
            idempotency_ttl: Duration::from_secs(24 * 3600),
        }
    }
}

/// A simulator serving on a loopback port until dropped or [`RunningSim::stop`]ped.
#[derive(Debug)]
pub struct RunningSim {
    /// Base URL including `/v1.3`, e.g. `http://127.0.0.1:40123/v1.3`.
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::watch::Sender<bool>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningSim {
    /// Stops serving and waits for the server task to end.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
    }
}

/// Binds `addr` (use port 0 for any free port) and serves the simulator on the
/// current tokio runtime. Stopping closes every open connection at once (a stalled
/// request does not hold it up). Errors: the bind failed.
pub async fn start(config: SimConfig, addr: SocketAddr) -> std::io::Result<RunningSim> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = routes::router(Arc::new(store::Sim::new(config)));
    let (tx, rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(server::serve(listener, app, rx));
    Ok(RunningSim { base_url: format!("http://{addr}/v1.3"), addr, shutdown: Some(tx), task: Some(task) })
}
