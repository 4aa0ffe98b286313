//! `vidflow sim`: serve the simulator until Ctrl-C.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::args::{ClockArg, SimArgs};
use crate::sim::{Clock, Faults, Limits, Rates, SimConfig, start};

/// The simulator's settings from the flags (SIM-CFG-1). Errors: a message naming
/// the bad flag.
pub fn config(args: &SimArgs) -> Result<SimConfig, String> {
    let seconds = |flag: &str, v: f64| {
        Duration::try_from_secs_f64(v).map_err(|_| format!("{flag} must be a number of seconds ≥ 0, got {v}"))
    };
    let processing_time = seconds("--processing-time", args.processing_time)?;
    let asset_ready = seconds("--asset-ready", args.asset_ready)?;
    let idempotency_ttl = seconds("--idempotency-ttl", args.idempotency_ttl * 3600.0)?;
    for (flag, p) in [
        ("--fail-429-rate", args.fail_429_rate),
        ("--fail-5xx-rate", args.fail_5xx_rate),
        ("--task-failure-rate", args.task_failure_rate),
        ("--drop-rate", args.drop_rate),
        ("--partial-body-rate", args.partial_body_rate),
    ] {
        if !(0.0..=1.0).contains(&p) {
            return Err(format!("{flag} must be between 0 and 1, got {p}"));
        }
    }
    let mut faults = match &args.faults {
        None => Faults::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("--faults {}: {e}", path.display()))?;
            serde_json::from_str::<Faults>(&text).map_err(|e| format!("--faults {}: {e}", path.display()))?
        }
    };
    let shorthand = Faults::from_rates(&Rates {
        drop: args.drop_rate,
        partial_body: args.partial_body_rate,
        fail_429: args.fail_429_rate,
        fail_5xx: args.fail_5xx_rate,
        task_failure: args.task_failure_rate,
        latency_ms: args.latency_ms,
    });
    faults.rules.extend(shorthand.rules);
    faults.latency_ms = faults.latency_ms.max(shorthand.latency_ms);
    faults.validate().map_err(|e| format!("faults: {e}"))?;
    Ok(SimConfig {
        seed: args.seed,
        clock: match args.clock {
            ClockArg::Realtime => Clock::Realtime,
            ClockArg::Virtual => Clock::Virtual,
            ClockArg::Tick => Clock::Tick,
        },
        processing_time,
        api_keys: args.api_keys.clone(),
        faults,
        limits: Limits { create: args.rate_create, assets: args.rate_assets, read: args.rate_read },
        skip_states: args.skip_states.clone(),
        asset_ready,
        idempotency_ttl,
    })
}

/// Serves until interrupted; the first stdout line is the base URL (SIM-CFG-1).
pub async fn serve(args: SimArgs) -> i32 {
    let addr = args.bind.unwrap_or(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)));
    let config = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    let sim = match start(config, addr).await {
        Ok(s) => s,
        Err(e) => {
            errln!("error: cannot listen on {addr}: {e}");
            return 3;
        }
    };
    outln!("{}", sim.base_url);
    errln!("vidflow simulator listening; results are synthetic. Ctrl-C stops it.");
    let _ = tokio::signal::ctrl_c().await;
    sim.stop().await;
    0
}
