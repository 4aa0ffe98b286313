//! `vidflow sim`: serve the simulator until Ctrl-C.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::args::{ClockArg, SimArgs};
use crate::sim::{Clock, SimConfig, start};

/// Serves until interrupted; the first stdout line is the base URL (SIM-CFG-1).
pub async fn serve(args: SimArgs) -> i32 {
    let addr = args.bind.unwrap_or(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)));
    let Ok(processing_time) = Duration::try_from_secs_f64(args.processing_time) else {
        eprintln!("error: --processing-time must be a number of seconds ≥ 0");
        return 2;
    };
    let config = SimConfig {
        seed: args.seed,
        clock: match args.clock {
            ClockArg::Realtime => Clock::Realtime,
            ClockArg::Tick => Clock::Tick,
        },
        processing_time,
        api_keys: args.api_keys,
    };
    let sim = match start(config, addr).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return 3;
        }
    };
    println!("{}", sim.base_url);
    eprintln!("vidflow simulator listening; results are synthetic. Ctrl-C stops it.");
    let _ = tokio::signal::ctrl_c().await;
    sim.stop().await;
    0
}
